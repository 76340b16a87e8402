import { toHex } from '../bytes.js';
import { sha1 } from '../sha1.js';
import { bencode } from '../bencode.js';
import { Lookup } from './lookup.js';
import { idBytes, toNodeId } from './node-id.js';
import type { NodeId } from './node-id.js';
import { emit, INTERACTIVE_LOOKUPS } from './node-core.js';
import type { NodeCore } from './node-core.js';
import type { RpcResult, RpcTable } from './rpc-table.js';
import type { Transport } from './transport.js';
import type { DhtSnapshot, LookupKind } from './types.js';
import { utf8 } from '../bytes.js';
import { checkAnswer, MAX_RECORDS_IN_ANSWER } from '../search/search-results.js';
import type { KeywordRecord } from '../search/keyword-record.js';
import { keywordKey } from '../search/keywords.js';

/** The query a lookup iterates with. */
export type LookupQuery = 'find_node' | 'get_peers' | 'get' | 'kw_get';
/** What a store operation sends to the k closest nodes once its lookup is done. */
export type StoreStep =
  { q: 'announce_peer' } | { q: 'put'; v: Uint8Array } | { q: 'kw_put'; rec: Uint8Array };

/** A keyword lookup: the word (SHA-1 of it is the target), the filter words, records wanted. */
export interface KeywordAsk {
  readonly word: string;
  readonly filters: readonly string[];
  /** Records asked of each node (0 while publishing: only tokens are wanted). */
  readonly n: number;
}

/** Queries one bucket refresh sends (to the closest known contacts to a random id in the bucket). */
export const REFRESH_QUERIES = 2;
/** Records a search asks of each node. */
export const SEARCH_RECORDS_ASKED = MAX_RECORDS_IN_ANSWER;

/** A run that continues an earlier operation (a queued or retried store): its id and its past. */
export interface RunOrigin {
  readonly queryId: number;
  readonly startedAt: number;
  /** 0 for the first try of a store, 1 for its retry. */
  readonly attempt: number;
  /** Counters of an earlier try, reported together with this one's. */
  readonly prior: { rpcs: number; timeouts: number };
}

/** A finished store that reached nobody, handed back to be tried once more. */
export interface UnstoredRun extends RunOrigin {
  readonly kind: LookupKind;
  readonly q: LookupQuery;
  readonly target: Uint8Array;
  readonly store: StoreStep;
  readonly ask?: KeywordAsk;
}

/** What the runner tells the rest of the node. */
export interface LookupHooks {
  /** A store's first try stored at nobody (its lookup-done waits for the retry). */
  storedAtNobody(run: UnstoredRun, now: number): void;
  /** A join lookup (own id) finished with these closest nodes. */
  joinDone(closest: NodeId[], now: number): void;
}

interface LookupRun extends RunOrigin {
  readonly kind: LookupKind;
  readonly q: LookupQuery;
  readonly target: Uint8Array;
  readonly targetId: NodeId;
  readonly lookup: Lookup;
  readonly store?: StoreStep;
  readonly peers: Set<NodeId>;
  readonly tokens: Map<NodeId, Uint8Array>;
  readonly ask?: KeywordAsk;
  /** Keyword records found, by digest. */
  readonly records: Map<string, KeywordRecord>;
  /** Digests of records whose signature was checked. */
  readonly verified: Set<string>;
  value?: Uint8Array;
  phase: 'lookup' | 'store' | 'done';
  storing: number;
  stored: number;
  storeRpcs: number;
  storeFailures: number;
}

/**
 * Runs iterative lookups (find_node, get_peers, get) through the RPC table, then the store step of
 * announce and put at the k closest nodes that gave a token, and reports each as one
 * `lookup-done` event.
 */
export class LookupRunner {
  private readonly lookups = new Map<number, LookupRun>();

  constructor(
    private readonly core: NodeCore,
    private readonly transport: Transport,
    private readonly rpcs: RpcTable,
    private readonly hooks: LookupHooks,
  ) {}

