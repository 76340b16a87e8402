import { describe, expect, it } from 'vitest';
import { runDhtSim, successRate, type DhtSimResult } from '../../sim/dht-sim.js';
import { DEFAULT_MAX_CONNECTIONS } from '../../shared/dht/link-manager.js';
import { simSeed } from '../../sim/seed.js';

/** Building 1,000 nodes takes ~20 s of CPU (more on a loaded machine); the first test to run pays for it. */
const TIMEOUT = 300_000;

/**
 * N = 1,000 tabs join through the server, settle, publish values and announcements, then look
 * them up: first with no churn, then while 20 % of the nodes leave and as many join. One network
 * serves both phases (building it is most of the cost).
 */
describe('DHT simulation, N = 1,000', () => {
  const seed = simSeed(1000);
  let result: DhtSimResult | undefined;
  const run = (): DhtSimResult => {
    if (result === undefined) {
      console.log(`dht-sim N=1000 seed=${seed} (replay: SIM_SEED=${seed})`);
      result = runDhtSim({
        nodes: 1000,
        seed,
        churnFraction: 0.2,
        joinRatePerSec: 20,
        warmupMs: 5 * 60_000,
        phaseMs: 4 * 60_000,
        findNodes: 100,
        gets: 200,
        getPeers: 50,
      });
      const [calm, churn] = result.phases;
      console.log(
        `dht-sim seed=${seed}: calm find exact ${calm?.findNode.success}/${calm?.findNode.done}, get ${calm?.get.success}/${calm?.get.done}; ` +
          `churn get ${churn?.get.success}/${(churn?.get.done ?? 0) + (churn?.get.unfinished ?? 0)}, left ${churn?.left}, joined ${churn?.joined}; ` +
          `${result.events} events`,
      );
    }
    return result;
  };

  it(
    'with no churn, every get and get_peers finds the value, and find_node the closest nodes',
    { timeout: TIMEOUT },
    () => {
      const r = run();
      const calm = r.phases[0];
      expect(calm, `seed=${seed}`).toBeDefined();
      if (calm === undefined) return;
      expect(r.problems, `seed=${seed}`).toEqual([]);
      expect(
        r.publish.putsStoredNowhere + r.publish.announcesStoredNowhere,
        `seed=${seed}: publications stored nowhere`,
      ).toBe(0);
      expect(calm.get.done, `seed=${seed}`).toBeGreaterThan(150);
      expect(successRate(calm.get), `seed=${seed}: get success`).toBe(1);
      expect(successRate(calm.getPeers), `seed=${seed}: get_peers success`).toBe(1);
      expect(calm.findNode.done, `seed=${seed}`).toBeGreaterThan(80);
      // find_node's answer is measured against the true k closest live nodes, by brute force.
      expect(calm.findNode.closestFound, `seed=${seed}: find_node found the closest node`).toBe(1);
      expect(successRate(calm.findNode), `seed=${seed}: find_node returned the true k closest`).toBe(1);
    },
  );

  it('>= 99 % of gets find a live value while 20 % of nodes leave and join', { timeout: TIMEOUT }, () => {
    const r = run();
    const churn = r.phases[1];
    expect(churn, `seed=${seed}`).toBeDefined();
    if (churn === undefined) return;
    expect(churn.left, `seed=${seed}`).toBe(200);
    expect(churn.joined, `seed=${seed}`).toBe(200);
    expect(churn.get.done + churn.get.unfinished, `seed=${seed}`).toBeGreaterThan(150);
    expect(successRate(churn.get), `seed=${seed}: get success under churn`).toBeGreaterThanOrEqual(0.99);
    expect(successRate(churn.getPeers), `seed=${seed}: get_peers success under churn`).toBeGreaterThanOrEqual(
      0.99,
    );
  });

  it('stays within the browser connection budget', { timeout: TIMEOUT }, () => {
    const r = run();
    for (const p of r.phases) {
      expect(p.liveMax, `seed=${seed}: live links in the ${p.phase} phase`).toBeLessThanOrEqual(
        DEFAULT_MAX_CONNECTIONS,
      );
    }
    expect(r.lifetimeMax, `seed=${seed}: connections opened by one tab`).toBeLessThan(500);
    // An attempt refused at the cap is a wasted setup (the responder admitted more offers than it had
    // room for, or closed the link it made room with too late). Admitted offers hold a slot, and the
    // host re-arms its timer after admit(), so none is.
    expect(
      r.networkRefused,
      `seed=${seed}: ${r.networkRefused} of ${r.connectionsOpened} attempts refused at the live cap`,
    ).toBe(0);
  });
});
