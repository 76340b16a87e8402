import { MiB, table, type BenchSection } from './bench-types.js';
import { rawChannelThroughput } from './raw-channel.js';
import { heapSampler, openTab, seedRandom, timedDownload, waitStored } from './tabs.js';

/**
 * Two tabs: raw RTCDataChannel throughput, then tabswarm's download of the same size between
 * the same kind of tabs, their ratio; hashing speed when seeding; the downloader's peak heap.
 */
export const transferBench: BenchSection = async ({ browser, server, quick, log }) => {
  const size = (quick ? 16 : 64) * MiB;
  const bigSize = (quick ? 64 : 256) * MiB;
  const a = await openTab(browser, server);
  const b = await openTab(browser, server);

  log(`raw channel, ${size / MiB} MiB in 64 KiB messages`);
  const raw64 = await rawChannelThroughput(a, b, size, 64 * 1024);
  log(`raw channel, ${size / MiB} MiB in 16 KiB messages`);
  const raw16 = await rawChannelThroughput(a, b, size, 16 * 1024);

  log(`tabswarm download, ${size / MiB} MiB`);
  const seeded = await seedRandom(a, size, 'bench-64.bin');
  await waitStored(a, seeded.infoHash);
  const download = await timedDownload(b, seeded.magnet);
  const tsMBs = size / 1e6 / download;

  log(`hashing while seeding ${bigSize / MiB} MiB`);
  const c = await openTab(browser, server);
  const big = await seedRandom(c, bigSize, 'bench-big.bin');
  const hashMBs = bigSize / 1e6 / big.hashSeconds;
  await waitStored(c, big.infoHash);

  log(`heap of a tab downloading ${bigSize / MiB} MiB`);
  const d = await openTab(browser, server);
  const sampler = await heapSampler(d);
  const bigDownload = await timedDownload(d, big.magnet);
  const peak = await sampler.stop();
  const growthMiB = (peak - sampler.baseline) / MiB;

  for (const p of [a, b, c, d]) await p.context().close();
  const f = (n: number) => n.toFixed(1);
  return table(
    ['measure', 'value', 'target'],
    [
      ['raw RTCDataChannel, 64 KiB messages (MB/s)', f(raw64.mbPerSecond), ''],
      ['raw RTCDataChannel, 16 KiB messages (MB/s)', f(raw16.mbPerSecond), ''],
      [`tabswarm download of ${size / MiB} MiB, 1 seed → 1 tab (MB/s)`, f(tsMBs), ''],
      ['tabswarm / raw (64 KiB)', (tsMBs / raw64.mbPerSecond).toFixed(2), '>= 0.7'],
      [`hashing while seeding ${bigSize / MiB} MiB (MB/s)`, f(hashMBs), '>= 150'],
      [`download of ${bigSize / MiB} MiB (MB/s)`, f(bigSize / 1e6 / bigDownload), ''],
      [`downloader peak JS heap above idle, ${bigSize / MiB} MiB download (MiB)`, f(growthMiB), '< 64'],
    ],
  );
};
