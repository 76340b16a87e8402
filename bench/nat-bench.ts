/**
 * Link set-up time and throughput across the namespace NAT network (e2e/netns/): direct (two
 * browsers in one home), through two endpoint-independent NATs with STUN, and through two
 * symmetric NATs with TURN. Needs root; hold the browser lock:
 *
 *   npx vite build && flock /tmp/browser.lock npx tsx bench/nat-bench.ts [runs]
 */
import type { Page } from '@playwright/test';
import { median } from './bench-types.js';
import { APP_URL, NatNetwork, type Home, type IceSetup, type NatKind } from '../e2e/netns/nat-network.js';

const FILE_BYTES = 8 * 1024 * 1024;
const RUNS = Number(process.argv[2] ?? 3);

interface Case {
  name: string;
  nat: NatKind;
  ice: IceSetup;
  homes: [Home, Home];
}

const CASES: Case[] = [
  { name: 'direct (one home, host candidates)', nat: 'eim', ice: {}, homes: ['h1', 'h1'] },
  { name: 'STUN (two EIM NATs, srflx)', nat: 'eim', ice: {}, homes: ['h1', 'h2'] },
  {
    name: 'TURN (two symmetric NATs, relay)',
    nat: 'symmetric',
    ice: { turnTtlSeconds: 600 },
    homes: ['h1', 'h2'],
  },
];

async function open(net: NatNetwork, home: Home): Promise<Page> {
  const page = await (await (await net.browser(home)).newContext()).newPage();
  await page.goto(APP_URL);
  await page.waitForFunction(() => window.tabswarm !== undefined);
  await page.evaluate(() => window.tabswarm.ready);
  return page;
}

/** One run: set-up time of the swarm link (ms), its path, and download throughput (MB/s). */
async function run(c: Case): Promise<{ setupMs: number; path: string; mbps: number }> {
  const net = await NatNetwork.start(c.nat, c.ice);
  try {
    const seeder = await open(net, c.homes[0]);
    const leecher = await open(net, c.homes[1]);
    // Made in the page: a 16 MiB array does not cross Playwright's JSON cheaply.
    const { magnet } = await seeder.evaluate((size) => {
      const data = new Uint8Array(size);
      for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(data.subarray(at, at + 65_536));
      return window.tabswarm.seed(data, 'bench.bin');
    }, FILE_BYTES);
    const started = Date.now();
    const { infoHash } = await leecher.evaluate((m) => window.tabswarm.download(m), magnet);
    await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 300_000), infoHash);
    const seconds = (Date.now() - started) / 1000;
    const link = await leecher.evaluate(
      (h) => window.tabswarm.status().links.find((l) => l.open && l.infoHash === h),
      infoHash,
    );
    if (link?.setupMs === undefined) throw new Error(`${c.name}: no open swarm link after the download`);
    return { setupMs: link.setupMs, path: link.path ?? '?', mbps: FILE_BYTES / 1e6 / seconds };
  } finally {
    await net.stop();
  }
}

console.log(
  `| case | path | link set-up, median of ${RUNS} (ms) | ${FILE_BYTES / 2 ** 20} MiB download, median (MB/s) |`,
);
console.log('| --- | --- | --- | --- |');
for (const c of CASES) {
  const results = [];
  for (let i = 0; i < RUNS; i++) results.push(await run(c));
  const paths = [...new Set(results.map((r) => r.path))].join(', ');
  console.log(
    `| ${c.name} | ${paths} | ${median(results.map((r) => r.setupMs)).toFixed(0)} (${results.map((r) => r.setupMs).join(', ')}) | ${median(results.map((r) => r.mbps)).toFixed(1)} (${results.map((r) => r.mbps.toFixed(1)).join(', ')}) |`,
  );
}
