/** Seed for a randomized test: TEST_SEED from the environment, else `fallback`; printed so a failure can be replayed. */
export function testSeed(name: string, fallback: number): number {
  const fromEnv = Number(process.env['TEST_SEED']);
  const seed = Number.isFinite(fromEnv) && process.env['TEST_SEED'] ? fromEnv : fallback;
  console.log(`[${name}] seed=${seed} (rerun with TEST_SEED=${seed})`);
  return seed;
}
