import type { Random } from '../shared/random.js';

/** A source of non-negative samples (latencies in ms, upload rates in bytes/s...). */
export type Distribution = (random: Random) => number;

/** Always `value`. */
export function constant(value: number): Distribution {
  return () => value;
}

/** Uniform on [min, max). */
export function uniform(min: number, max: number): Distribution {
  return (random) => min + (max - min) * random.next();
}

/** Standard normal by Box–Muller (one draw per call keeps the stream simple to replay). */
function normal(random: Random): number {
  const u = Math.max(random.next(), 1e-12);
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Log-normal with the given median and spread (sigma of the underlying normal). Wide-area
 * latencies are roughly log-normal: most paths near the median, a long tail.
 */
export function logNormal(median: number, sigma: number): Distribution {
  return (random) => median * Math.exp(sigma * normal(random));
}

/** Exponential with the given mean (inter-arrival times of a Poisson process). */
export function exponential(mean: number): Distribution {
  return (random) => -mean * Math.log(1 - random.next());
}

/** Picks one of `values` with the given weights. */
export function weighted(choices: readonly { weight: number; value: number }[]): Distribution {
  const total = choices.reduce((s, c) => s + c.weight, 0);
  return (random) => {
    let x = random.next() * total;
    for (const c of choices) {
      x -= c.weight;
      if (x < 0) return c.value;
    }
    return (choices[choices.length - 1] as { value: number }).value;
  };
}

/** Clamps another distribution to [min, max]. */
export function clamped(inner: Distribution, min: number, max: number): Distribution {
  return (random) => Math.min(max, Math.max(min, inner(random)));
}
