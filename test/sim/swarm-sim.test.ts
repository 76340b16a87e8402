import { describe, expect, it } from 'vitest';
import { simSeed } from '../../sim/seed.js';
import { METADATA_REQUEST_TIMEOUT } from '../../shared/swarm/metadata-exchange.js';
import { kumarRossMs, runSwarmSim, thirtyLeechers, type SwarmSimResult } from '../../sim/swarm-sim.js';

/** 1 seed + 30 leechers with heterogeneous home-broadband uploads; a 2 MiB file in 64 KiB pieces. */
const scenario = thirtyLeechers;

/**
 * Distribution time over the Kumar-Ross bound, at most. Measured on seeds 30-37, 100 leechers
 * and 4 MiB: 1.35-1.51 (1.47 on the default seed 30); 30 leechers and 2 MiB, seeds 31-38:
 * 1.43-1.65 (1.43 on seed 31). A few per cent over the worst seed, so a regression shows.
 */
const MAX_RATIO_100_LEECHERS = 1.55;
const MAX_RATIO_30_LEECHERS = 1.75;
/** Five 8 MiB runs take about 30 s of CPU: more than the default test timeout on a shared machine. */
const FIVE_RUNS_TIMEOUT = 120_000;
/** One 100-leecher run takes ~20 s of CPU alone and twice that on a loaded machine. */
const SIM_RUN_TIMEOUT = 120_000;

function summary(name: string, r: SwarmSimResult): string {
  const t = r.distributionMs === undefined ? 'never' : `${(r.distributionMs / 1000).toFixed(1)} s`;
  return `${name} seed=${r.seed}: ${r.completed}/${r.leechers} complete, time ${t}, bound ${(r.lowerBoundMs / 1000).toFixed(1)} s, ratio ${r.ratio.toFixed(2)}, ${r.bans.length} bans`;
}

describe('Kumar-Ross bound', () => {
  it('is the largest of the seed, aggregate and slowest-download terms', () => {
    const F = 1_000_000;
    // Aggregate-bound: 10 peers of 100 kB/s up and a 1 MB/s seed: 10 MB / 2 MB/s = 5 s.
    const peers = Array.from({ length: 10 }, () => ({ upload: 100_000, download: 10_000_000 }));
    expect(kumarRossMs(F, 1_000_000, peers)).toBeCloseTo(5000, 6);
    // Seed-bound: a slow seed.
    expect(kumarRossMs(F, 50_000, [{ upload: 10_000_000, download: 10_000_000 }])).toBeCloseTo(20_000, 6);
    // Download-bound: one slow downloader.
    expect(kumarRossMs(F, 10_000_000, [{ upload: 10_000_000, download: 100_000 }])).toBeCloseTo(10_000, 6);
  });
});

describe('swarm simulation, 1 seed + 100 leechers', { timeout: SIM_RUN_TIMEOUT }, () => {
  it(`distributes a 4 MiB file within ${MAX_RATIO_100_LEECHERS} times the Kumar-Ross bound`, () => {
    const seed = simSeed(30);
    console.log(`swarm 100: seed ${seed} (replay with SIM_SEED=${seed})`);
    const r = runSwarmSim({
      ...scenario(seed),
      leechers: 100,
      fileBytes: 4 * 1024 * 1024,
      seedRates: { upload: 1_000_000, download: 8_000_000 },
    });
    console.log(
      summary('swarm 100', r) + `, ${((100 * r.wastedBytes) / r.downloadedBytes).toFixed(1)} % dup`,
    );
    expect(r.problems, `seed=${seed}`).toEqual([]);
    expect(r.completed, `seed=${seed}`).toBe(100);
    expect(r.ratio, `seed=${seed}: distribution time / Kumar-Ross bound`).toBeLessThan(
      MAX_RATIO_100_LEECHERS,
    );
    expect(r.wastedBytes / r.downloadedBytes, `seed=${seed}: duplicate payload`).toBeLessThan(0.1);
  });
});

