import type { AddressInfo, Socket } from 'node:net';
import TrackerServer from 'bittorrent-tracker/server';
import { expect, infoHashOf, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';
import { openWebTorrent, startWebTorrentSite, type WebTorrentSite } from './webtorrent-page.js';

/**
 * tabswarm and the real WebTorrent browser build in one swarm, each person in a browser profile
 * of their own: tabswarm's server is a WebTorrent tracker, tabswarm tabs announce to the trackers
 * in a magnet, and bittorrent-tracker's own server carries a swarm between the two.
 */

let site: WebTorrentSite;
test.beforeAll(async () => {
  site = await startWebTorrentSite();
});
test.afterAll(() => site.close());

/** WebTorrent's uploads in the mixed swarm: slow enough that the tabswarm leechers also trade with each other. */
const WEBTORRENT_SEED_RATE = 256 * 1024;

test('a WebTorrent tab downloads what a tabswarm tab shares, from the magnet the page shows', async ({
  person,
}) => {
  const file = randomFile(1024 * 1024 + 777);
  const sharer = await (await person()).open();
  const magnet = await shareFile(sharer, 'to-webtorrent.bin', file);

  const webtorrent = await openWebTorrent((await person()).context, site);
  const infoHash = await webtorrent.evaluate((m) => window.wt.add(m), magnet);
  expect(infoHash).toBe(infoHashOf(magnet));
  expect(await webtorrent.evaluate((h) => window.wt.sha256(h), infoHash)).toBe(sha256(file));
});

test("a tabswarm tab downloads what a WebTorrent tab shares, from WebTorrent's magnet in the link box", async ({
  person,
  server,
}) => {
  const file = randomFile(1024 * 1024 + 4321);
  const webtorrent = await openWebTorrent((await person()).context, site);
  const magnet = await webtorrent.evaluate(
    ([data, tracker]) => window.wt.seed(data, 'from-webtorrent.bin', [tracker]),
    [file.toString('base64'), server.wsUrl] as const,
  );

  const tab = await (await person()).open();
  await tab.getByTestId('link-input').fill(magnet);
  await tab.getByTestId('open-link').click();
  await waitForComplete(tab, 'from-webtorrent.bin');
  expect(await tab.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(file));
});

test('a mixed swarm: a WebTorrent seed, two tabswarm leechers and a WebTorrent leecher all complete', async ({
  person,
  server,
}) => {
  const file = randomFile(3 * 1024 * 1024 + 99);
  const wtSeed = await openWebTorrent((await person()).context, site);
  await wtSeed.evaluate((rate) => window.wt.throttleUpload(rate), WEBTORRENT_SEED_RATE);
  const magnet = await wtSeed.evaluate(([data, tracker]) => window.wt.seed(data, 'mixed.bin', [tracker]), [
    file.toString('base64'),
    server.wsUrl,
  ] as const);
  const infoHash = infoHashOf(magnet);

  const [first, second] = await Promise.all([
    person().then((p) => p.open(`#${magnet}`)),
    person().then((p) => p.open(`#${magnet}`)),
  ]);
  const wtLeecher = await openWebTorrent((await person()).context, site);
  await wtLeecher.evaluate((m) => window.wt.add(m), magnet);

  await Promise.all([waitForComplete(first, 'mixed.bin'), waitForComplete(second, 'mixed.bin')]);
  expect(await wtLeecher.evaluate((h) => window.wt.sha256(h), infoHash)).toBe(sha256(file));

  const webtorrentIds = await Promise.all([wtSeed, wtLeecher].map((p) => p.evaluate(() => window.wt.peerId)));
  const tabIds = await Promise.all([first, second].map((p) => p.evaluate(() => window.tabswarm.peerId)));
  for (const tab of [first, second]) {
    expect(await tab.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
    const from = await tab.evaluate((h) => window.tabswarm.transfer(h)?.receivedFrom ?? {}, infoHash);
    const got = (ids: string[]) => ids.some((id) => (from[id] ?? 0) > 0);
    expect(got(webtorrentIds), `from a WebTorrent peer: ${JSON.stringify(from)}`).toBe(true);
    expect(got(tabIds), `from a tabswarm peer: ${JSON.stringify(from)}`).toBe(true);
  }
});

test("bittorrent-tracker's own server carries a swarm between a tabswarm tab and a WebTorrent tab", async ({
  person,
}) => {
  const tracker = new TrackerServer({ udp: false, http: false, ws: true, stats: false });
  tracker.on('warning', () => {});
  // Its HTTP server closes only once every connection is gone; it does not track its WebSockets.
  const sockets = new Set<Socket>();
  tracker.http?.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
  const trackerUrl = `ws://127.0.0.1:${(tracker.http?.address() as AddressInfo).port}`;
  try {
    const file = randomFile(1024 * 1024 + 55);
    const sharer = await (await person()).open();
    await sharer.getByTestId('share-trackers').fill(trackerUrl);
    const magnet = await shareFile(sharer, 'via-bittorrent-tracker.bin', file);
    expect(new URL(magnet).searchParams.getAll('tr')).toContain(trackerUrl);

    // The WebTorrent person knows only that tracker: their magnet lists nothing else.
    const infoHash = infoHashOf(magnet);
    const theirs = `magnet:?xt=urn:btih:${infoHash}&tr=${encodeURIComponent(trackerUrl)}`;
    const webtorrent = await openWebTorrent((await person()).context, site);
    await webtorrent.evaluate((m) => window.wt.add(m), theirs);
    expect(await webtorrent.evaluate((h) => window.wt.sha256(h), infoHash)).toBe(sha256(file));
    // Both announced there as seeders now: the tracker saw the whole swarm.
    await expect.poll(() => tracker.torrents[infoHash]?.complete).toBe(2);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => tracker.close(() => resolve()));
  }
});
