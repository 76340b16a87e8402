import { seededRandom } from '../shared/random.js';
import { runKeywordFlood, runKeywordSuperPeer } from './baselines/keyword-baselines.js';
import { runSearchSim, type SearchSimResult } from './search-sim.js';
import { randomQuery } from './search-workload.js';
import { fmt, pct, table } from './stats.js';

/** Files, publishers and queries per phase of the search workload (the issue's). */
export const SEARCH_WORKLOAD = { files: 500, publishers: 200, queries: 200 } as const;

/**
 * `npm run sim -- --only search`: the search workload at each size (20 joins/s, 2 min settle,
 * 3-minute phases calm then 20 % churn), and on the same files and queries Gnutella flooding and
 * a super-peer index (calm), messages per query side by side.
 */
export function runSearchReport(sizes: readonly number[], seed: number, log: (line: string) => void): void {
  const rows: string[][] = [];
  const baseRows: string[][] = [];
  for (const nodes of sizes) {
    const started = Date.now();
    const r: SearchSimResult = runSearchSim({
      nodes,
      seed,
      churnFraction: 0.2,
      joinRatePerSec: 20,
      warmupMs: 2 * 60_000,
      phaseMs: 3 * 60_000,
      ...SEARCH_WORKLOAD,
      progress: log,
    });
    log(`search N=${nodes}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const p of r.phases) {
      rows.push([
        `${nodes}`,
        p.phase,
        `${p.done}/${p.queries}`,
        pct(p.recall),
        `${p.complete}`,
        fmt(p.rpcs, 1),
        fmt(p.messages, 0),
        `${fmt(p.firstP50, 0)} / ${fmt(p.firstP95, 0)}`,
        `${fmt(p.doneP50, 0)} / ${fmt(p.doneP95, 0)}`,
      ]);
    }
    // The same files and the same kind of queries on the unstructured baselines.
    const random = seededRandom(seed);
    const queries = Array.from({ length: SEARCH_WORKLOAD.queries }, () =>
      randomQuery(random, r.workload.files),
    );
    const o = { nodes, seed, files: r.workload.files, publishers: SEARCH_WORKLOAD.publishers, queries };
    const dhtCalm = r.phases[0];
    baseRows.push([
      `${nodes}`,
      'Kademlia keyword records',
      pct(dhtCalm?.recall ?? NaN),
      fmt(dhtCalm?.messages ?? NaN, 0),
    ]);
    for (const b of [runKeywordFlood(o, 4), runKeywordFlood(o, 7), runKeywordSuperPeer(o)])
      baseRows.push([`${nodes}`, b.overlay, pct(b.recall), fmt(b.messagesPerQuery, 0)]);
  }
  console.log(
    `\nSearch: ${SEARCH_WORKLOAD.files} files listed by ${SEARCH_WORKLOAD.publishers} nodes, ${SEARCH_WORKLOAD.queries} queries of 1-3 words per phase (seed ${seed})`,
  );
  console.log(
    table(
      [
        'N',
        'phase',
        'done',
        'recall',
        'complete',
        'RPCs',
        'msgs/query',
        'first ms p50 / p95',
        'done ms p50 / p95',
      ],
      rows,
    ),
  );
  console.log(
    '  recall: matching files found / matching files (at most 100 per query); complete: queries that found all;\n' +
      '  msgs/query: kw_get RPCs x frames per RPC (relay hops included); the get_peers that rank results are not counted.',
  );
  console.log('\nSearch messages per query, same files and queries (calm)');
  console.log(table(['N', 'overlay', 'recall', 'msgs/query'], baseRows));
}
