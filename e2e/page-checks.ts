import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/** The narrow phone the page must fit without sideways scrolling. */
export const PHONE = { width: 360, height: 740 };
/** A desktop window. */
export const DESKTOP = { width: 1280, height: 800 };

/** axe-core's serious and critical findings on the page (WCAG 2.0/2.1 A and AA rules), one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How much wider than the window the page is (0: no sideways scrolling). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = document.documentElement;
    return Math.max(0, root.scrollWidth - root.clientWidth, document.body.scrollWidth - root.clientWidth);
  });
}

/** The data-testid of the element with keyboard focus, looking through shadow roots. */
export async function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.getAttribute('data-testid') ?? null;
  });
}

/** Presses Tab until the element with `testId` has focus; fails after `max` presses. */
export async function tabTo(page: Page, testId: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await focusedTestId(page)) === testId) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${testId} in ${max} presses (focus on ${await focusedTestId(page)})`);
}

/** Pieces of a transfer in the page's IndexedDB piece store, and whether its metadata is there. */
export async function storedInIndexedDb(
  page: Page,
  infoHash: string,
): Promise<{ pieces: number; metadata: boolean }> {
  return page.evaluate(async (hash) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('tabswarm');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const ask = <T>(store: string, make: (s: IDBObjectStore) => IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        const request = make(db.transaction(store, 'readonly').objectStore(store));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const range = IDBKeyRange.bound([hash, 0], [hash, Number.MAX_SAFE_INTEGER]);
    const pieces = await ask('pieces', (s) => s.count(range));
    const metadata = (await ask('torrents', (s) => s.count(hash))) > 0;
    db.close();
    return { pieces, metadata };
  }, infoHash);
}