  /** Starts a lookup (and its store step, if `store`); returns its query id. */
  start(
    kind: LookupKind,
    q: LookupQuery,
    target: Uint8Array,
    now: number,
    store?: StoreStep,
    origin?: RunOrigin,
    ask?: KeywordAsk,
  ): number {
    const core = this.core;
    const seeds = new Set<NodeId>();
    for (const c of core.table.closest(target, core.k, (c) => this.transport.routeTo(c.id) !== undefined))
      seeds.add(c.id);
    for (const b of this.transport.closestLinks(target)) seeds.add(toHex(b));
    const run: LookupRun = {
      queryId: origin?.queryId ?? core.newQueryId(),
      kind,
      q,
      target: target.slice(),
      targetId: toHex(target),
      lookup: new Lookup(target, [...seeds], {
        k: core.k,
        alpha: INTERACTIVE_LOOKUPS.has(kind) ? core.settings.interactiveAlpha : core.alpha,
        // A refresh only has to put a few reachable contacts into one bucket: the responders'
        // links closest to a target in that bucket are in it too. A full lookup per bucket made
        // joins cost several times more messages (docs/dht-design.md, "Simulator figures").
        maxQueries: kind === 'refresh' ? REFRESH_QUERIES : undefined,
        paths: kind === 'refresh' ? 1 : core.settings.lookupPaths,
      }),
      startedAt: origin?.startedAt ?? now,
      store,
      peers: new Set(),
      tokens: new Map(),
      ask,
      records: new Map(),
      verified: new Set(),
      phase: 'lookup',
      storing: 0,
      stored: 0,
      storeRpcs: 0,
      storeFailures: 0,
      attempt: origin?.attempt ?? 0,
      prior: origin?.prior ?? { rpcs: 0, timeouts: 0 },
    };
    // We may be one of the k closest ourselves (always, in a small network): our store counts.
    if (q === 'get_peers') for (const p of core.store.getPeers(run.targetId, now)) run.peers.add(p);
    const local = q === 'get' && !store ? core.store.getValue(run.targetId, now) : undefined;
    if (local) {
      run.value = local.slice();
      run.lookup.finish();
    }
    // Our own store counts too, as for get_peers.
    if (ask && ask.n > 0) {
      const local = core.keywords.get(ask.word, ask.filters, ask.n, now);
      for (const rec of local) run.records.set(rec.digest, rec);
      if (local.length > 0) emit(core, { type: 'search-records', queryId: run.queryId, records: local });
    }
    core.table.touchBucketOf(target, now);
    this.lookups.set(run.queryId, run);
    this.pump(run, now);
    return run.queryId;
  }

  /** Starts a keyword search: records under `word` that are also under every filter. */
  search(word: string, filters: readonly string[], now: number): number {
    const ask = { word, filters: [...filters], n: SEARCH_RECORDS_ASKED };
    return this.start('search', 'kw_get', keywordKey(word), now, undefined, undefined, ask);
  }

  /** Lookups under way, for the snapshot. */
  views(): DhtSnapshot['lookups'] {
    return [...this.lookups.values()].map((run) => ({
      queryId: run.queryId,
      kind: run.kind,
      target: run.targetId,
      inflight: run.lookup.pending.length + run.storing,
      rpcs: run.lookup.stats.rpcs + run.storeRpcs,
      rounds: run.lookup.stats.rounds,
    }));
  }

  private pump(run: LookupRun, now: number): void {
    if (run.phase !== 'lookup') return;
    const key = run.q === 'get_peers' ? 'info_hash' : 'target';
    const ask = run.ask;
    const args = ask
      ? { target: run.target, w: utf8(ask.word), n: ask.n, f: ask.filters.map((f) => utf8(f)) }
      : { [key]: run.target };
    for (let ids = run.lookup.next(); ids.length > 0; ids = run.lookup.next()) {
      for (const id of ids) {
        const sent = this.rpcs.query(
          id,
          run.q,
          args,
          now,
          (res, at) => this.onReply(run, id, res, at),
          () => run.lookup.closest(this.core.alpha * 2),
        );
        if (!sent) run.lookup.onFailure(id, true);
      }
    }
    if (run.lookup.done) this.lookupDone(run, now);
  }

