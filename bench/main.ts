/**
 * `npm run bench [-- section ...]`: runs the benchmarks in headless Chromium against a real
 * server and prints one table per section. Ratios are measured in the same run (the machine is
 * shared and noisy), not against fixed times. `--report` also writes docs/benchmark-report.md.
 */
import { writeFile } from 'node:fs/promises';
import { ALLOW_LOOPBACK_PORTS, launchChromium } from '../harness/chromium.js';
import { startServer } from '../signaling-server/server.js';
import { dhtBench } from './dht-bench.js';
import { folderBench } from './folder-bench.js';
import { searchBench } from './search-bench.js';
import { nodePeerBench } from './node-peer-bench.js';
import { streamBench } from './stream-bench.js';
import { swarmBench } from './swarm-bench.js';
import { transferBench } from './transfer-bench.js';
import { serverBench } from './server-bench.js';
import { webtorrentBench } from './webtorrent-bench.js';
import type { BenchContext, BenchSection } from './bench-types.js';

const SECTIONS: Record<string, BenchSection> = {
  transfer: transferBench,
  dht: dhtBench,
  swarm: swarmBench,
  webtorrent: webtorrentBench,
  folder: folderBench,
  search: searchBench,
  node: nodePeerBench,
  stream: streamBench,
};
/** Sections that need no browser: the signaling server's own processes under load. */
const NODE_SECTIONS: Record<
  string,
  (opts: { quick: boolean; log: (line: string) => void }) => Promise<string>
> = {
  server: serverBench,
};
/** Sections `npm run bench` runs when none is named (webtorrent, server and stream are long: ask for them). */
const DEFAULT_SECTIONS = ['transfer', 'dht', 'swarm', 'node'];

const args = process.argv.slice(2);
const writeReport = args.includes('--report');
const quick = args.includes('--quick');
const chosen = args.filter((a) => !a.startsWith('--'));
const names = chosen.length > 0 ? chosen : DEFAULT_SECTIONS;

const out: string[] = [
  `# tabswarm benchmark report`,
  ``,
  `Run on ${new Date().toISOString().slice(0, 10)} (${quick ? 'quick' : 'full'}), headless Chromium, loopback.`,
  ``,
];
for (const name of names.filter((n) => n in NODE_SECTIONS)) {
  console.error(`--- ${name}`);
  const table = await (NODE_SECTIONS[name] as (typeof NODE_SECTIONS)[string])({
    quick,
    log: (line) => console.error(line),
  });
  console.log(`\n## ${name}\n\n${table}\n`);
  out.push(`## ${name}`, '', table, '');
}
const browserSections = names.filter((n) => !(n in NODE_SECTIONS));
if (browserSections.length > 0) await browserBenches(browserSections);
if (writeReport) await writeFile('docs/benchmark-report.md', out.join('\n'));

async function browserBenches(names: string[]): Promise<void> {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  // WebTorrent's tracker listens on a port of its own.
  const browser = await launchChromium(names.includes('webtorrent') ? [ALLOW_LOOPBACK_PORTS] : []);
  const ctx: BenchContext = { browser, server, quick, log: (line) => console.error(line) };
  try {
    for (const name of names) {
      const section = SECTIONS[name];
      if (!section) throw new Error(`unknown section ${name}; known: ${Object.keys(SECTIONS).join(', ')}`);
      console.error(`--- ${name}`);
      const table = await section(ctx);
      console.log(`\n## ${name}\n\n${table}\n`);
      out.push(`## ${name}`, '', table, '');
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
