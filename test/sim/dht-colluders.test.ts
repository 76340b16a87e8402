import { describe, expect, it } from 'vitest';
import { COLLUSION_SCENARIO } from '../../sim/dht-collusion.js';
import { runDhtSim, successRate } from '../../sim/dht-sim.js';
import { simSeed } from '../../sim/seed.js';
import { DEFAULT_LOOKUP_PATHS } from '../../shared/dht/node-core.js';

const TIMEOUT = 300_000;
/** Share of colluding nodes: the target is >= 95 % of honest gets found at 20 %. */
const COLLUDERS = 0.2;
const NODES = 300;

/**
 * A fifth of the nodes collude (sim/dht-colluders.ts): they answer every lookup with each other's
 * ids closest to the target and drop what is stored at them. Honest nodes publish, then look up.
 */
describe(`DHT simulation with ${COLLUDERS * 100} % colluders, N = ${NODES}`, () => {
  it('honest gets and get_peers still find what honest nodes published', { timeout: TIMEOUT }, () => {
    const seed = simSeed(7);
    const r = runDhtSim({
      nodes: NODES,
      seed,
      churnFraction: 0,
      colluders: COLLUDERS,
      dht: { lookupPaths: DEFAULT_LOOKUP_PATHS },
      ...COLLUSION_SCENARIO,
    });
    const calm = r.phases[0];
    expect(calm, `seed=${seed}`).toBeDefined();
    if (calm === undefined) return;
    console.log(
      `dht-colluders N=${NODES} seed=${seed} (replay: SIM_SEED=${seed}): ${r.colluders} colluders; ` +
        `get ${calm.get.success}/${calm.get.done + calm.get.unfinished}, ` +
        `get_peers ${calm.getPeers.success}/${calm.getPeers.done + calm.getPeers.unfinished}, ` +
        `put stored at ${r.publish.putStoredMean.toFixed(1)} nodes`,
    );
    expect(r.problems, `seed=${seed}`).toEqual([]);
    expect(r.colluders, `seed=${seed}`).toBeGreaterThan(NODES * COLLUDERS * 0.7);
    expect(calm.get.done, `seed=${seed}`).toBeGreaterThan(150);
    expect(successRate(calm.get), `seed=${seed}: honest get success`).toBeGreaterThanOrEqual(0.95);
    expect(successRate(calm.getPeers), `seed=${seed}: honest get_peers success`).toBeGreaterThanOrEqual(0.95);
  });
});
