import { describe, it } from 'vitest';
import { properties } from './properties.js';
import { ciSeed, describeFailure } from './registry.js';
import { fuzzSettings } from './settings.js';

/**
 * The fuzz properties at CI size: each at its small `ciRuns` with a fixed seed per name, so CI
 * sees the same cases every time. FUZZ_RUNS, FUZZ_SEED and FUZZ_PATH apply here too;
 * `npm run fuzz` runs the same properties long.
 */
const settings = fuzzSettings(process.env);

describe('fuzz properties', () => {
  for (const p of properties) {
    it(`${p.name}: ${p.claim}`, () => {
      const seed = settings.seed ?? ciSeed(p.name);
      const params = settings.path === undefined ? { seed } : { seed, path: settings.path };
      const details = p.check({ ...params, numRuns: settings.runs ?? p.ciRuns });
      if (details.failed) throw new Error(describeFailure(p, details));
    });
  }
});
