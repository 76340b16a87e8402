import type { Page } from '@playwright/test';
import { MiB, table, type BenchSection } from './bench-types.js';
import { rawChannelThroughput } from './raw-channel.js';
import { openTab, seedRandom, waitStored } from './tabs.js';

/**
 * One seed and four leechers of one file: the payload all leechers receive per second, against
 * the raw throughput of all links of the same five tabs running at once (a ring of raw data
 * channels), measured in the same run.
 */
export const swarmBench: BenchSection = async ({ browser, server, quick, log }) => {
  const size = (quick ? 16 : 64) * MiB;
  const tabs: Page[] = [];
  for (let i = 0; i < 5; i++) tabs.push(await openTab(browser, server));

  log('raw: five data channels in a ring, all at once');
  const rawBytes = size / 2;
  const t0 = Date.now();
  await Promise.all(
    tabs.map((t, i) => rawChannelThroughput(t, tabs[(i + 1) % tabs.length]!, rawBytes, 64 * 1024)),
  );
  const rawAll = (rawBytes * tabs.length) / 1e6 / ((Date.now() - t0) / 1000);

  log(`swarm: 1 seed + 4 leechers, ${size / MiB} MiB`);
  const [seed, ...leechers] = tabs as [Page, ...Page[]];
  const { magnet, infoHash } = await seedRandom(seed, size, 'swarm-bench.bin');
  await waitStored(seed, infoHash);
  const t1 = Date.now();
  await Promise.all(
    leechers.map((l) =>
      l.evaluate(async (m) => {
        const { infoHash } = await window.tabswarm.download(m);
        await window.tabswarm.waitForComplete(infoHash, 600_000);
      }, magnet),
    ),
  );
  const seconds = (Date.now() - t1) / 1000;
  const delivered = (size * leechers.length) / 1e6 / seconds;
  const fromPeers = await Promise.all(
    leechers.map((l) =>
      l.evaluate(
        (h) => Object.values(window.tabswarm.transfer(h)!.receivedFrom).filter((b) => b > 0).length,
        infoHash,
      ),
    ),
  );
  for (const t of tabs) await t.context().close();
  return table(
    ['measure', 'value', 'target'],
    [
      ['raw, 5 channels at once (MB/s total)', rawAll.toFixed(1), ''],
      [
        `swarm, 1 seed + 4 leechers of ${size / MiB} MiB: payload delivered (MB/s total)`,
        delivered.toFixed(1),
        '',
      ],
      ['swarm / raw', (delivered / rawAll).toFixed(2), '>= 0.7'],
      ['time until every leecher had the file (s)', seconds.toFixed(1), ''],
      ['peers each leecher received from (min)', Math.min(...fromPeers), '> 1'],
    ],
  );
};
