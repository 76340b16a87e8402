import { toHex } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { sha1 } from '../sha1.js';
import { bencode } from '../bencode.js';
import { bencodedValueLength, MAX_VALUE_BENCODED } from './krpc.js';
import type { LookupQuery, LookupRunner, RunOrigin, StoreStep, UnstoredRun } from './lookup-runner.js';
import { idBytes, toNodeId } from './node-id.js';
import type { IdLike, NodeId } from './node-id.js';
import type { NodeCore } from './node-core.js';
import type { LookupKind } from './types.js';
import type { KeywordAsk } from './lookup-runner.js';
import { decodeKeywordRecord } from '../search/keyword-record.js';
import { keywordKey } from '../search/keywords.js';

/** A store issued before the node joined waits this long for the join at most. */
export const STORE_JOIN_WAIT_MS = 30_000;
/** A store that reached nobody is tried once more this much later (rather than at the next republish). */
export const STORE_RETRY_MS = 10_000;

/**
 * A put or announce waiting to start: issued before the node joined, or a retry of one that
 * stored at nobody. It keeps its queryId, so the host sees one lookup-done at the end.
 */
interface StoreJob extends RunOrigin {
  readonly kind: LookupKind;
  readonly q: LookupQuery;
  readonly target: Uint8Array;
  readonly store: StoreStep;
  readonly ask?: KeywordAsk;
  /** Starts once the node has joined, not before `notBefore`... */
  readonly notBefore: number;
  /** ...and at `latest` even if it has not joined by then. */
  readonly latest: number;
}

/**
 * Our own announcements and values: their first store, its retry when it reached nobody, stores
 * waiting for the join (each on a `store-job` timer), and republishing by origin.
 */
export class StoreJobs {
  private readonly jobs = new Map<number, StoreJob>();
  private readonly ownAnnounces = new Map<NodeId, number>();
  private readonly ownValues = new Map<NodeId, { value: Uint8Array; nextAt: number }>();
  /** Our keyword records by info-hash, republished like values. */
  private readonly ownRecords = new Map<NodeId, { rec: Uint8Array; nextAt: number }>();

  constructor(
    private readonly core: NodeCore,
    private readonly runner: LookupRunner,
    private readonly joined: () => boolean,
  ) {}

  /** Announces us as a peer of `infoHash`; re-announced until unannounce(). Returns the query id. */
  announce(infoHash: IdLike, now: number): number {
    const ih = idBytes(infoHash);
    this.ownAnnounces.set(toNodeId(ih), now + this.core.settings.announceRepublishMs);
    return this.start('announce', 'get_peers', ih, now, { q: 'announce_peer' });
  }

  unannounce(infoHash: IdLike): void {
    this.ownAnnounces.delete(toNodeId(infoHash));
  }

  /** Stores an immutable value under SHA-1(bencode(value)); republished until unput(). */
  put(value: Uint8Array, now: number): { queryId: number; key: NodeId } {
    if (bencodedValueLength(value) > MAX_VALUE_BENCODED) {
      throw new TabswarmError(ErrorCode.DhtInvalid, `value over ${MAX_VALUE_BENCODED} bytes bencoded`);
    }
    const v = value.slice();
    const keyBytes = sha1(bencode(v));
    const key = toHex(keyBytes);
    this.ownValues.set(key, { value: v, nextAt: now + this.core.settings.valueRepublishMs });
    return { queryId: this.start('put', 'get', keyBytes, now, { q: 'put', v }), key };
  }

  unput(key: IdLike): void {
    this.ownValues.delete(toNodeId(key));
  }

  /**
   * Lists a signed keyword record (shared/search) under each of its keywords: a kw_get lookup for
   * tokens, then kw_put at the k closest; republished until unpublish(). Returns the query ids.
   * Throws SEARCH_RECORD_INVALID for a record that does not decode.
   */
  publish(rec: Uint8Array, now: number): number[] {
    const record = decodeKeywordRecord(rec);
    const v = rec.slice();
    this.ownRecords.set(record.infoHashHex, { rec: v, nextAt: now + this.core.settings.valueRepublishMs });
    return this.storeRecord(v, now, 'publish');
  }

  unpublish(infoHash: IdLike): void {
    this.ownRecords.delete(toNodeId(infoHash));
  }

  private storeRecord(rec: Uint8Array, now: number, kind: LookupKind): number[] {
    return decodeKeywordRecord(rec).keywords.map((word) =>
      this.start(kind, 'kw_get', keywordKey(word), now, { q: 'kw_put', rec }, { word, filters: [], n: 0 }),
    );
  }

  /** Republishes what is due (from the maintenance tick). */
  republish(now: number): void {
    const s = this.core.settings;
    for (const [ih, at] of this.ownAnnounces) {
      if (at > now) continue;
      this.ownAnnounces.set(ih, now + s.announceRepublishMs);
      this.start('republish', 'get_peers', idBytes(ih), now, { q: 'announce_peer' });
    }
    for (const [key, item] of this.ownValues) {
      if (item.nextAt > now) continue;
      item.nextAt = now + s.valueRepublishMs;
      this.start('republish', 'get', idBytes(key), now, { q: 'put', v: item.value });
    }
    for (const item of this.ownRecords.values()) {
      if (item.nextAt > now) continue;
      item.nextAt = now + s.valueRepublishMs;
      this.storeRecord(item.rec, now, 'republish');
    }
  }

  /** A first try stored at nobody (cut off, or a neighbourhood still forming): once more shortly. */
  retry(run: UnstoredRun, now: number): void {
    this.queue({
      ...run,
      notBefore: now + STORE_RETRY_MS,
      latest: now + STORE_RETRY_MS + STORE_JOIN_WAIT_MS,
      attempt: 1,
    });
  }

  /** The `store-job` timer of `queryId` fired. */
  fire(queryId: number, now: number): void {
    const job = this.jobs.get(queryId);
    if (job) this.runIfDue(job, now);
  }

  /** The node joined (or left the joined state): start what is due, re-time the rest. */
  joinChanged(now: number): void {
    for (const job of [...this.jobs.values()]) this.runIfDue(job, now);
  }

  /** A put or announce: started now if the node has joined, else queued until it has (bounded wait). */
  private start(
    kind: LookupKind,
    q: LookupQuery,
    target: Uint8Array,
    now: number,
    store: StoreStep,
    ask?: KeywordAsk,
  ): number {
    if (this.joined()) return this.runner.start(kind, q, target, now, store, undefined, ask);
    const queryId = this.core.newQueryId();
    this.queue({
      queryId,
      kind,
      q,
      target: target.slice(),
      store,
      ask,
      startedAt: now,
      notBefore: now,
      latest: now + STORE_JOIN_WAIT_MS,
      attempt: 0,
      prior: { rpcs: 0, timeouts: 0 },
    });
    return queryId;
  }

  private queue(job: StoreJob): void {
    this.jobs.set(job.queryId, job);
    this.core.timers.set('store-job', this.dueAt(job), job.queryId);
  }

  private runIfDue(job: StoreJob, now: number): void {
    if (now < this.dueAt(job)) return this.core.timers.set('store-job', this.dueAt(job), job.queryId);
    this.jobs.delete(job.queryId);
    this.core.timers.clear('store-job', job.queryId);
    this.runner.start(job.kind, job.q, job.target, now, job.store, job, job.ask);
  }

  /** When `job` starts: once joined, at notBefore; else when its wait for the join runs out. */
  private dueAt(job: StoreJob): number {
    return this.joined() ? job.notBefore : Math.max(job.notBefore, job.latest);
  }
}
