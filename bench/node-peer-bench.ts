import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodePeer } from '../node-peer/create-node-peer.js';
import { MiB, table, type BenchSection } from './bench-types.js';
import { nodeTabRawThroughput } from './node-raw-channel.js';
import { openTab, seedRandom, waitStored } from './tabs.js';

/**
 * The Node peer (`@roamhq/wrtc`, pieces on disk) against a tab, both ways: tabswarm's download
 * beside a raw RTCDataChannel between the same two ends, in the same run.
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
  try {
    await peer.node.ready;
    log(`raw channel Node → tab, ${size / MiB} MiB in 64 KiB messages`);
    const rawToTab = await nodeTabRawThroughput(tab, 'node-to-tab', size);
    log(`raw channel tab → Node, ${size / MiB} MiB in 64 KiB messages`);
    const rawToNode = await nodeTabRawThroughput(tab, 'tab-to-node', size);

    log(`tabswarm Node → tab, ${size / MiB} MiB`);
    const file = join(dir, 'node-seed.bin');
    await writeFile(file, randomBytes(size));
    const seeded = await peer.seedFile(file);
    const toTab = await tab.evaluate(async (magnet) => {
      const t0 = performance.now();
      const { infoHash } = await window.tabswarm.download(magnet);
      await window.tabswarm.waitForComplete(infoHash, 600_000);
      return (performance.now() - t0) / 1000;
    }, seeded.magnet);

    log(`tabswarm tab → Node, ${size / MiB} MiB`);
    const fromTab = await seedRandom(tab, size, 'tab-seed.bin');
    await waitStored(tab, fromTab.infoHash);
    const t0 = performance.now();
    const got = await peer.node.download(fromTab.magnet);
    await got.done(600_000);
    const toNode = (performance.now() - t0) / 1000;

    const f = (n: number): string => n.toFixed(1);
    const tsToTab = size / 1e6 / toTab;
    const tsToNode = size / 1e6 / toNode;
    return table(
      ['measure', 'value', 'target'],
      [
        [`raw RTCDataChannel Node → tab, 64 KiB messages (MB/s)`, f(rawToTab.mbPerSecond), ''],
        [`tabswarm download Node → tab, ${size / MiB} MiB (MB/s)`, f(tsToTab), ''],
        ['tabswarm / raw, Node → tab', (tsToTab / rawToTab.mbPerSecond).toFixed(2), '>= 0.7'],
        [`raw RTCDataChannel tab → Node, 64 KiB messages (MB/s)`, f(rawToNode.mbPerSecond), ''],
        [`tabswarm download tab → Node, ${size / MiB} MiB, written to disk (MB/s)`, f(tsToNode), ''],
        ['tabswarm / raw, tab → Node', (tsToNode / rawToNode.mbPerSecond).toFixed(2), '>= 0.7'],
      ],
    );
  } finally {
    await tab.context().close();
    await peer.node.destroy();
    await rm(dir, { recursive: true, force: true });
  }
};