describe('swarm simulation, 1 seed + 30 leechers', { timeout: SIM_RUN_TIMEOUT }, () => {
  it('draws peer classes from the seed alone, whatever the content and the swarms draw', () => {
    const seed = simSeed(36);
    const a = runSwarmSim(scenario(seed));
    const b = runSwarmSim(scenario(seed, { magnet: true, fileBytes: 1024 * 1024 }));
    expect(b.peers.map((p) => [p.id, p.upload])).toEqual(a.peers.map((p) => [p.id, p.upload]));
  });

  it('every leecher completes, nobody is banned, within a few times the lower bound', () => {
    const seed = simSeed(31);
    const r = runSwarmSim(scenario(seed));
    console.log(summary('swarm', r));
    expect(r.problems, `seed=${seed}`).toEqual([]);
    expect(r.completed, `seed=${seed}`).toBe(30);
    expect(r.bans, `seed=${seed}`).toEqual([]);
    expect(r.piecesFailed, `seed=${seed}`).toBe(0);
    expect(r.ratio, `seed=${seed}: distribution time / Kumar-Ross bound`).toBeLessThan(MAX_RATIO_30_LEECHERS);
  });

  it('a leecher that starts from the magnet link alone completes too', () => {
    const seed = simSeed(32);
    const r = runSwarmSim(scenario(seed, { magnet: true }));
    console.log(summary('swarm magnet', r));
    expect(r.problems, `seed=${seed}`).toEqual([]);
    expect(r.completed, `seed=${seed}`).toBe(30);
  });

  it('the seed leaves after delivering 1.2 copies and everyone still completes', () => {
    const seed = simSeed(33);
    const r = runSwarmSim(scenario(seed, { seedLeavesAfterCopies: 1.2 }));
    console.log(summary('swarm seed-leaves', r) + `, seed left at ${r.seedLeftAtMs} ms`);
    expect(r.seedLeftAtMs, `seed=${seed}: the seed left`).toBeDefined();
    expect(r.completed, `seed=${seed}: leechers complete after the seed left`).toBe(30);
  });

  it(
    'a free rider (never uploads) finishes last, over five seeds',
    () => {
      // 8 MiB (128 pieces), so several rechoke rounds pass: with a 2 MiB file, one piece from each
      // neighbour's first optimistic unchoke is much of the file. Same link as the slowest honest
      // class, so only the behaviour differs.
      const first = simSeed(34);
      for (let seed = first; seed < first + 5; seed++) {
        const r = runSwarmSim(
          scenario(seed, {
            fileBytes: 8 * 1024 * 1024,
            freeRiders: 1,
            freeRiderRates: { upload: 128_000, download: 1_024_000 },
          }),
        );
        console.log(summary('swarm free-rider', r));
        const rider = r.peers.find((p) => p.role === 'free-rider');
        const honest = r.peers.filter((p) => p.role === 'leecher');
        expect(rider?.uploadedBytes, `seed=${seed}: the free rider uploads no blocks`).toBeLessThan(
          64 * 1024,
        );
        expect(r.completed, `seed=${seed}`).toBe(30);
        const lastHonest = Math.max(...honest.map((p) => p.completeMs ?? Number.POSITIVE_INFINITY));
        console.log(`free rider seed=${seed}: ${rider?.completeMs} ms, last honest leecher ${lastHonest} ms`);
        expect(rider?.completeMs, `seed=${seed}: free rider vs the last honest leecher`).toBeGreaterThan(
          lastHonest,
        );
      }
    },
    FIVE_RUNS_TIMEOUT,
  );

  it('a peer with bad metadata met first does not delay magnet starts, and is banned', () => {
    const seed = simSeed(36);
    const r = runSwarmSim(scenario(seed, { magnet: true, badMetadataPeers: 1 }));
    const bad = r.peers.find((p) => p.role === 'bad-metadata')?.id;
    const times = r.peers.filter((p) => p.role === 'leecher').map((p) => p.metadataMs ?? Infinity);
    const slowest = Math.max(...times);
    console.log(summary('swarm bad-metadata', r) + `, slowest time to metadata ${slowest.toFixed(0)} ms`);
    expect(r.completed, `seed=${seed}`).toBe(30);
    // No request had to time out: the liar never held anyone's metadata back.
    expect(slowest, `seed=${seed}: time to metadata`).toBeLessThan(METADATA_REQUEST_TIMEOUT);
    expect(new Set(r.bans.map((b) => b.peer)), `seed=${seed}: banned peers`).toEqual(new Set([bad]));
  });

  it('a peer sending corrupt blocks is banned, and nobody else is', () => {
    const seed = simSeed(35);
    const r = runSwarmSim(scenario(seed, { corruptPeers: 1 }));
    console.log(summary('swarm corrupt', r));
    const corrupt = r.peers.find((p) => p.role === 'corrupt')?.id;
    expect(r.piecesFailed, `seed=${seed}: corrupt pieces were caught`).toBeGreaterThan(0);
    expect(r.bans.length, `seed=${seed}`).toBeGreaterThan(0);
    expect(new Set(r.bans.map((b) => b.peer)), `seed=${seed}: banned peers`).toEqual(new Set([corrupt]));
    const honest = r.peers.filter((p) => p.role === 'leecher');
    expect(
      honest.every((p) => p.completeMs !== undefined),
      `seed=${seed}: every honest leecher completes`,
    ).toBe(true);
  });
});
