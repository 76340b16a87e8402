import { performance } from 'node:perf_hooks';
import type fc from 'fast-check';
import { properties } from './properties.js';
import { describeFailure } from './registry.js';
import type { FuzzProperty } from './registry.js';
import { DEFAULT_SECONDS, fuzzSettings } from './settings.js';
import type { FuzzSettings } from './settings.js';

interface Row {
  p: FuzzProperty;
  cases: number;
  seconds: number;
  failure?: fc.RunDetails<unknown>;
}

/** Properties FUZZ_ONLY selects: exact names if any match, else names containing an entry. */
export function select(all: readonly FuzzProperty[], only: readonly string[] | undefined): FuzzProperty[] {
  if (!only) return [...all];
  const exact = all.filter((p) => only.includes(p.name));
  return exact.length > 0 ? exact : all.filter((p) => only.some((o) => p.name.includes(o)));
}

/** Runs one property by FUZZ_RUNS (one call), FUZZ_PATH (one case) or a time budget (batches). */
function runOne(p: FuzzProperty, settings: FuzzSettings, baseSeed: number): Row {
  const start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  if (settings.path !== undefined || settings.runs !== undefined) {
    const params: fc.Parameters<unknown> = { seed: baseSeed, numRuns: settings.runs ?? 1 };
    if (settings.path !== undefined) params.path = settings.path;
    const details = p.check(params);
    const row: Row = { p, cases: details.numRuns, seconds: elapsed() };
    if (details.failed) row.failure = details;
    return row;
  }
  const budget = settings.seconds ?? DEFAULT_SECONDS;
  // One CI-size batch per fast-check call, each with the next seed, until the budget is spent.
  const batch = p.ciRuns;
  let cases = 0;
  for (let i = 0; elapsed() < budget; i++) {
    const details = p.check({ seed: (baseSeed + i) | 0, numRuns: batch });
    cases += details.numRuns;
    if (details.failed) return { p, cases, seconds: elapsed(), failure: details };
  }
  return { p, cases, seconds: elapsed() };
}

function table(rows: readonly Row[]): string {
  const head = ['property', 'cases', 'seconds', 'cases/s', 'result'];
  const body = rows.map((r) => [
    r.p.name,
    String(r.cases),
    r.seconds.toFixed(1),
    String(Math.round(r.cases / Math.max(r.seconds, 1e-3))),
    r.failure ? `FAILED (seed ${r.failure.seed})` : 'ok',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i === 0 || i === 4 ? ':' : '-') + '-'.repeat(w) + (i === 0 || i === 4 ? '-' : ':')).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/** `npm run fuzz`: runs the selected properties long, prints a table and every failure; exit code 1 on failure. */
export function main(env: Record<string, string | undefined>, log: (line: string) => void): number {
  const settings = fuzzSettings(env);
  const chosen = select(properties, settings.only);
  if (chosen.length === 0) {
    log(
      `FUZZ_ONLY=${settings.only?.join(',')} matches no property; names:\n${properties.map((p) => `  ${p.name}`).join('\n')}`,
    );
    return 1;
  }
  const seed = settings.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  const mode =
    settings.path !== undefined
      ? `replaying path ${settings.path}`
      : settings.runs !== undefined
        ? `${settings.runs} cases per property`
        : `${settings.seconds ?? DEFAULT_SECONDS} s per property`;
  log(`fuzz: ${chosen.length} properties, ${mode}, seed ${seed} (FUZZ_SEED=${seed} replays the run)`);
  const rows: Row[] = [];
  for (const p of chosen) {
    const row = runOne(p, settings, seed);
    rows.push(row);
    log(`  ${p.name}: ${row.cases} cases in ${row.seconds.toFixed(1)} s${row.failure ? ' FAILED' : ''}`);
  }
  log('');
  log(table(rows));
  const failed = rows.filter((r) => r.failure);
  for (const r of failed) log(`\n${describeFailure(r.p, r.failure as fc.RunDetails<unknown>)}`);
  return failed.length > 0 ? 1 : 0;
}
