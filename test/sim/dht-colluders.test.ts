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
 * Measured at seed 7: 199/200 gets and 99/100 get_peers (one lookup path, the default); 200/200 and
 * 100/100 once answers through relays were signed (colluders sign their own). The bound
 * sits a little under it (two or three more misses out of 200 fail the test); the issue asks for 95 %.
 */
const MIN_SUCCESS = 0.97;

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
    expect(r.colluders, `seed=${seed}`).toBe(NODES * COLLUDERS);
    expect(calm.get.done, `seed=${seed}`).toBeGreaterThan(150);
    expect(successRate(calm.get), `seed=${seed}: honest get success`).toBeGreaterThanOrEqual(MIN_SUCCESS);
    expect(successRate(calm.getPeers), `seed=${seed}: honest get_peers success`).toBeGreaterThanOrEqual(
      MIN_SUCCESS,
    );
  });
});
