import type { KeywordRecord, RecordVerifier } from './keyword-record.js';
import { decodeKeywordRecord, recordMatches, verifyKeywordRecord } from './keyword-record.js';
import { normalizeWords } from './keywords.js';

/** Results a query keeps, at most. */
export const MAX_SEARCH_RESULTS = 100;
/** Records one node may return for one query (what a query asks for): more is junk. */
export const MAX_RECORDS_IN_ANSWER = 100;
/** Results whose peers are counted (a get_peers each), at most, and how many at once. */
export const MAX_PEER_COUNTS = 20;
export const PEER_COUNTS_IN_PARALLEL = 5;

/** One file found: the best record for it and how well it fits. */
export interface SearchResult {
  readonly infoHash: string;
  readonly title: string;
  readonly size: number;
  readonly files: number;
  /** Distinct publishers that listed it. */
  readonly publishers: number;
  /** Peers a get_peers found, once counted. */
  readonly peers?: number;
  /** 0..1: how much of the title the query words cover (see {@link matchQuality}). */
  readonly match: number;
}

/**
 * How well a title fits the query: the share of query words among the title's words, plus a
 * little for a title with few other words (an exact title ranks above a long one that merely
 * contains the words), in 0..1.
 */
export function matchQuality(queryWords: readonly string[], title: string): number {
  const words = normalizeWords(title);
  if (queryWords.length === 0 || words.length === 0) return 0;
  const hits = queryWords.filter((w) => words.includes(w)).length;
  return 0.8 * (hits / queryWords.length) + 0.2 * (hits / words.length);
}

/** Why a node's answer is junk for this query, or its records. */
export type AnswerCheck = { ok: true; records: KeywordRecord[] } | { ok: false; reason: string };

/**
 * Checks one node's answer to a keyword query: at most `asked` records, each decoding within its
 * caps, signed by the key it names, and published under `keyword` and every filter. One bad
 * record makes the whole answer junk (the node is ignored for this query). `verified` caches the
 * digests of records already checked, so the same record from twenty nodes costs one signature
 * check.
 */
export function checkAnswer(
  raw: readonly Uint8Array[],
  keyword: string,
  filters: readonly string[],
  asked: number,
  verifier: RecordVerifier | undefined,
  verified: Set<string>,
): AnswerCheck {
  if (raw.length > asked) return { ok: false, reason: `${raw.length} records, ${asked} asked` };
  const records: KeywordRecord[] = [];
  for (const bytes of raw) {
    let r: KeywordRecord;
    try {
      r = decodeKeywordRecord(bytes);
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    if (!recordMatches(r, keyword, filters)) return { ok: false, reason: 'record does not match the query' };
    if (verifier && !verified.has(r.digest)) {
      if (!verifyKeywordRecord(r, verifier)) return { ok: false, reason: 'record signature does not verify' };
      verified.add(r.digest);
    }
    records.push(r);
  }
  return { ok: true, records };
}

interface Merged {
  infoHash: string;
  record: KeywordRecord;
  publishers: Set<string>;
  peers?: number;
  match: number;
}

/**
 * The results of one query as answers arrive: merged by info-hash (the title of the record that
 * fits the query best, publishers counted), capped at MAX_SEARCH_RESULTS, and ranked by peers
 * having the file, then match quality, then publishers. Pure.
 */
export class SearchResults {
  private readonly merged = new Map<string, Merged>();

  constructor(readonly words: readonly string[]) {}

  get size(): number {
    return this.merged.size;
  }

  /** Adds checked records; returns how many files were new. */
  add(records: readonly KeywordRecord[]): number {
    let added = 0;
    for (const r of records) {
      const match = matchQuality(this.words, r.title);
      const m = this.merged.get(r.infoHashHex);
      if (m) {
        m.publishers.add(r.publisher);
        if (match > m.match) Object.assign(m, { record: r, match });
        continue;
      }
      if (this.merged.size >= MAX_SEARCH_RESULTS) continue;
      this.merged.set(r.infoHashHex, {
        infoHash: r.infoHashHex,
        record: r,
        publishers: new Set([r.publisher]),
        match,
      });
      added++;
    }
    return added;
  }

  /** Notes how many peers have `infoHash` (from its get_peers). */
  setPeers(infoHash: string, peers: number): void {
    const m = this.merged.get(infoHash);
    if (m) m.peers = peers;
  }

  /** Whether `infoHash` is among the results. */
  has(infoHash: string): boolean {
    return this.merged.has(infoHash);
  }

  /** Results best first. */
  ranked(): SearchResult[] {
    return [...this.merged.values()]
      .sort(
        (a, b) =>
          (b.peers ?? 0) - (a.peers ?? 0) ||
          b.match - a.match ||
          b.publishers.size - a.publishers.size ||
          a.record.title.localeCompare(b.record.title),
      )
      .map((m) => ({
        infoHash: m.infoHash,
        title: m.record.title,
        size: m.record.size,
        files: m.record.files,
        publishers: m.publishers.size,
        match: m.match,
        ...(m.peers !== undefined && { peers: m.peers }),
      }));
  }

  /** Up to `count` results (best match first) whose peers are not counted yet, not in `asked`. */
  needPeerCount(count: number, asked: ReadonlySet<string>): string[] {
    return [...this.merged.values()]
      .filter((m) => m.peers === undefined && !asked.has(m.infoHash))
      .sort((a, b) => b.match - a.match || b.publishers.size - a.publishers.size)
      .slice(0, count)
      .map((m) => m.infoHash);
  }
}
