/**
 * The fuzz suite's knobs, read from the environment. CI sets none of them and runs every
 * property at its small `ciRuns`; `npm run fuzz` runs the same properties long.
 *
 * - `FUZZ_RUNS`: cases per property (overrides the CI size and the time budget).
 * - `FUZZ_SECONDS`: time budget per property for `npm run fuzz` (default {@link DEFAULT_SECONDS}).
 * - `FUZZ_SEED`: seed of the run; with `FUZZ_PATH`, replays one failing case.
 * - `FUZZ_ONLY`: comma-separated substrings; only properties whose name contains one run.
 */
export interface FuzzSettings {
  runs?: number;
  seconds?: number;
  seed?: number;
  path?: string;
  only?: string[];
}

/** Seconds per property of `npm run fuzz` when neither FUZZ_RUNS nor FUZZ_SECONDS is set. */
export const DEFAULT_SECONDS = 10;

type Env = Record<string, string | undefined>;

function positive(env: Env, name: string, integer: boolean): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value)))
    throw new Error(`${name}=${raw}: expected a positive ${integer ? 'integer' : 'number'}`);
  return value;
}

/** Reads the knobs; throws naming the variable if one is malformed. */
export function fuzzSettings(env: Env): FuzzSettings {
  const settings: FuzzSettings = {};
  const runs = positive(env, 'FUZZ_RUNS', true);
  if (runs !== undefined) settings.runs = runs;
  const seconds = positive(env, 'FUZZ_SECONDS', false);
  if (seconds !== undefined) settings.seconds = seconds;
  const seed = env['FUZZ_SEED'];
  if (seed !== undefined && seed !== '') {
    const value = Number(seed);
    if (!Number.isSafeInteger(value)) throw new Error(`FUZZ_SEED=${seed}: expected an integer`);
    settings.seed = value | 0;
  }
  const path = env['FUZZ_PATH'];
  if (path !== undefined && path !== '') {
    if (!/^\d+(:\d+)*$/.test(path))
      throw new Error(`FUZZ_PATH=${path}: expected a fast-check path like 12:0:3`);
    if (settings.seed === undefined) throw new Error('FUZZ_PATH needs the FUZZ_SEED it was printed with');
    settings.path = path;
  }
  const only = env['FUZZ_ONLY'];
  if (only !== undefined && only !== '')
    settings.only = only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return settings;
}
