import type { Page } from '@playwright/test';
import { expect, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';

/** The tracker is off, so the result's magnet is found through the DHT alone. */
const NO_TRACKER = '?tracker=off';

/** Titles of the search results `page` shows, once its search is done. */
async function shownTitles(page: Page, query: string): Promise<string[]> {
  await page.getByTestId('search-input').fill(query);
  await page.getByTestId('search-button').click();
  // The state names the query, so an earlier search's "done" does not count.
  await expect(page.getByTestId('search-state')).toContainText(`“${query}” · done`, { timeout: 30_000 });
  return page.getByTestId('search-result').getByRole('button').allInnerTexts();
}

test('files listed in search are found by one and by two words, open and download, and are found without the server', async ({
  person,
  server,
}) => {
  const tabs: Page[] = [];
  for (let i = 0; i < 6; i++) tabs.push(await (await person()).open(NO_TRACKER));
  for (const tab of tabs) {
    await expect.poll(() => tab.evaluate(() => window.tabswarm.status().dht.joined)).toBe(true);
  }
  const [a, b, c, d, e] = tabs as [Page, Page, Page, Page, Page];

  // One tab lists its file the way a person does: tick "list in search", type a title, pick the file.
  const handbook = randomFile(300 * 1024);
  await a.getByTestId('list-in-search').check();
  await a.getByTestId('search-title').fill('Ubuntu Server Handbook');
  await shareFile(a, 'handbook.pdf', handbook);
  // Two more through the page's API; one shared file stays unlisted (off by default).
  const listed = async (tab: Page, name: string, title?: string) =>
    tab.evaluate(
      async ([n, t]) => {
        const data = crypto.getRandomValues(new Uint8Array(64 * 1024));
        await window.tabswarm.seed(data, n, t === undefined ? {} : { listInSearch: true, title: t });
      },
      [name, title] as const,
    );
  await listed(b, 'bunny.mp4', 'Big Buck Bunny 1080p');
  await listed(c, 'wallpapers.zip', 'Ubuntu Desktop Wallpapers');
  await listed(c, 'private-ubuntu-notes.txt');

  // Listing runs in the background: search until all three are stored.
  await expect
    .poll(async () => (await d.evaluate(() => window.tabswarm.search('ubuntu'))).results.length, {
      timeout: 30_000,
    })
    .toBe(2);
  expect((await shownTitles(d, 'UBUNTU')).sort()).toEqual([
    'Ubuntu Desktop Wallpapers',
    'Ubuntu Server Handbook',
  ]);
  expect(await shownTitles(d, 'server ubuntu')).toEqual(['Ubuntu Server Handbook']);

  // A click on the result opens its magnet; the file downloads with the right bytes.
  await d.getByTestId('search-result').getByRole('button').click();
  // Once its metadata arrives the transfer bears the file's own name.
  await waitForComplete(d, 'handbook.pdf');
  const infoHash = await d.getByTestId('search-result').getAttribute('data-info-hash');
  expect(await d.evaluate((h) => window.tabswarm.sha256(h), infoHash as string)).toBe(sha256(handbook));

  // Without the server, search goes on through the overlay.
  await server.close();
  await expect.poll(() => e.evaluate(() => window.tabswarm.status().server)).not.toBe('online');
  expect(await shownTitles(e, 'bunny')).toEqual(['Big Buck Bunny 1080p']);
});
