import type { Page } from '@playwright/test';
import { expect, infoHashOf, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';

/** The tracker is off, and each tab keeps few DHT links, so lookups go through relays. */
const SPARSE =
  '?tracker=off&dht.maxConnections=4&dht.targetConnections=2&dht.nearConnections=2&dht.bucketConnections=1';

test('six tabs find a file through the DHT alone, with the tracker off', async ({ person }) => {
  const tabs: Page[] = [];
  for (let i = 0; i < 6; i++) tabs.push(await (await person()).open(SPARSE));
  // Everyone is in the overlay: each tab has joined (looked up its own id) over live links.
  for (const tab of tabs) {
    await expect.poll(() => tab.evaluate(() => window.tabswarm.status().dht.joined)).toBe(true);
  }

  const [a, , , , , f] = tabs as [Page, Page, Page, Page, Page, Page];
  const file = randomFile(1024 * 1024);
  const magnet = await shareFile(a, 'via-dht.bin', file);
  await f.getByTestId('link-input').fill(magnet);
  await f.getByTestId('open-link').click();
  await waitForComplete(f, 'via-dht.bin');
  expect(await f.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(file));
});
