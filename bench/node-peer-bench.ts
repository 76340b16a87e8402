import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodePeer } from '../node-peer/create-node-peer.js';
import { median, MiB, table, type BenchSection } from './bench-types.js';
import { nodeTabRawThroughput } from './node-raw-channel.js';
import { openTab, seedRandom, timedDownload, waitStored } from './tabs.js';

/** Rounds of each measure: the four are interleaved per round, and medians compared. */
const ROUNDS = 3;

/**
 * The Node peer (`@roamhq/wrtc`, pieces on disk) against a tab, both ways: tabswarm's download
 * beside a raw RTCDataChannel between the same two ends. The raw channel's speed swings 2-5x
 * from one minute to the next on a shared machine, so the four measures are interleaved over
 * {@link ROUNDS} rounds (each download a new random file) and the ratios are of the medians.
 */
export const nodePeerBench: BenchSection = async ({ browser, server, quick, log }) => {
  const size = (quick ? 16 : 64) * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-bench-node-'));
  const peer = await createNodePeer({
    server: server.wsUrl,
    stateDir: join(dir, 'state'),
    dataDir: join(dir, 'data'),
  });
  const tab = await openTab(browser, server);
  const runs = {
    rawToTab: [] as number[],
    toTab: [] as number[],
    rawToNode: [] as number[],
    toNode: [] as number[],
  };
  const mbps = (seconds: number): number => size / 1e6 / seconds;
  try {
    await peer.node.ready;
    for (let round = 1; round <= ROUNDS; round++) {
      log(
        `round ${round} of ${ROUNDS}: raw Node → tab, tabswarm Node → tab, raw tab → Node, tabswarm tab → Node (${size / MiB} MiB each)`,
      );
      runs.rawToTab.push((await nodeTabRawThroughput(tab, 'node-to-tab', size)).mbPerSecond);

      const file = join(dir, `node-seed-${round}.bin`);
      await writeFile(file, randomBytes(size));
      const seeded = await peer.seedFile(file);
      const toTab = await timedDownload(tab, seeded.magnet);
      runs.toTab.push(mbps(toTab));

      runs.rawToNode.push((await nodeTabRawThroughput(tab, 'tab-to-node', size)).mbPerSecond);

      const fromTab = await seedRandom(tab, size, `tab-seed-${round}.bin`);
      await waitStored(tab, fromTab.infoHash);
      const t0 = performance.now();
      const got = await peer.node.download(fromTab.magnet);
      await got.done(600_000);
      runs.toNode.push(mbps((performance.now() - t0) / 1000));
    }
    const f = (n: number): string => n.toFixed(1);
    const each = (xs: number[]): string => `${f(median(xs))} (${xs.map(f).join(', ')})`;
    const ratio = (ts: number[], raw: number[]): string => (median(ts) / median(raw)).toFixed(2);
    return table(
      ['measure', `median of ${ROUNDS} (each round)`, 'target'],
      [
        [`raw RTCDataChannel Node → tab, 64 KiB messages (MB/s)`, each(runs.rawToTab), ''],
        [`tabswarm download Node → tab, ${size / MiB} MiB (MB/s)`, each(runs.toTab), ''],
        ['tabswarm / raw, Node → tab (medians)', ratio(runs.toTab, runs.rawToTab), '>= 0.7'],
        [`raw RTCDataChannel tab → Node, 64 KiB messages (MB/s)`, each(runs.rawToNode), ''],
        [`tabswarm download tab → Node, ${size / MiB} MiB, written to disk (MB/s)`, each(runs.toNode), ''],
        ['tabswarm / raw, tab → Node (medians)', ratio(runs.toNode, runs.rawToNode), '>= 0.7'],
      ],
    );
  } finally {
    await tab.context().close();
    await peer.node.destroy();
    await rm(dir, { recursive: true, force: true });
  }
};
