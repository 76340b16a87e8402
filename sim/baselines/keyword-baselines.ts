import { seededRandom } from '../../shared/random.js';
import { MAX_SEARCH_RESULTS } from '../../shared/search/search-results.js';
import type { WorkloadFile, WorkloadQuery } from '../search-workload.js';
import { RandomGraph } from './gnutella.js';

/** One unstructured search method on the search workload: recall and messages per query. */
export interface KeywordBaselineResult {
  overlay: string;
  nodes: number;
  queries: number;
  /** Matching files found over matching files (capped at the result limit), summed over queries. */
  recall: number;
  messagesPerQuery: number;
}

export interface KeywordBaselineOptions {
  nodes: number;
  seed: number;
  files: readonly WorkloadFile[];
  /** Publishers in the workload; publisher p is node p of the overlay. */
  publishers: number;
  queries: readonly WorkloadQuery[];
}

/** Counts what a query found among its matches, given which files were reached. */
function score(query: WorkloadQuery, reached: (file: number) => boolean): [found: number, wanted: number] {
  const wanted = Math.min(query.matches.length, MAX_SEARCH_RESULTS);
  return [Math.min(wanted, query.matches.filter(reached).length), wanted];
}

/**
 * Gnutella flooding (TTL `ttl`) of keyword queries on a random graph of degree ~8: every node
 * matches the query against the files it shares; every forward counts one message, duplicates
 * included, and each node with a hit sends one back along the path (its depth in messages).
 */
export function runKeywordFlood(o: KeywordBaselineOptions, ttl: number): KeywordBaselineResult {
  const random = seededRandom(o.seed);
  const g = new RandomGraph(random);
  for (let i = 0; i < o.nodes; i++) g.addNode(4);
  const held: number[][] = Array.from({ length: o.nodes }, () => []);
  o.files.forEach((f, i) => held[f.publisher]?.push(i));
  g.messages = 0;
  let found = 0;
  let wanted = 0;
  for (const q of o.queries) {
    const matches = new Set(q.matches);
    const hitFiles = new Set<number>();
    const src = random.int(o.nodes);
    g.floodFrom(src, ttl, (v, depth) => {
      const hits = (held[v] ?? []).filter((f) => matches.has(f));
      if (hits.length > 0) g.messages += depth;
      for (const f of hits) hitFiles.add(f);
    });
    for (const f of held[src] ?? []) if (matches.has(f)) hitFiles.add(f);
    const [a, b] = score(q, (f) => hitFiles.has(f));
    found += a;
    wanted += b;
  }
  return {
    overlay: `Gnutella flood TTL ${ttl}`,
    nodes: o.nodes,
    queries: o.queries.length,
    recall: found / Math.max(1, wanted),
    messagesPerQuery: g.messages / o.queries.length,
  };
}

/**
 * A super-peer index (1 super-peer per `perSuper` leaves, KaZaA style): leaves register the
 * titles they share with a random super-peer; a query goes to the asker's super-peer and floods
 * among super-peers with `ttl`; each super-peer with hits answers along the path.
 */
export function runKeywordSuperPeer(
  o: KeywordBaselineOptions,
  perSuper = 30,
  ttl = 3,
): KeywordBaselineResult {
  const random = seededRandom(o.seed);
  const supers = Math.max(1, Math.round(o.nodes / (perSuper + 1)));
  const g = new RandomGraph(random);
  for (let s = 0; s < supers; s++) g.addNode(Math.min(4, s));
  const index: number[][] = Array.from({ length: supers }, () => []);
  const superOf = Array.from({ length: o.nodes }, () => random.int(supers));
  o.files.forEach((f, i) => index[superOf[f.publisher] as number]?.push(i));
  g.messages = 0;
  let found = 0;
  let wanted = 0;
  for (const q of o.queries) {
    const matches = new Set(q.matches);
    const hitFiles = new Set<number>();
    const first = superOf[random.int(o.nodes)] as number;
    g.messages += 2; // the query to the leaf's super-peer and its answer
    const take = (s: number, depth: number): void => {
      const hits = (index[s] ?? []).filter((f) => matches.has(f));
      if (hits.length > 0) g.messages += depth;
      for (const f of hits) hitFiles.add(f);
    };
    take(first, 0);
    g.floodFrom(first, ttl, take);
    const [a, b] = score(q, (f) => hitFiles.has(f));
    found += a;
    wanted += b;
  }
  return {
    overlay: `Super-peer index (1:${perSuper}, TTL ${ttl})`,
    nodes: o.nodes,
    queries: o.queries.length,
    recall: found / Math.max(1, wanted),
    messagesPerQuery: g.messages / o.queries.length,
  };
}
