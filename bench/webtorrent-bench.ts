import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from '@playwright/test';
import Server from 'bittorrent-tracker/server';
import type { RunningServer } from '../signaling-server/server.js';
import { MiB, table, type BenchSection } from './bench-types.js';
import { rawChannelThroughput } from './raw-channel.js';
import { openTab, seedRandom, waitStored } from './tabs.js';

/** WebTorrent's own browser build, loaded into a bench page as an ES module. */
const WEBTORRENT_JS = 'node_modules/webtorrent/dist/webtorrent.min.js';
/** Where the bench page and WebTorrent are served from: the app's origin (a secure context), intercepted. */
const WT_PATH = '/__webtorrent/';
const WT_PAGE = `<!doctype html><script type="module">
import WebTorrent from './webtorrent.min.js';
window.WebTorrent = WebTorrent;
</script>`;
/**
 * tsx names the functions it compiles with a `__name` helper that does not exist in the page;
 * the functions handed to `evaluate` below define some. Installed as a string, which tsx leaves be.
 */
const NAME_HELPER = 'window.__name = (f) => f';
/** How long one download may take before the run is abandoned. */
const RUN_TIMEOUT_MS = 180_000;

/** What one download run measured, per leecher: total seconds and seconds to the first peer. */
interface Leech {
  seconds: number;
  firstPeer: number;
}

interface Run {
  system: 'tabswarm' | 'WebTorrent';
  seconds: number;
  /** Mean over the leechers. */
  firstPeer: number;
  mbPerSecond: number;
  /** One to one: a raw data channel between the same two tabs, just before (MB/s, 64 KiB messages). */
  rawMbPerSecond?: number;
}

interface Scenario {
  name: string;
  size: number;
  leechers: number;
}

/**
 * `npm run bench -- webtorrent`: the same data from one tab to one tab, and from one seed to four
 * leechers, with tabswarm and with WebTorrent (its browser build and default browser store, with
 * bittorrent-tracker's WebSocket server in Node as its tracker), runs interleaved tabswarm,
 * WebTorrent, tabswarm, ... Each leecher opens a magnet link, so both fetch the metadata from
 * their peers first. Neither uses ICE servers (loopback). One to one also measures a bare data
 * channel between the tabswarm pair, the ceiling either can reach. `--pairs=N` runs N pairs per
 * scenario.
 */
export const webtorrentBench: BenchSection = async ({ browser, server, quick, log }) => {
  const pairs = Number(process.argv.find((a) => a.startsWith('--pairs='))?.slice('--pairs='.length) ?? 1);
  const scenarios: Scenario[] = [
    { name: 'one to one', size: (quick ? 16 : 64) * MiB, leechers: 1 },
    { name: 'one to four', size: (quick ? 8 : 32) * MiB, leechers: 4 },
  ];
  const tracker = new Server({ udp: false, http: false, ws: true, stats: false });
  tracker.listen(0, '127.0.0.1');
  await once(tracker, 'listening');
  const trackerUrl = `ws://127.0.0.1:${(tracker.ws.address() as AddressInfo).port}`;
  const rows: (string | number)[][] = [];
  try {
    for (const s of scenarios) {
      const ratios: number[] = [];
      for (let pair = 1; pair <= pairs; pair++) {
        const label = `${s.name}, ${s.size / MiB} MiB, pair ${pair}`;
        log(`tabswarm: ${label}`);
        const ts = await tabswarmRun(browser, server, s);
        log(`WebTorrent: ${label}`);
        const wt = await webtorrentRun(browser, server, trackerUrl, s);
        for (const r of [ts, wt])
          rows.push([
            `${s.name} (${s.size / MiB} MiB${s.leechers > 1 ? ` × ${s.leechers}` : ''})`,
            r.system,
            pair,
            r.mbPerSecond.toFixed(1),
            r.seconds.toFixed(1),
            r.firstPeer.toFixed(2),
            '',
          ]);
        ratios.push(ts.mbPerSecond / wt.mbPerSecond);
        rows.push(['', 'tabswarm / WebTorrent', pair, '', '', '', ratios.at(-1)!.toFixed(2)]);
        if (ts.rawMbPerSecond !== undefined)
          rows.push([
            '',
            'raw data channel, same tabs (tabswarm / raw, WebTorrent / raw)',
            pair,
            ts.rawMbPerSecond.toFixed(1),
            '',
            '',
            `${(ts.mbPerSecond / ts.rawMbPerSecond).toFixed(2)}, ${(wt.mbPerSecond / ts.rawMbPerSecond).toFixed(2)}`,
          ]);
      }
    }
  } finally {
    tracker.close();
  }
  return table(
    ['scenario', 'system', 'pair', 'MB/s delivered', 'time (s)', 'first peer (s)', 'ratio (target >= 2)'],
    rows,
  );
};

