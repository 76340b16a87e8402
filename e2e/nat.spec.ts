import { expect, test, type Browser, type Page } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '../shared/errors.js';
import { NO_RELAY_MESSAGE } from '../shared/links/index.js';
import { appReady } from './fixtures.js';
import {
  APP_URL,
  NatNetwork,
  PUBLIC_HOST,
  PUBLIC_HOST_2,
  STUN_URL,
  TRACKER_URL,
  TURN_PORT,
  TURN_SECRET,
  canBuildNetwork,
  stunProbe,
} from './netns/nat-network.js';
import { turnCredential } from '../signaling-server/turn-credentials.js';
import { openWebTorrent, routeWebTorrentSite } from './webtorrent-page.js';

/**
 * Two homes, each a browser behind its own NAT router, and a public segment with the signaling
 * server and coturn: Linux network namespaces built by e2e/netns/netns.sh (root only).
 */
test.skip(!canBuildNetwork(), 'needs root, iproute2, nftables and coturn (scripts/test.sh installs them)');
test.describe.configure({ mode: 'serial' });

/** A TURN credential lifetime the tests outlive: the tabs must be using renewed ones. */
const SHORT_TTL_S = 4;

/** The address-change test: a file that takes about 10 s at the seeder's paced upload. */
const PACED_FILE_BYTES = 2_000_000;
const PACED_UPLOAD = 200_000;
/** Router 1's public address after the change (TEST-NET-3, inside the namespaces only). */
const NEW_ROUTER_ADDRESS = '203.0.113.21';

/** Bytes of the file that crosses: a few pieces, small enough to keep relayed tests short. */
const FILE_BYTES = 300_000;

/** A TURN credential lifetime no test outlives. */
const LONG_TTL_S = 600;

let network: NatNetwork | undefined;
test.afterEach(async () => {
  await network?.stop();
  network = undefined;
});
// Whatever a crashed run left: netns.sh down is safe to run any time.
test.afterAll(() => NatNetwork.down());

async function openApp(browser: Browser, query = ''): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  await page.goto(APP_URL + query);
  await appReady(page);
  return page;
}

/**
 * Seeds a random file in home 1, downloads it in home 2 (after `waitMs`); returns both pages and
 * the info-hash.
 */
async function crossFile(
  net: NatNetwork,
  waitMs = 0,
): Promise<{ seeder: Page; leecher: Page; infoHash: string; hash: string }> {
  const [seeder, leecher] = await Promise.all([
    openApp(await net.browser('h1')),
    openApp(await net.browser('h2')),
  ]);
  // Long enough and the credentials the tabs got at register have expired: only renewed ones work.
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  const data = randomBytes(FILE_BYTES);
  const { magnet } = await seeder.evaluate(
    (bytes) => window.tabswarm.seed(new Uint8Array(bytes), 'across.bin'),
    [...data],
  );
  const { infoHash } = await leecher.evaluate((m) => window.tabswarm.download(m), magnet);
  return { seeder, leecher, infoHash, hash: createHash('sha256').update(data).digest('hex') };
}

/** The path of the open link from `page` that carries `infoHash`, once known. */
async function pathOf(page: Page, infoHash: string): Promise<string | undefined> {
  return page.evaluate(
    (h) => window.tabswarm.status().links.find((l) => l.open && l.infoHash === h)?.path,
    infoHash,
  );
}

test('endpoint-independent NATs: the file crosses with STUN alone, over a srflx link', async () => {
  network = await NatNetwork.start('eim');
  // One socket shows one public port to every destination: what STUN relies on.
  const [a, b] = stunProbe('h1', [
    'mapping',
    `${PUBLIC_HOST}:${TURN_PORT}`,
    `${PUBLIC_HOST_2}:${TURN_PORT}`,
  ]) as string[];
  expect(a).toBe(b);
  const { leecher, infoHash, hash } = await crossFile(network);
  await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 30_000), infoHash);
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(hash);
  await expect.poll(() => pathOf(leecher, infoHash), { timeout: 10_000 }).toBe('srflx');
  const status = await leecher.evaluate(() => window.tabswarm.status());
  expect(status.paths.srflx).toBeGreaterThan(0);
  expect(status.paths.relay).toBe(0);
});

test('symmetric NATs without TURN: the link fails with a plain reason instead of hanging', async () => {
  network = await NatNetwork.start('symmetric');
  // Each destination gets its own public port: STUN's answer is useless to the other side.
  const [a, b] = stunProbe('h1', [
    'mapping',
    `${PUBLIC_HOST}:${TURN_PORT}`,
    `${PUBLIC_HOST_2}:${TURN_PORT}`,
  ]) as string[];
  expect(a).not.toBe(b);
  const { seeder, leecher } = await crossFile(network);
  const noRoute = (page: Page) =>
    page.evaluate(
      (code) => window.tabswarm.status().notices.find((n) => n.code === code)?.text,
      ErrorCode.NoRoute,
    );
  // Whichever side offered the link sees ICE fail.
  await expect
    .poll(async () => (await noRoute(leecher)) ?? (await noRoute(seeder)), { timeout: 45_000 })
    .toBe(`Could not connect to a peer: ${NO_RELAY_MESSAGE}`);
});

