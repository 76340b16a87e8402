import { describe, expect, it } from 'vitest';
import { runSearchSim } from '../../sim/search-sim.js';
import { simSeed } from '../../sim/seed.js';

/**
 * The search workload at CI size (the N = 1,000 run, 500 files by 200 nodes and 200 queries per
 * phase, is `npm run sim -- --only search`): N = 100 tabs, 60 files listed by 30 of them with
 * realistic titles, 40 queries of 1-3 words per phase, calm and then with 20 % of the nodes
 * replaced.
 */
describe('search simulation, N = 100', () => {
  it('finds >= 99 % of matching files calm and >= 97 % under 20 % churn', { timeout: 300_000 }, () => {
    const seed = simSeed(1313);
    console.log(`search-sim N=100 seed=${seed} (replay: SIM_SEED=${seed})`);
    const r = runSearchSim({
      nodes: 100,
      seed,
      churnFraction: 0.2,
      joinRatePerSec: 20,
      warmupMs: 60_000,
      phaseMs: 60_000,
      files: 60,
      publishers: 30,
      queries: 40,
    });
    const [calm, churn] = r.phases;
    console.log(
      `search-sim seed=${seed}: stores ${r.stores} (${r.storedNowhere} nowhere); ` +
        r.phases
          .map(
            (p) =>
              `${p.phase} recall ${p.recall.toFixed(3)} of ${p.done}/${p.queries}, ${p.messages.toFixed(0)} msgs`,
          )
          .join('; '),
    );
    expect(r.storedNowhere).toBe(0);
    expect(calm?.done).toBe(calm?.queries);
    expect(calm?.recall).toBeGreaterThanOrEqual(0.99);
    expect(churn?.recall).toBeGreaterThanOrEqual(0.97);
    expect(churn?.done).toBeGreaterThanOrEqual((churn?.queries ?? 0) * 0.9);
  });
});
