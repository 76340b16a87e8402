import { toHex } from '../shared/bytes.js';
import { encodeKeywordRecord } from '../shared/search/keyword-record.js';
import { lookupWord } from '../shared/search/keywords.js';
import { MAX_SEARCH_RESULTS } from '../shared/search/search-results.js';
import type { DhtHost } from './dht-host.js';
import { runDhtSim, type DhtSimOptions, type DhtSimResult } from './dht-sim.js';
import { percentile } from './stats.js';
import { randomQuery, workloadFiles, type WorkloadFile, type WorkloadQuery } from './search-workload.js';

/** The search workload on top of a DHT scenario. */
export interface SearchSimOptions extends Omit<DhtSimOptions, 'extend' | 'findNodes' | 'gets' | 'getPeers'> {
  /** Files published, by how many nodes (default 500 by 200). */
  files?: number;
  publishers?: number;
  /** Queries per phase (default 200). */
  queries?: number;
}

/** How the searches of one phase went. */
export interface SearchPhase {
  phase: 'calm' | 'churn';
  queries: number;
  /** Queries whose lookup finished (the others ran past the phase or lost their node). */
  done: number;
  /** Matching files found over matching files that could be found (capped at the result limit), summed over queries. */
  recall: number;
  /** Queries that found every matching file (to the result limit). */
  complete: number;
  /** Mean RPCs (kw_get queries) per search. */
  rpcs: number;
  /** Search time: to the first record, and to the end of the lookup (p50, p95, ms). */
  firstP50: number;
  firstP95: number;
  doneP50: number;
  doneP95: number;
  /** Mean point-to-point messages per search: RPCs x frames per RPC of the phase (relays included). */
  messages: number;
}

export interface SearchSimResult {
  seed: number;
  nodes: number;
  files: number;
  publishers: number;
  /** Keyword stores issued and those that stored at nobody. */
  stores: number;
  storedNowhere: number;
  phases: SearchPhase[];
  dht: DhtSimResult;
  workload: { files: WorkloadFile[] };
}

/** Publishing is spread over this long before measuring starts. */
export const PUBLISH_SPREAD_MS = 45_000;

interface Pending {
  phase: number;
  startedAt: number;
  firstAt?: number;
  query: WorkloadQuery;
  found: Set<string>;
}

/**
 * Runs a DHT scenario in which `publishers` nodes list `files` files with realistic titles in
 * search before measuring, then each phase asks `queries` queries of 1-3 words from random nodes
 * (the shared/search policy: the longest word is looked up, the others filter) and compares what
 * came back with every published file matching all the words.
 */
export function runSearchSim(options: SearchSimOptions): SearchSimResult {
  const fileCount = options.files ?? 500;
  const publisherCount = options.publishers ?? 200;
  const queryCount = options.queries ?? 200;
  let files: WorkloadFile[] = [];
  const infoHashes: string[] = [];
  let stores = 0;
  let storedNowhere = 0;
  const storeIds = new Set<string>();
  const pending = new Map<string, Pending>();
  const acc = [0, 1].map(() => ({
    queries: 0,
    done: 0,
    found: 0,
    wanted: 0,
    complete: 0,
    rpcs: 0,
    first: [] as number[],
    total: [] as number[],
  }));

  const dht = runDhtSim({
    ...options,
    findNodes: 0,
    gets: 0,
    getPeers: 0,
    extend: (sim) => {
      files = workloadFiles(sim.random, fileCount, publisherCount);
      const publishers: DhtHost[] = [];
      sim.clock.at(sim.measureStart - 60_000, () => {
        while (publishers.length < publisherCount) {
          const h = sim.randomHost();
          if (h && !publishers.includes(h)) publishers.push(h);
        }
        // Spread over 45 s, as tabs share files at different times (all at once, the signing
        // budget of the nodes storing them runs out: error 202 and fewer copies).
        files.forEach((f, i) => {
          const host = publishers[f.publisher] as DhtHost;
          const infoHash = sim.random.bytes(20);
          infoHashes.push(toHex(infoHash));
          const fields = { infoHash, title: f.title, size: f.size, files: 1, keywords: f.keywords };
          const rec = encodeKeywordRecord(fields, host.key.signer);
          sim.clock.at(sim.clock.now + (i * PUBLISH_SPREAD_MS) / files.length, () =>
            host.apply((now) => {
              for (const q of host.node.publish(rec, now)) storeIds.add(`${host.id}:${q}`);
            }),
          );
        });
      });
      sim.listen((host, event) => {
        const key = `${host.id}:${'queryId' in event ? event.queryId : ''}`;
        if (event.type === 'lookup-done' && storeIds.delete(key)) {
          stores++;
          if ((event.stored ?? 0) === 0) storedNowhere++;
          return;
        }
        const p = pending.get(key);
        if (!p) return;
        if (event.type === 'search-records') {
          p.firstAt ??= sim.clock.now;
          for (const r of event.records) p.found.add(r.infoHashHex);
        } else if (event.type === 'lookup-done') {
          pending.delete(key);
          const a = acc[p.phase] as (typeof acc)[number];
          a.done++;
          a.rpcs += event.rpcs;
          a.total.push(event.durationMs);
          a.first.push((p.firstAt ?? sim.clock.now) - p.startedAt);
          const wanted = Math.min(p.query.matches.length, MAX_SEARCH_RESULTS);
          const hit = p.query.matches.filter((i) => p.found.has(infoHashes[i] as string)).length;
          a.found += Math.min(hit, wanted);
          a.wanted += wanted;
          if (hit >= wanted) a.complete++;
        }
      });
      for (let phase = 0; phase < sim.phaseCount; phase++) {
        const start = sim.phaseStart(phase);
        for (let i = 0; i < queryCount; i++) {
          sim.clock.at(start + sim.random.next() * sim.phaseMs * 0.9, () => {
            const host = sim.randomHost();
            if (!host) return;
            const query = randomQuery(sim.random, files);
            const word = lookupWord(query.words) as string;
            const filters = query.words.filter((w) => w !== word);
            (acc[phase] as (typeof acc)[number]).queries++;
            host.apply((now) => {
              const id = host.node.search(word, filters, now);
              pending.set(`${host.id}:${id}`, { phase, startedAt: now, query, found: new Set() });
            });
          });
        }
      }
    },
  });

  return {
    seed: dht.seed,
    nodes: options.nodes,
    files: fileCount,
    publishers: publisherCount,
    stores,
    storedNowhere,
    phases: dht.phases.map((p, i) => {
      const a = acc[i] as (typeof acc)[number];
      const rpcs = a.rpcs / Math.max(1, a.done);
      return {
        phase: p.phase,
        queries: a.queries,
        done: a.done,
        recall: a.found / Math.max(1, a.wanted),
        complete: a.complete,
        rpcs,
        firstP50: percentile(a.first, 50),
        firstP95: percentile(a.first, 95),
        doneP50: percentile(a.total, 50),
        doneP95: percentile(a.total, 95),
        messages: rpcs * p.framesPerRpc,
      };
    }),
    dht,
    workload: { files },
  };
}