test('symmetric NATs with TURN: the file crosses over a relayed link, on renewed credentials', async () => {
  network = await NatNetwork.start('symmetric', { turnTtlSeconds: SHORT_TTL_S });
  const { leecher, infoHash, hash } = await crossFile(network, (SHORT_TTL_S + 1) * 1000);
  await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 40_000), infoHash);
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(hash);
  await expect.poll(() => pathOf(leecher, infoHash), { timeout: 10_000 }).toBe('relay');
  expect((await leecher.evaluate(() => window.tabswarm.status())).paths.relay).toBeGreaterThan(0);
});

test("a home's public address changes mid-download: ICE restarts and the download completes", async () => {
  network = await NatNetwork.start('eim');
  const net = network;
  // The seeder paces its upload so the change lands mid-download.
  const seeder = await openApp(await net.browser('h2'), `?uploadLimit=${PACED_UPLOAD}`);
  const leecher = await openApp(await net.browser('h1'));
  const data = randomBytes(PACED_FILE_BYTES);
  const { magnet } = await seeder.evaluate(
    (bytes) => window.tabswarm.seed(new Uint8Array(bytes), 'moving.bin'),
    [...data],
  );
  const { infoHash } = await leecher.evaluate((m) => window.tabswarm.download(m), magnet);
  const progress = () => leecher.evaluate((h) => window.tabswarm.transfer(h)?.progress ?? 0, infoHash);
  await expect.poll(progress, { timeout: 20_000 }).toBeGreaterThan(0.1);
  expect(await progress()).toBeLessThan(0.6);
  const opened = await leecher.evaluate(() => window.tabswarm.status().connectionsOpened);
  // The ISP hands home 1's router a new address: every mapping on the old one is gone.
  net.readdress('r1', NEW_ROUTER_ADDRESS);
  await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 60_000), infoHash);
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(
    createHash('sha256').update(data).digest('hex'),
  );
  // The same connection carried on (restarted), rather than a new one.
  expect(await leecher.evaluate(() => window.tabswarm.status().connectionsOpened)).toBe(opened);
});

test("symmetric NATs, TURN on tabswarm's side only: a tabswarm tab downloads what a WebTorrent client shares, over a relayed link", async () => {
  network = await NatNetwork.start('symmetric', { turnTtlSeconds: LONG_TTL_S });
  // WebTorrent's own STUN servers are public ones the homes cannot reach: it gets the network's
  // STUN server, as its users get a public one. No TURN: the only relay is the one tabswarm's
  // server hands its tab, so it must travel in the tab's complete (non-trickle) SDP.
  const context = await (await network.browser('h1')).newContext();
  const webtorrent = await openWebTorrent(context, await routeWebTorrentSite(context, APP_URL), {
    tracker: { rtcConfig: { iceServers: [{ urls: STUN_URL }] } },
  });
  const data = randomBytes(FILE_BYTES);
  const magnet = await webtorrent.evaluate(
    ([base64, tracker]) => window.wt.seed(base64, 'from-webtorrent.bin', [tracker]),
    [data.toString('base64'), TRACKER_URL] as const,
  );

  const leecher = await openApp(await network.browser('h2'));
  const { infoHash } = await leecher.evaluate((m) => window.tabswarm.download(m), magnet);
  await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 30_000), infoHash);
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(
    createHash('sha256').update(data).digest('hex'),
  );
  const link = () =>
    leecher.evaluate((h) => {
      const open = window.tabswarm.status().links.find((l) => l.open && l.infoHash === h);
      return open && { path: open.path, webtorrent: open.webtorrent };
    }, infoHash);
  await expect.poll(link, { timeout: 10_000 }).toEqual({ path: 'relay', webtorrent: true });
});

test('coturn takes the credentials the server issues, and refuses them once expired', async () => {
  network = await NatNetwork.start('eim', { turnTtlSeconds: LONG_TTL_S });
  const peer = '0123456789abcdef0123456789abcdef01234567';
  const now = Math.floor(Date.now() / 1000);
  const fresh = turnCredential(TURN_SECRET, peer, now + 60);
  const expired = turnCredential(TURN_SECRET, peer, now - 1);
  const forged = turnCredential('not-the-secret', peer, now + 60);
  const allocate = (c: { username: string; credential: string }) =>
    stunProbe('h1', ['allocate', `${PUBLIC_HOST}:${TURN_PORT}`, c.username, c.credential]);
  expect(allocate(fresh)).toBe('allocated');
  expect(allocate(expired)).toBe('401');
  expect(allocate(forged)).toBe('401');
});
