import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { launchChromium } from '../harness/chromium.js';
import { startServer, type RunningServer } from '../signaling-server/server.js';

/** A person: a browser profile of their own (separate IndexedDB), with tabs opened on the app. */
export interface Person {
  context: BrowserContext;
  /** Opens the app; `suffix` is appended to its URL (`?query` and/or `#magnet:...`). */
  open(suffix?: string): Promise<Page>;
}

interface Fixtures {
  server: RunningServer;
  browser: Browser;
  person: () => Promise<Person>;
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    await use(server);
    await server.close();
  },
  // eslint-disable-next-line no-empty-pattern
  browser: async ({}, use) => {
    const browser = await launchChromium();
    await use(browser);
    await browser.close();
  },
  person: async ({ browser, server }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext({ acceptDownloads: true });
      contexts.push(context);
      return {
        context,
        open: async (suffix = '') => {
          const page = await context.newPage();
          page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
          await page.goto(server.url + suffix);
          await appReady(page);
          return page;
        },
      };
    });
    for (const c of contexts) await c.close();
  },
});

export { expect };

/** Waits until the page's app has started (after opening, reloading or navigating a tab). */
export async function appReady(page: Page): Promise<void> {
  // The module script sets window.tabswarm after load; evaluate alone can run before it.
  await page.waitForFunction(() => window.tabswarm !== undefined);
  await page.evaluate(() => window.tabswarm.ready);
}

export function randomFile(bytes: number): Buffer {
  return randomBytes(bytes);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Shares a file the way a person does: through the page's file picker. Returns its magnet link. */
export async function shareFile(page: Page, name: string, data: Buffer): Promise<string> {
  await page
    .getByTestId('file-input')
    .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: data });
  const transfer = page.getByTestId('transfer').filter({ hasText: name });
  await expect(transfer).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 });
  return transfer.getByTestId('magnet-link').inputValue();
}

/** Waits until the transfer of `name` is complete in `page`. */
export async function waitForComplete(page: Page, name: string, timeout = 90_000): Promise<void> {
  const transfer = page.getByTestId('transfer').filter({ hasText: name });
  await expect(transfer).toHaveAttribute('data-state', 'seeding', { timeout });
}

/** Saves a completed file the way a person does (Save button) and returns the saved bytes. */
export async function saveFile(page: Page, name: string): Promise<{ filename: string; data: Buffer }> {
  const transfer = page.getByTestId('transfer').filter({ hasText: name });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    transfer.getByTestId('save-file').click(),
  ]);
  const path = await download.path();
  return { filename: download.suggestedFilename(), data: await readFile(path) };
}

/** The info-hash part of a magnet link. */
export function infoHashOf(magnet: string): string {
  const m = /btih:([0-9a-f]{40})/i.exec(magnet);
  if (!m?.[1]) throw new Error(`no info-hash in ${magnet}`);
  return m[1].toLowerCase();
}