/** One tabswarm run: a seed tab, then every leecher opens its magnet link at once. */
async function tabswarmRun(browser: Browser, server: RunningServer, s: Scenario): Promise<Run> {
  const seed = await openTab(browser, server);
  const leechers: Page[] = [];
  for (let i = 0; i < s.leechers; i++) leechers.push(await openTab(browser, server));
  for (const p of leechers) await p.evaluate(NAME_HELPER);
  try {
    // The ceiling of this pair of tabs in this run: what a bare data channel carries.
    const raw =
      s.leechers === 1 ? await rawChannelThroughput(seed, leechers[0]!, s.size, 64 * 1024) : undefined;
    const seeded = await seedRandom(seed, s.size, 'bench.bin');
    await waitStored(seed, seeded.infoHash);
    const results = await Promise.all(
      leechers.map((l) =>
        l.evaluate(
          async ({ magnet, timeout }) => {
            const t0 = performance.now();
            let firstPeer = -1;
            let hash = '';
            const onChange = (): void => {
              if (firstPeer < 0 && hash && (window.tabswarm.transfer(hash)?.peers.length ?? 0) > 0)
                firstPeer = performance.now() - t0;
            };
            window.tabswarm.on('change', onChange);
            const { infoHash } = await window.tabswarm.download(magnet);
            hash = infoHash;
            await window.tabswarm.waitForComplete(infoHash, timeout);
            window.tabswarm.off('change', onChange);
            return { seconds: (performance.now() - t0) / 1000, firstPeer: firstPeer / 1000 };
          },
          { magnet: seeded.magnet, timeout: RUN_TIMEOUT_MS },
        ),
      ),
    );
    const run = summarize('tabswarm', s, results);
    if (raw) run.rawMbPerSecond = raw.mbPerSecond;
    return run;
  } finally {
    for (const p of [seed, ...leechers]) await p.context().close();
  }
}

/** One WebTorrent run, the same shape: a seed page, then every leecher adds the magnet at once. */
async function webtorrentRun(
  browser: Browser,
  server: RunningServer,
  trackerUrl: string,
  s: Scenario,
): Promise<Run> {
  const seed = await openWebTorrent(browser, server);
  const leechers: Page[] = [];
  for (let i = 0; i < s.leechers; i++) leechers.push(await openWebTorrent(browser, server));
  try {
    const magnet = await seed.evaluate(
      async ({ bytes, announce }) => {
        const parts: Uint8Array[] = [];
        for (let off = 0; off < bytes; off += 1024 * 1024) {
          const part = new Uint8Array(Math.min(1024 * 1024, bytes - off));
          for (let i = 0; i < part.length; i += 65536) crypto.getRandomValues(part.subarray(i, i + 65536));
          parts.push(part);
        }
        const file = new File(parts as Uint8Array<ArrayBuffer>[], 'bench.bin');
        const client = benchClient();
        return new Promise<string>((resolve, reject) => {
          client.on('error', (err: Error) => reject(err));
          client.seed(file, { announce: [announce] }, (torrent: { magnetURI: string }) =>
            resolve(torrent.magnetURI),
          );
        });
      },
      { bytes: s.size, announce: trackerUrl },
    );
    const results = await Promise.all(
      leechers.map((l) =>
        l.evaluate(
          ({ magnet, announce, timeout }) =>
            new Promise<Leech>((resolve, reject) => {
              const t0 = performance.now();
              let firstPeer = -1;
              const client = benchClient();
              client.on('error', (err: Error) => reject(err));
              const timer = setTimeout(() => reject(new Error('WebTorrent download timed out')), timeout);
              const torrent = client.add(magnet, { announce: [announce] });
              torrent.on('wire', () => {
                if (firstPeer < 0) firstPeer = performance.now() - t0;
              });
              torrent.on('done', () => {
                clearTimeout(timer);
                resolve({ seconds: (performance.now() - t0) / 1000, firstPeer: firstPeer / 1000 });
              });
            }),
          { magnet, announce: trackerUrl, timeout: RUN_TIMEOUT_MS },
        ),
      ),
    );
    return summarize('WebTorrent', s, results);
  } finally {
    for (const p of [seed, ...leechers]) await p.context().close();
  }
}

/** A page on the app's origin that has loaded WebTorrent's browser build, in a fresh profile. */
async function openWebTorrent(browser: Browser, server: RunningServer): Promise<Page> {
  const context = await browser.newContext();
  await context.route(`**${WT_PATH}*`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('.js'))
      return route.fulfill({ path: WEBTORRENT_JS, contentType: 'text/javascript' });
    return route.fulfill({ body: WT_PAGE, contentType: 'text/html' });
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[WebTorrent page error] ${err.message}`));
  await page.goto(new URL(`${WT_PATH}bench.html`, server.url).href);
  await page.waitForFunction(() => 'WebTorrent' in window);
  await page.evaluate(NAME_HELPER);
  // The client every evaluate above makes: no ICE servers (loopback, as tabswarm's tabs).
  await page.evaluate(() => {
    const w = window as unknown as { WebTorrent: new (opts: object) => unknown; benchClient: () => unknown };
    w.benchClient = () => new w.WebTorrent({ tracker: { rtcConfig: { iceServers: [] } } });
  });
  return page;
}

function summarize(system: Run['system'], s: Scenario, results: Leech[]): Run {
  const seconds = Math.max(...results.map((r) => r.seconds));
  const firstPeer = results.reduce((sum, r) => sum + r.firstPeer, 0) / results.length;
  return { system, seconds, firstPeer, mbPerSecond: (s.size * s.leechers) / 1e6 / seconds };
}

declare global {
  /** Made by openWebTorrent in the bench page (WebTorrent ships no types). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function benchClient(): any;
}
