import fc from 'fast-check';

/** One property of the suite: the same definition runs small in CI and long under `npm run fuzz`. */
export interface FuzzProperty {
  /** Stable name; FUZZ_ONLY matches it. */
  name: string;
  /** Module and function under test. */
  target: string;
  /** What must hold, in a few words (the docs table). */
  claim: string;
  /** Cases in CI: small, so the whole suite stays fast. */
  ciRuns: number;
  /** Runs the property with fast-check parameters. */
  check(params: fc.Parameters<unknown>): fc.RunDetails<unknown>;
}

/** Declares a property; `build` is called for every check, so state never leaks between runs. */
export function defineProperty<Ts>(
  spec: Omit<FuzzProperty, 'check'>,
  build: () => fc.IRawProperty<Ts>,
): FuzzProperty {
  return {
    ...spec,
    check: (params) => fc.check(build(), params as fc.Parameters<Ts>) as unknown as fc.RunDetails<unknown>,
  };
}

/** The CI seed of a property: fixed per name (FNV-1a), so CI explores the same cases every time. */
export function ciSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

const MAX_SHOWN = 2000;

/** A failure as people read it: the error, the shrunk counterexample and how to replay it. */
export function describeFailure(p: FuzzProperty, details: fc.RunDetails<unknown>): string {
  const error = details.errorInstance;
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  let example = fc.stringify(details.counterexample);
  if (example.length > MAX_SHOWN) example = `${example.slice(0, MAX_SHOWN)}... (${example.length} chars)`;
  return [
    `property "${p.name}" (${p.target}) failed after ${details.numRuns} cases, ${details.numShrinks} shrinks`,
    `seed ${details.seed}, path ${details.counterexamplePath ?? '?'}`,
    `replay: FUZZ_ONLY=${p.name} FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} npm run fuzz`,
    `counterexample: ${example}`,
    `error: ${message}`,
  ].join('\n');
}
