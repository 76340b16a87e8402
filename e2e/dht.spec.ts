import type { Page } from '@playwright/test';
import { expect, infoHashOf, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';

/** The tracker is off, and each tab keeps few DHT links, so some pairs of tabs are not linked. */
const SPARSE =
  '?tracker=off&dht.maxConnections=3&dht.targetConnections=2&dht.nearConnections=2&dht.bucketConnections=1';

async function linkedTo(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    window.tabswarm
      .status()
      .links.filter((l) => l.open)
      .map((l) => l.remoteId),
  );
}

test('six tabs find a file through the DHT, and keep connecting after the server is gone', async ({
  person,
  server,
}) => {
  const tabs: Page[] = [];
  for (let i = 0; i < 6; i++) tabs.push(await (await person()).open(SPARSE));
  // Everyone is in the overlay: each tab has at least one live DHT link.
  for (const tab of tabs) await expect.poll(() => linkedTo(tab).then((l) => l.length)).toBeGreaterThan(0);

  const [a, , , , , f] = tabs as [Page, Page, Page, Page, Page, Page];
  const file = randomFile(1024 * 1024);
  const magnet = await shareFile(a, 'via-dht.bin', file);
  await f.getByTestId('link-input').fill(magnet);
  await f.getByTestId('open-link').click();
  await waitForComplete(f, 'via-dht.bin');
  expect(await f.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(file));

  await server.close();
  for (const tab of tabs) {
    await expect(tab.getByTestId('server-state')).toHaveText('server offline');
  }

  // Two tabs that have no link between them: one shares, the other downloads, with no server.
  const ids = await Promise.all(tabs.map((t) => t.evaluate(() => window.tabswarm.peerId)));
  let pair: [number, number] | undefined;
  for (let i = 1; i < 5 && !pair; i++) {
    const linked = await linkedTo(tabs[i]!);
    for (let j = 1; j < 5; j++) if (j !== i && !linked.includes(ids[j]!)) pair = [i, j];
  }
  expect(pair, 'two tabs without a link between them').toBeDefined();
  const [x, y] = [tabs[pair![0]]!, tabs[pair![1]]!];
  const second = randomFile(512 * 1024);
  const { magnet: offline } = await x.evaluate(
    (bytes) => window.tabswarm.seed(new Uint8Array(bytes), 'no-server.bin'),
    [...second],
  );
  await y.evaluate((m) => window.tabswarm.download(m), offline);
  await waitForComplete(y, 'no-server.bin');
  expect(await y.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(offline))).toBe(sha256(second));
  expect(await linkedTo(y)).toContain(ids[pair![0]]);
});
