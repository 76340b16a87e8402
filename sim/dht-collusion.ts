import { runDhtSim, successRate, type DhtSimResult } from './dht-sim.js';
import { fmt, pct, table } from './stats.js';

/** The colluder scenario: one calm phase after the network settled (no churn). */
export const COLLUSION_SCENARIO = {
  joinRatePerSec: 20,
  warmupMs: 5 * 60_000,
  phaseMs: 5 * 60_000,
  findNodes: 100,
  gets: 200,
  getPeers: 100,
} as const;

/**
 * Who attacks: colluding nodes (sim/dht-colluders.ts), or relays that forge answers for what they
 * relay (sim/dht-forging-relays.ts).
 */
export type Attack = 'colluders' | 'forgers';

/** One row of the colluder table. */
export interface CollusionRow {
  attack: Attack;
  paths: number;
  fraction: number;
  result: DhtSimResult;
}

/**
 * Runs the colluder scenario for every size, lookup path count and attacker fraction: what
 * honest nodes find when a share of the network answers lookups with each other and drops stores
 * (sim/dht-colluders.ts), or, with `attack` 'forgers', forges answers for what it relays.
 */
export function runCollusion(
  sizes: readonly number[],
  fractions: readonly number[],
  paths: readonly number[],
  seed: number,
  log: (line: string) => void,
  attack: Attack = 'colluders',
): CollusionRow[] {
  const rows: CollusionRow[] = [];
  for (const nodes of sizes)
    for (const p of paths)
      for (const fraction of fractions) {
        const started = Date.now();
        const result = runDhtSim({
          nodes,
          seed,
          churnFraction: 0,
          [attack === 'colluders' ? 'colluders' : 'forgingRelays']: fraction,
          dht: { lookupPaths: p },
          ...COLLUSION_SCENARIO,
        });
        log(
          `${attack} N=${nodes} paths=${p} ${pct(fraction, 0)}: ${((Date.now() - started) / 1000).toFixed(0)} s`,
        );
        rows.push({ attack, paths: p, fraction, result });
      }
  return rows;
}

/** Prints the colluder table. */
export function printCollusion(rows: readonly CollusionRow[]): void {
  const forgers = rows[0]?.attack === 'forgers';
  console.log(
    forgers
      ? '\nHonest lookups against forging relays (they answer what they relay with made-up ids; calm network)'
      : '\nHonest lookups against colluders (they answer with each other, drop stores; calm network)',
  );
  console.log(
    table(
      [
        'N',
        'lookup paths',
        forgers ? 'forging relays' : 'colluders',
        'get found',
        'get_peers found',
        'closest found',
        'k-overlap',
        'stored at (put)',
        'RPCs/lookup',
        'ms/lookup',
        ...(forgers ? ['answers forged', 'answers refused'] : []),
      ],
      rows.map(({ paths, fraction, result }) => {
        const calm = result.phases[0];
        return [
          String(result.nodes),
          String(paths),
          `${pct(fraction, 0)} (${forgers ? result.forgers : result.colluders})`,
          calm ? pct(successRate(calm.get)) : '-',
          calm ? pct(successRate(calm.getPeers)) : '-',
          calm ? pct(calm.findNode.closestFound) : '-',
          calm ? pct(calm.findNode.meanOverlap) : '-',
          fmt(result.publish.putStoredMean, 1),
          calm ? fmt(calm.findNode.rpcs, 1) : '-',
          calm ? fmt(calm.findNode.durationMs, 0) : '-',
          ...(forgers ? [String(result.forgedAnswers), String(result.answersRefused)] : []),
        ];
      }),
    ),
  );
  console.log(
    '  get / get_peers found: the value / a live announcer, asked by a node that does not collude, of what such nodes published;\n' +
      '  closest found / k-overlap: find_node against the true closest live nodes (colluders included: they are real nodes).',
  );
}
