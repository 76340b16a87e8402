import type { KeywordRecord } from './keyword-record.js';
import { recordMatches } from './keyword-record.js';

/** Caps of a keyword store; see {@link KeywordStore}. */
export interface KeywordStoreOptions {
  /** Lifetime of a record unless stored again (default 24 h, as Kademlia's values). */
  ttlMs?: number;
  /** Records held per keyword (default 200). */
  maxPerKeyword?: number;
  /** Records held per publisher over all keywords (default 40). */
  maxPerPublisher?: number;
  /** Records held in all (default 5,000: ~2 MB at the largest record size). */
  maxRecords?: number;
}

export const DEFAULT_KEYWORD_TTL_MS = 24 * 3_600_000;
export const DEFAULT_MAX_PER_KEYWORD = 200;
export const DEFAULT_MAX_PER_PUBLISHER = 40;
export const DEFAULT_MAX_RECORDS = 5000;

interface Entry {
  readonly key: string;
  readonly keyword: string;
  readonly record: KeywordRecord;
  storedAt: number;
  expiresAt: number;
}

/** What a store of one record did. */
export type KeywordStoreDecision =
  | { type: 'stored'; evicted: number }
  /** The same publisher stored this file under this keyword before: replaced, clock restarted. */
  | { type: 'refreshed' };

/**
 * Keyword records other nodes stored at this node: per keyword, one record per (publisher,
 * info-hash), each expiring after ttlMs unless stored again. Bounded per keyword, per publisher
 * and in all; when a bound is hit the oldest record of that keyword, of that publisher, or of all
 * leaves first, so a publisher flooding keywords only pushes out its own records. Pure: expiry
 * happens when `expire(now)` is called; records are checked (signature, keyword) by the caller.
 */
export class KeywordStore {
  readonly ttlMs: number;
  private readonly maxPerKeyword: number;
  private readonly maxPerPublisher: number;
  private readonly maxRecords: number;
  /** Every entry, oldest store first (a refresh moves an entry to the end). */
  private readonly all = new Map<string, Entry>();
  private readonly byKeyword = new Map<string, Map<string, Entry>>();
  private readonly byPublisher = new Map<string, Map<string, Entry>>();

  constructor(options: KeywordStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_KEYWORD_TTL_MS;
    this.maxPerKeyword = options.maxPerKeyword ?? DEFAULT_MAX_PER_KEYWORD;
    this.maxPerPublisher = options.maxPerPublisher ?? DEFAULT_MAX_PER_PUBLISHER;
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  }

  /** Records held. */
  get size(): number {
    return this.all.size;
  }

  /** Keywords with at least one record. */
  get keywordCount(): number {
    return this.byKeyword.size;
  }

  /** Stores `record` under `keyword` (which the caller checked it names). */
  put(keyword: string, record: KeywordRecord, now: number): KeywordStoreDecision {
    const key = `${keyword}\u0000${record.publisher}\u0000${record.infoHashHex}`;
    const old = this.all.get(key);
    if (old) {
      this.remove(old);
      this.insert({ key, keyword, record, storedAt: now, expiresAt: now + this.ttlMs });
      return { type: 'refreshed' };
    }
    let evicted = 0;
    const sameKeyword = this.byKeyword.get(keyword);
    if (sameKeyword && sameKeyword.size >= this.maxPerKeyword) evicted += this.evictOldest(sameKeyword);
    const samePublisher = this.byPublisher.get(record.publisher);
    if (samePublisher && samePublisher.size >= this.maxPerPublisher)
      evicted += this.evictOldest(samePublisher);
    if (this.all.size >= this.maxRecords) evicted += this.evictOldest(this.all);
    this.insert({ key, keyword, record, storedAt: now, expiresAt: now + this.ttlMs });
    return { type: 'stored', evicted };
  }

  /**
   * Up to `limit` unexpired records under `keyword` that are also published under every one of
   * `filters`, newest first.
   */
  get(keyword: string, filters: readonly string[], limit: number, now: number): KeywordRecord[] {
    const entries = this.byKeyword.get(keyword);
    if (!entries) return [];
    const out: KeywordRecord[] = [];
    for (const e of [...entries.values()].reverse()) {
      if (out.length >= limit) break;
      if (e.expiresAt > now && recordMatches(e.record, keyword, filters)) out.push(e.record);
    }
    return out;
  }

  /** Records held for `publisher`. */
  countOf(publisher: string): number {
    return this.byPublisher.get(publisher)?.size ?? 0;
  }

  /** Drops expired records. */
  expire(now: number): void {
    for (const e of [...this.all.values()]) if (e.expiresAt <= now) this.remove(e);
  }

  private insert(e: Entry): void {
    this.all.set(e.key, e);
    let k = this.byKeyword.get(e.keyword);
    if (!k) this.byKeyword.set(e.keyword, (k = new Map()));
    k.set(e.key, e);
    let p = this.byPublisher.get(e.record.publisher);
    if (!p) this.byPublisher.set(e.record.publisher, (p = new Map()));
    p.set(e.key, e);
  }

  private remove(e: Entry): void {
    this.all.delete(e.key);
    const k = this.byKeyword.get(e.keyword);
    k?.delete(e.key);
    if (k?.size === 0) this.byKeyword.delete(e.keyword);
    const p = this.byPublisher.get(e.record.publisher);
    p?.delete(e.key);
    if (p?.size === 0) this.byPublisher.delete(e.record.publisher);
  }

  /** Removes the oldest entry of `entries` (insertion order is store order); returns 1. */
  private evictOldest(entries: Map<string, Entry>): number {
    const first = entries.values().next().value as Entry | undefined;
    if (!first) return 0;
    this.remove(first);
    return 1;
  }
}
