import type { Browser, CDPSession, Page } from '@playwright/test';
import type { RunningServer } from '../signaling-server/server.js';

/** Opens a tab of the app in a fresh browser profile (its own IndexedDB). */
export async function openTab(browser: Browser, server: RunningServer, query = ''): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  await page.goto(server.url + query);
  await page.waitForFunction(() => window.tabswarm !== undefined);
  await page.evaluate(() => window.tabswarm.ready);
  await page.waitForFunction(() => window.tabswarm.status().server === 'online');
  return page;
}

/** Seeds `bytes` of random data generated inside the tab; returns the magnet and hashing time. */
export async function seedRandom(
  page: Page,
  bytes: number,
  name: string,
): Promise<{ magnet: string; infoHash: string; hashSeconds: number }> {
  return page.evaluate(
    async ({ bytes, name }) => {
      const parts: Uint8Array[] = [];
      const chunk = 1024 * 1024;
      for (let off = 0; off < bytes; off += chunk) {
        const part = new Uint8Array(Math.min(chunk, bytes - off));
        for (let i = 0; i < part.length; i += 65536) crypto.getRandomValues(part.subarray(i, i + 65536));
        parts.push(part);
      }
      const blob = new Blob(parts as Uint8Array<ArrayBuffer>[]);
      parts.length = 0;
      const t0 = performance.now();
      const { magnet, infoHash } = await window.tabswarm.seed(blob, name);
      return { magnet, infoHash, hashSeconds: (performance.now() - t0) / 1000 };
    },
    { bytes, name },
  );
}

/** Waits until every piece of the seeded file is in the tab's IndexedDB. */
export async function waitStored(page: Page, infoHash: string): Promise<void> {
  await page.waitForFunction(
    (h) => {
      const t = window.tabswarm.transfer(h);
      return t !== undefined && t.storedPieces === t.pieceStates.length;
    },
    infoHash,
    { timeout: 600_000, polling: 200 },
  );
}

/** Downloads `magnet` in the tab and waits until it is complete; seconds taken. */
export function timedDownload(page: Page, magnet: string): Promise<number> {
  return page.evaluate(async (magnet) => {
    const t0 = performance.now();
    const { infoHash } = await window.tabswarm.download(magnet);
    await window.tabswarm.waitForComplete(infoHash, 600_000);
    return (performance.now() - t0) / 1000;
  }, magnet);
}

/** Samples a tab's JS heap through the DevTools protocol; `stop()` returns the peak in bytes. */
export async function heapSampler(
  page: Page,
  everyMs = 100,
): Promise<{ baseline: number; stop(): Promise<number> }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const read = async (): Promise<number> => {
    const u = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    return u.usedSize + (u.backingStorageSize ?? 0);
  };
  const baseline = await read();
  let peak = baseline;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await read().catch(() => peak));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    baseline,
    stop: async () => {
      running = false;
      await loop;
      await cdp.detach().catch(() => {});
      return peak;
    },
  };
}
