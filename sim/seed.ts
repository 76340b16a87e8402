/**
 * Seeds for simulation runs. `SIM_SEED=<n>` replays a run; `SIM_SEED=random` draws a fresh seed;
 * otherwise a caller's fixed default is used so test runs are repeatable.
 */
export function simSeed(fallback: number): number {
  const raw = process.env.SIM_SEED;
  if (raw === undefined || raw === '') return fallback >>> 0;
  if (raw === 'random') return freshSeed();
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`SIM_SEED must be an integer or "random", got ${raw}`);
  return n >>> 0;
}

/** A seed from the operating system's randomness (only the simulator's entry points use it). */
export function freshSeed(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0] as number;
}
