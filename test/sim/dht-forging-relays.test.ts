import { describe, expect, it } from 'vitest';
import { COLLUSION_SCENARIO } from '../../sim/dht-collusion.js';
import { runDhtSim, successRate } from '../../sim/dht-sim.js';
import { simSeed } from '../../sim/seed.js';

const TIMEOUT = 300_000;
/** Share of the nodes that forge answers for what they relay. */
const FORGERS = 0.2;
const NODES = 300;
/**
 * Measured at seed 7: 200/200 gets and 100/100 get_peers, k-overlap 89 %, with relayed answers
 * proven; 148/200, 94/100 and 37 % when forged answers were taken. The bounds leave room for a
 * few more misses (the issue asks for 95 % of honest gets).
 */
const MIN_SUCCESS = 0.97;
const MIN_OVERLAP = 0.8;

/**
 * A fifth of the nodes are relays that answer what they relay in the destination's name, with
 * made-up ids next to the target (sim/dht-forging-relays.ts). Honest nodes publish, then look up.
 */
describe(`DHT simulation with ${FORGERS * 100} % forging relays, N = ${NODES}`, () => {
  it(
    'lookups refuse the forged answers and still find what honest nodes published',
    { timeout: TIMEOUT },
    () => {
      const seed = simSeed(7);
      const r = runDhtSim({
        nodes: NODES,
        seed,
        churnFraction: 0,
        forgingRelays: FORGERS,
        ...COLLUSION_SCENARIO,
      });
      const calm = r.phases[0];
      expect(calm, `seed=${seed}`).toBeDefined();
      if (calm === undefined) return;
      console.log(
        `dht-forging-relays N=${NODES} seed=${seed} (replay: SIM_SEED=${seed}): ${r.forgers} forging relays, ` +
          `${r.forgedAnswers} answers forged, ${r.answersRefused} refused; ` +
          `get ${calm.get.success}/${calm.get.done + calm.get.unfinished}, ` +
          `get_peers ${calm.getPeers.success}/${calm.getPeers.done + calm.getPeers.unfinished}, ` +
          `k-overlap ${(calm.findNode.meanOverlap * 100).toFixed(1)} %`,
      );
      expect(r.problems, `seed=${seed}`).toEqual([]);
      expect(r.forgers, `seed=${seed}`).toBe(NODES * FORGERS);
      expect(r.forgedAnswers, `seed=${seed}: the relays forged`).toBeGreaterThan(0);
      expect(calm.get.done, `seed=${seed}`).toBeGreaterThan(150);
      expect(successRate(calm.get), `seed=${seed}: honest get success`).toBeGreaterThanOrEqual(MIN_SUCCESS);
      expect(successRate(calm.getPeers), `seed=${seed}: honest get_peers success`).toBeGreaterThanOrEqual(
        MIN_SUCCESS,
      );
      expect(calm.findNode.meanOverlap, `seed=${seed}: find_node k-overlap`).toBeGreaterThanOrEqual(
        MIN_OVERLAP,
      );
    },
  );
});
