import type { Page } from '@playwright/test';
import { expect, infoHashOf, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';
import { SPARSE, unlinkedPair } from '../harness/tabs.js';

test('six tabs find a file through the DHT alone, then connect through the overlay once the server is gone', async ({
  person,
  server,
}) => {
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

  // The server goes away. Two tabs that never had a link between them find each other through
  // the DHT and signal their WebRTC connection through the overlay.
  await server.close();
  for (const tab of tabs) {
    await expect.poll(() => tab.evaluate(() => window.tabswarm.status().server)).not.toBe('online');
  }
  const pair = await unlinkedPair(tabs);
  if (!pair) throw new Error('every tab is linked to every other: no pair to connect through the overlay');
  const [x, y] = pair;
  const second = randomFile(512 * 1024);
  const secondMagnet = await shareFile(x, 'no-server.bin', second);
  await y.getByTestId('link-input').fill(secondMagnet);
  await y.getByTestId('open-link').click();
  await waitForComplete(y, 'no-server.bin');
  expect(await y.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(secondMagnet))).toBe(sha256(second));
});