  private onReply(run: LookupRun, from: NodeId, res: RpcResult, now: number): void {
    if (!res.ok) {
      // A broken route says nothing about the node: if another answer offers it again, ask again.
      run.lookup.onFailure(from, res.routeBroke);
      return this.pump(run, now);
    }
    const r = res.r;
    const contacts: NodeId[] = [];
    for (const node of r.nodes ?? []) {
      const id = toNodeId(node); // the interned string: routes keep it
      if (id === this.core.id) continue;
      this.transport.learnRoute(id, res.route);
      if (this.transport.routeTo(id)) contacts.push(id);
    }
    if (run.phase !== 'lookup') return;
    if (run.ask && run.ask.n > 0 && !this.takeRecords(run, from, r.kw ?? [])) {
      run.lookup.onFailure(from);
      return this.pump(run, now);
    }
    if (r.token) run.tokens.set(from, r.token);
    for (const p of r.values ?? []) run.peers.add(toHex(p));
    if (run.q === 'get' && r.v && !run.store && toHex(sha1(bencode(r.v))) === run.targetId) {
      run.value = r.v.slice();
      run.lookup.finish();
    }
    run.lookup.onResponse(from, contacts);
    this.pump(run, now);
  }

  /**
   * Checks `from`'s records (shared/search checkAnswer) and keeps the new ones, streamed to the
   * host as a `search-records` event; false if the answer is junk (the node is then ignored for
   * this query, its contacts too).
   */
  private takeRecords(run: LookupRun, from: NodeId, raw: readonly Uint8Array[]): boolean {
    const ask = run.ask as KeywordAsk;
    const verifier = this.core.origins.recordVerifier;
    const check = checkAnswer(raw, ask.word, ask.filters, ask.n, verifier, run.verified);
    if (!check.ok) {
      this.core.counters.dropped++;
      emit(this.core, { type: 'message-dropped', from, reason: `search answer ignored: ${check.reason}` });
      return false;
    }
    const fresh = check.records.filter((rec) => !run.records.has(rec.digest));
    for (const rec of fresh) run.records.set(rec.digest, rec);
    if (fresh.length > 0) emit(this.core, { type: 'search-records', queryId: run.queryId, records: fresh });
    return true;
  }

  private lookupDone(run: LookupRun, now: number): void {
    if (run.phase !== 'lookup') return;
    const store = run.store;
    if (!store) return this.finish(run, now);
    run.phase = 'store';
    for (const id of run.lookup.closest(this.core.k)) {
      const token = run.tokens.get(id);
      if (!token) continue;
      // The key (info-hash, or SHA-1 of the value) is the lookup's target.
      // A keyword record carries its publisher's signature itself.
      const proof =
        store.q === 'kw_put' ? {} : this.core.origins.proveStore(store.q, idBytes(id), run.target, token);
      const args: Record<string, Uint8Array> =
        store.q === 'put'
          ? { v: store.v, token, ...proof }
          : store.q === 'kw_put'
            ? { target: run.target, token, rec: store.rec }
            : { info_hash: run.target, token, ...proof };
      const sent = this.rpcs.query(id, store.q, args, now, (res, at) => {
        run.storing--;
        if (res.ok) run.stored++;
        else run.storeFailures++;
        if (run.storing === 0) this.finish(run, at);
      });
      if (sent) {
        run.storing++;
        run.storeRpcs++;
      }
    }
    if (run.storing === 0) this.finish(run, now);
  }

  private finish(run: LookupRun, now: number): void {
    if (run.phase === 'done') return;
    run.phase = 'done';
    this.lookups.delete(run.queryId);
    const closest = run.lookup.closest(this.core.k);
    const stats = run.lookup.stats;
    const rpcs = run.prior.rpcs + stats.rpcs + run.storeRpcs;
    const timeouts = run.prior.timeouts + stats.failures + run.storeFailures;
    if (run.store && run.stored === 0 && run.attempt === 0) {
      const { queryId, kind, q, target, store, startedAt, ask } = run;
      this.hooks.storedAtNobody(
        { queryId, kind, q, target, store, startedAt, ask, attempt: 0, prior: { rpcs, timeouts } },
        now,
      );
      return;
    }
    emit(this.core, {
      type: 'lookup-done',
      queryId: run.queryId,
      kind: run.kind,
      target: run.targetId,
      closest,
      peers: run.q === 'get_peers' ? [...run.peers] : undefined,
      value: run.value,
      records: run.ask && run.ask.n > 0 ? [...run.records.values()] : undefined,
      stored: run.store ? run.stored : undefined,
      rpcs,
      timeouts,
      rounds: stats.rounds,
      startedAt: run.startedAt,
      durationMs: now - run.startedAt,
    });
    if (run.kind === 'join') this.hooks.joinDone(closest, now);
  }
}
