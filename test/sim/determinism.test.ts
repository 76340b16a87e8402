import { describe, expect, it } from 'vitest';
import { runDhtSim } from '../../sim/dht-sim.js';
import { simSeed } from '../../sim/seed.js';
import { broadbandClasses, runSwarmSim } from '../../sim/swarm-sim.js';

/** The whole stack (shared/ code included) replays exactly from a seed. */
describe('simulations replay from their seed', () => {
  it('a DHT run', () => {
    const seed = simSeed(5);
    console.log(`determinism dht seed=${seed}`);
    const run = (): string =>
      JSON.stringify(
        runDhtSim({
          nodes: 60,
          seed,
          churnFraction: 0.2,
          warmupMs: 60_000,
          phaseMs: 120_000,
          findNodes: 20,
          gets: 20,
          getPeers: 10,
          values: 5,
          infoHashes: 3,
        }),
      );
    const first = run();
    expect(run(), `seed=${seed}`).toBe(first);
  });

  it('a swarm run', () => {
    const seed = simSeed(6);
    console.log(`determinism swarm seed=${seed}`);
    const run = (): string =>
      JSON.stringify(
        runSwarmSim({
          seed,
          leechers: 8,
          fileBytes: 512 * 1024,
          pieceLength: 32 * 1024,
          seedRates: { upload: 400_000, download: 4_000_000 },
          leecherRates: broadbandClasses(),
          corruptPeers: 1,
        }),
      );
    const first = run();
    expect(run(), `seed=${seed}`).toBe(first);
  });
});
