import { encodeBencode } from './bencode-writer.js';
import { toHex } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import type { Random } from '../random.js';
import { shuffle } from '../random.js';
import { sha1 } from '../sha1.js';
import { dispatchQuery } from './handlers/index.js';
import type { HandlerContext } from './handlers/index.js';
import {
  bencodedValueLength,
  decodeKrpc,
  encodeKrpc,
  MAX_SIGNAL_BYTES,
  MAX_VALUE_BENCODED,
  parseKrpc,
} from './krpc.js';
import type { KrpcMessage, KrpcQuery, KrpcResponseValues, QueryName } from './krpc.js';
import { LinkManager, REPORT_LINKS_AT } from './link-manager.js';
import { Lookup } from './lookup.js';
import { compareDistance, idBytes, randomIdAtPrefix, toNodeId } from './node-id.js';
import type { IdLike, NodeId } from './node-id.js';
import { decodeFrame, DEFAULT_MAX_ROUTE_LENGTH, relayStep, wrapForRoute } from './relay.js';
import type { Frame } from './relay.js';
import { RouteBook, sameRoute } from './route-book.js';
import { RoutingTable } from './routing-table.js';
import type { AddResult } from './routing-table.js';
import { DhtStore } from './store.js';
import { TokenManager } from './token-manager.js';
import type {
  DhtAction,
  DhtCounters,
  DhtEvent,
  DhtOptions,
  DhtQuery,
  DhtSnapshot,
  LookupKind,
} from './types.js';

/**
 * The outcome of a query. A failure with `routeBroke` never reached the contact because a link or
 * relay on the way failed: it says nothing about the contact, which may be asked again.
 */
type RpcResult =
  | { ok: true; r: KrpcResponseValues; route: NodeId[] }
  | { ok: false; reason: string; route: NodeId[]; routeBroke: boolean };
type RpcCallback = (result: RpcResult, now: number) => void;

interface PendingRpc {
  readonly to: NodeId;
  route: NodeId[];
  readonly q: QueryName;
  deadline: number;
  readonly done: RpcCallback;
  /** The encoded query, kept to resend it along another route when the one it took broke. */
  readonly message: Uint8Array;
  /** Times it was resent along another route. */
  resent: number;
  /** The route is a guess: a detour through a node next to the contact (see otherRoute). */
  detour: boolean;
  /** Last relays that reported they had no link to the contact (not tried again). */
  readonly lostBy: NodeId[];
  /** The last relay of a route we had learned (not a guess) had no link to the contact. */
  lastHopGone: boolean;
  /** Answered nodes next to what the query is about (a lookup's), for detours. */
  readonly near?: () => readonly NodeId[];
}

type LookupQuery = 'find_node' | 'get_peers' | 'get';
type StoreStep = { q: 'announce_peer' } | { q: 'put'; v: Uint8Array };

interface LookupRun {
  readonly queryId: number;
  readonly kind: LookupKind;
  readonly q: LookupQuery;
  readonly target: Uint8Array;
  readonly targetId: NodeId;
  readonly lookup: Lookup;
  readonly startedAt: number;
  readonly store?: StoreStep;
  readonly peers: Set<NodeId>;
  readonly tokens: Map<NodeId, Uint8Array>;
  value?: Uint8Array;
  phase: 'lookup' | 'store' | 'done';
  storing: number;
  stored: number;
  storeRpcs: number;
  storeFailures: number;
  /** 0 for the first try of a store, 1 for its retry. */
  readonly attempt: number;
  /** Counters of an earlier try, reported together with this one's. */
  readonly prior: { rpcs: number; timeouts: number };
}

/**
 * A put or announce waiting to start: issued before the node joined, or a retry of one that
 * stored at nobody. It keeps its queryId, so the host sees one lookup-done at the end.
 */
interface StoreJob {
  readonly queryId: number;
  readonly kind: LookupKind;
  readonly q: LookupQuery;
  readonly target: Uint8Array;
  readonly store: StoreStep;
  readonly startedAt: number;
  /** Starts once the node has joined, not before `notBefore`... */
  readonly notBefore: number;
  /** ...and at `latest` even if it has not joined by then. */
  readonly latest: number;
  readonly attempt: number;
  readonly prior: { rpcs: number; timeouts: number };
}

type JoinState = 'idle' | 'waiting' | 'joining' | 'joined';

/** Consecutive failed queries after which a contact leaves the routing table. */
const MAX_FAILURES = 2;
/** Malformed frames a link may send before it is closed. */
const MAX_STRIKES = 3;
/** Store messages handed to one newcomer at most. */
const MAX_HANDOFF_MESSAGES = 32;
/** Times one query is resent along another route after its route broke, at most. */
const MAX_RESENDS = 2;
/** Queries one bucket refresh sends (to the closest known contacts to a random id in the bucket). */
const REFRESH_QUERIES = 2;
/** Extra own-id lookups when the join lookup found less than it could have (see onJoined). */
const JOIN_RETRIES = 2;
/** Stale buckets refreshed per housekeeping tick at most. */
const REFRESHES_PER_TICK = 2;
/** A store issued before the node joined waits this long for the join at most. */
const STORE_JOIN_WAIT_MS = 30_000;
/** A store that reached nobody is tried once more this much later (rather than at the next republish). */
const STORE_RETRY_MS = 10_000;

/**
 * A Kademlia DHT node for browser tabs (sans-I/O). Contacts are node ids; only a bounded set of
 * them have a live WebRTC data channel ("link"). Queries to the others travel as source-routed
 * envelopes through live links (relay.ts). Every input takes `now` and returns the actions the
 * host must carry out; results of operations arrive as `lookup-done` events.
 */
export class DhtNode {
  readonly id: NodeId;
  readonly k: number;
  private readonly own: Uint8Array;
  private readonly random: Random;
  private readonly alpha: number;
  private readonly opt: Required<
    Pick<
      DhtOptions,
      | 'bootstrapConnections'
      | 'maxRouteLength'
      | 'rpcTimeoutMs'
      | 'relayHopTimeoutMs'
      | 'valueRepublishMs'
      | 'announceRepublishMs'
      | 'bucketRefreshMs'
      | 'questionableAfterMs'
      | 'maintenanceIntervalMs'
      | 'maxRelayPerSecond'
    >
  >;
  private readonly table: RoutingTable;
  private readonly links: LinkManager;
  private readonly routes: RouteBook;
  private readonly tokens: TokenManager;
  private readonly store: DhtStore;
  private readonly rpcs = new Map<string, PendingRpc>();
  private readonly lookups = new Map<number, LookupRun>();
  private storeJobs: StoreJob[] = [];
  private readonly ownAnnounces = new Map<NodeId, number>();
  private readonly ownValues = new Map<NodeId, { value: Uint8Array; nextAt: number }>();
  /** Contacts being pinged before eviction -> the newcomer waiting for their slot. */
  private readonly evictions = new Map<NodeId, NodeId>();
  private readonly strikes = new Map<NodeId, number>();
  private readonly relayWindow = new Map<NodeId, { second: number; count: number }>();
  private bootstrapPool: NodeId[] = [];
  private joinState: JoinState = 'idle';
  /** Own-id lookups run again in this join (see onJoined). */
  private joinTries = 0;
  private nextMaintenance: number | undefined;
  /** Time of the latest input, for snapshot() called without `now`. */
  private lastNow = 0;
  private nextTid: number;
  private nextQueryId = 1;
  private out: DhtAction[] = [];
  /** Actions produced by admit(), which returns a boolean: handed out by flushDeferred(). */
  private deferred: DhtAction[] = [];
  private deferredAt = 0;
  private readonly counters: DhtCounters = {
    framesIn: 0,
    framesOut: 0,
    queriesIn: 0,
    queriesOut: 0,
    relayed: 0,
    dropped: 0,
    timeouts: 0,
    signalsIn: 0,
  };
  private readonly isLive = (id: NodeId): boolean => this.links.isLive(id);

  constructor(options: DhtOptions) {
    this.own = idBytes(options.id).slice();
    this.id = toNodeId(this.own);
    this.random = options.random;
    this.k = options.k ?? 20;
    this.alpha = options.alpha ?? 3;
    this.opt = {
      bootstrapConnections: options.bootstrapConnections ?? 3,
      maxRouteLength: options.maxRouteLength ?? DEFAULT_MAX_ROUTE_LENGTH,
      rpcTimeoutMs: options.rpcTimeoutMs ?? 2000,
      relayHopTimeoutMs: options.relayHopTimeoutMs ?? 1000,
      valueRepublishMs: options.valueRepublishMs ?? 3_600_000,
      announceRepublishMs: options.announceRepublishMs ?? 15 * 60_000,
      bucketRefreshMs: options.bucketRefreshMs ?? 3_600_000,
      questionableAfterMs: options.questionableAfterMs ?? 15 * 60_000,
      maintenanceIntervalMs: options.maintenanceIntervalMs ?? 60_000,
      maxRelayPerSecond: options.maxRelayPerSecond ?? 200,
    };
    this.table = new RoutingTable(this.own, this.k);
    this.links = new LinkManager(options);
    this.routes = new RouteBook(this.opt.maxRouteLength);
    this.tokens = new TokenManager(this.random, options.tokenRotateMs ?? 5 * 60_000);
    this.store = new DhtStore(options);
    this.nextTid = this.random.int(0x10000);
  }

  // ---------------------------------------------------------------- links

  /** A DHT data channel to `peer` opened. The peer becomes a contact. */
  connected(peer: IdLike, now: number): DhtAction[] {
    return this.collect(now, () => {
      this.flushDeferred();
      const id = toNodeId(peer);
      if (id === this.id || !this.links.linkOpened(id, now)) return;
      this.routes.forget(id);
      this.strikes.delete(id);
      this.seen(id, [id], now);
      if (this.joinState === 'waiting' || this.joinState === 'idle') this.startJoin(now);
      for (const victim of this.links.excess(this.table, id))
        this.dropLink(victim, 'over the connection budget', now);
      this.reportFewLinks(now);
    });
  }

  /** The link to `peer` closed, or a requested link failed to open. */
  disconnected(peer: IdLike, now: number): DhtAction[] {
    return this.collect(now, () => {
      const id = toNodeId(peer);
      const wasLive = this.links.linkClosed(id, now);
      this.failRpcsThrough(id, 'link closed', now);
      this.strikes.delete(id);
      this.relayWindow.delete(id);
      if (wasLive) this.reportFewLinks(now);
      if (this.joinState === 'waiting') this.bootstrapConnect(now);
      else if (wasLive && this.joinState === 'joined' && !this.rejoinIfIsolated(now)) this.maintainLinks(now);
    });
  }

  /**
   * Should the host accept a connection offer from `peer`? (Budget, rate, and worth.) An admitted
   * offer holds a slot until its link opens, fails or the connect timeout passes. At the cap, a
   * newcomer worth more than a link we can close is admitted and that link closes at once: the
   * node forgets it now; its 'disconnect' comes out of the next handleTimeout (nextTimeout() is
   * due now), receive or connected call.
   */
  admit(peer: IdLike, now: number): boolean {
    const id = toNodeId(peer);
    if (id === this.id) return false;
    if (this.links.isLive(id) || this.links.isPending(id)) return true;
    if (this.links.refusal(now)) return false;
    const busy = this.links.busyCount;
    const over = busy + 1 - this.links.maxConnections;
    if (over > 0) {
      if (!this.links.valuable(this.table, id, idBytes(id))) return false;
      const victims = this.links.excess(this.table, undefined, busy + 1 - this.links.liveCount, true);
      if (victims.length < over) return false;
      if (this.deferred.length === 0) this.deferredAt = now;
      this.deferred.push(
        ...this.collect(now, () => {
          for (const v of victims) this.dropLink(v, 'room for a better link', now);
        }),
      );
    }
    this.links.reserve(id, now);
    return true;
  }

  /** The host wants a link to `peer` (a swarm peer): a pinned 'connect', or a 'connect-refused' event. */
  connectTo(peer: IdLike, now: number): DhtAction[] {
    return this.collect(now, () => {
      const id = toNodeId(peer);
      if (id === this.id) return;
      this.links.setPinned(id, true);
      if (this.links.isLive(id) || this.links.isPending(id)) return;
      const refusal = this.links.refusal(now);
      if (refusal) return this.emit({ type: 'connect-refused', to: id, reason: refusal });
      const busy = this.links.busyCount;
      if (busy >= this.links.maxConnections) {
        const victims = this.links.excess(this.table, undefined, busy + 1 - this.links.liveCount, true);
        if (victims.length === 0) return this.emit({ type: 'connect-refused', to: id, reason: 'budget' });
        for (const v of victims) this.dropLink(v, 'room for a requested link', now);
      }
      this.links.request(id, now, true);
      this.out.push({ type: 'connect', to: id });
    });
  }

  /** Marks a link the host holds for its own reasons (never closed by the DHT). */
  setPinned(peer: IdLike, pinned: boolean): void {
    this.links.setPinned(toNodeId(peer), pinned);
  }

  isConnected(peer: IdLike): boolean {
    return this.links.isLive(toNodeId(peer));
  }

  /** True if a message can reach `to` now: a live link or a source route starting at one. */
  hasRouteTo(to: IdLike): boolean {
    return this.routeTo(toNodeId(to)) !== undefined;
  }

  // ---------------------------------------------------------------- input

  /** Bytes that arrived on the DHT data channel of the live link `from`. Never throws for bad input. */
  receive(from: IdLike, bytes: Uint8Array, now: number): DhtAction[] {
    const link = toNodeId(from);
    return this.collect(now, () => {
      this.flushDeferred();
      this.counters.framesIn++;
      if (!this.links.isLive(link)) return this.drop(link, 'frame from a node that is not connected');
      try {
        this.onFrame(link, bytes, now);
      } catch (err) {
        // Parsers throw TabswarmError and are caught below; anything else is a bug, but a peer
        // must still never be able to throw into the host.
        this.drop(link, `failed to handle frame: ${(err as Error).message}`);
      }
    });
  }

  private onFrame(link: NodeId, bytes: Uint8Array, now: number): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, this.opt.maxRouteLength);
    } catch (err) {
      return this.strike(link, `bad frame: ${(err as Error).message}`, now);
    }
    if (frame.kind === 'direct') {
      let msg: KrpcMessage;
      try {
        msg = parseKrpc(frame.value);
      } catch (err) {
        return this.strike(link, `bad message: ${(err as Error).message}`, now);
      }
      return this.onMessage(msg, link, [link], now);
    }
    const decision = relayStep(this.id, link, frame.envelope, this.isLive);
    switch (decision.type) {
      case 'drop':
        return this.strike(link, decision.reason, now);
      case 'forward':
        if (!decision.bounced && !this.relayAllowed(link, now)) return this.drop(link, 'relay rate exceeded');
        this.counters.relayed++;
        return this.send(decision.to, decision.data);
      case 'notice':
        return this.onNotice(decision.destination, decision.reporter, decision.unreachable, now);
      case 'deliver': {
        let msg: KrpcMessage;
        try {
          msg = decodeKrpc(decision.message);
        } catch (err) {
          return this.drop(decision.origin, `bad relayed message: ${(err as Error).message}`);
        }
        return this.onMessage(msg, decision.origin, decision.replyRoute, now);
      }
    }
  }

  /** Runs timers that are due. */
  handleTimeout(now: number): DhtAction[] {
    return this.collect(now, () => {
      this.flushDeferred();
      for (const [key, rpc] of this.rpcs) if (rpc.deadline <= now) this.failRpc(key, 'timeout', now);
      for (const id of this.links.expirePending(now)) {
        this.failRpcsThrough(id, 'connect timed out', now);
        if (this.joinState === 'waiting') this.bootstrapConnect(now);
      }
      if (this.nextMaintenance !== undefined && this.nextMaintenance <= now) this.maintenance(now);
      this.runStoreJobs(now);
    });
  }

  /** When handleTimeout should next be called. */
  nextTimeout(): number | undefined {
    if (this.deferred.length > 0) return this.deferredAt;
    let next = this.nextMaintenance;
    for (const rpc of this.rpcs.values()) if (next === undefined || rpc.deadline < next) next = rpc.deadline;
    const pending = this.links.nextPendingDeadline();
    if (pending !== undefined && (next === undefined || pending < next)) next = pending;
    const joined = this.joinState === 'joined';
    for (const job of this.storeJobs) {
      const at = joined ? job.notBefore : Math.max(job.notBefore, job.latest);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  // ---------------------------------------------------------------- operations

  /**
   * Joins from contacts handed out by the server: asks the host to connect to a few of them; the
   * own-id lookup starts when the first link opens, then far buckets are refreshed and links to
   * the closest contacts are opened.
   */
  bootstrap(contacts: readonly IdLike[], now: number): DhtAction[] {
    return this.collect(now, () => {
      const fresh = contacts.map((c) => toNodeId(c)).filter((id) => id !== this.id);
      this.bootstrapPool = shuffle([...new Set([...fresh, ...this.bootstrapPool])], this.random);
      if (this.joinState === 'joining') return;
      this.joinState = 'waiting';
      if (this.links.liveCount > 0) this.startJoin(now);
      else this.bootstrapConnect(now);
    });
  }

  findNode(target: IdLike, now: number): DhtQuery {
    return this.operation(
      now,
      () => this.startLookup('find_node', 'find_node', idBytes(target), now).queryId,
    );
  }

  getPeers(infoHash: IdLike, now: number): DhtQuery {
    return this.operation(
      now,
      () => this.startLookup('get_peers', 'get_peers', idBytes(infoHash), now).queryId,
    );
  }

  /** Announces us as a peer of `infoHash` at its k closest nodes; repeated until unannounce(). */
  announce(infoHash: IdLike, now: number): DhtQuery {
    const ih = idBytes(infoHash);
    this.ownAnnounces.set(toNodeId(ih), now + this.opt.announceRepublishMs);
    return this.operation(now, () =>
      this.startStore('announce', 'get_peers', ih, now, { q: 'announce_peer' }),
    );
  }

  unannounce(infoHash: IdLike): void {
    this.ownAnnounces.delete(toNodeId(infoHash));
  }

  /**
   * Stores an immutable value (BEP 44) at the k nodes closest to key = SHA-1(bencode(value));
   * republished until unput(). Throws TabswarmError(DHT_INVALID) if over 1000 bytes bencoded.
   */
  put(value: Uint8Array, now: number): DhtQuery & { key: NodeId } {
    if (bencodedValueLength(value) > MAX_VALUE_BENCODED) {
      throw new TabswarmError(ErrorCode.DhtInvalid, `value over ${MAX_VALUE_BENCODED} bytes bencoded`);
    }
    const v = value.slice();
    const keyBytes = sha1(encodeBencode(v));
    const key = toHex(keyBytes);
    this.ownValues.set(key, { value: v, nextAt: now + this.opt.valueRepublishMs });
    const q = this.operation(now, () => this.startStore('put', 'get', keyBytes, now, { q: 'put', v }));
    return { ...q, key };
  }

  unput(key: IdLike): void {
    this.ownValues.delete(toNodeId(key));
  }

  /** Looks up an immutable value; stops as soon as a value hashing to `key` arrives. */
  get(key: IdLike, now: number): DhtQuery {
    return this.operation(now, () => this.startLookup('get', 'get', idBytes(key), now).queryId);
  }

  /**
   * Sends an opaque WebRTC signal to `to` through the overlay. Delivery is acknowledged; if it
   * fails (no route, relay gap, timeout) a 'signal-failed' event tells the host to use the server.
   */
  sendSignal(to: IdLike, payload: Uint8Array, now: number): DhtAction[] {
    return this.collect(now, () => {
      const id = toNodeId(to);
      if (payload.length > MAX_SIGNAL_BYTES)
        return this.emit({ type: 'signal-failed', to: id, reason: 'signal too large' });
      const sent = this.query(id, 'signal', { p: payload }, now, (res) => {
        if (!res.ok) this.emit({ type: 'signal-failed', to: id, reason: res.reason });
      });
      if (!sent) this.emit({ type: 'signal-failed', to: id, reason: 'no route' });
    });
  }

  /** State for the DHT panel. */
  snapshot(now?: number): DhtSnapshot {
    return {
      id: this.id,
      k: this.k,
      joined: this.joinState === 'joined',
      buckets: this.table.buckets().map((b) => ({
        index: b.index,
        lastChanged: b.lastChanged,
        contacts: b.contacts.map((c) => ({
          id: c.id,
          lastSeen: c.lastSeen,
          failures: c.failures,
          connected: this.links.isLive(c.id),
          routeLength: this.routeTo(c.id)?.length,
          route: this.routeTo(c.id)?.slice(),
        })),
      })),
      connections: {
        live: this.links.liveIds(),
        pinned: this.links.liveIds().filter((id) => this.links.isPinned(id)),
        pending: this.links.pendingIds(),
        max: this.links.maxConnections,
        target: this.links.targetConnections,
        openedLastHour: this.links.openedLastHour(now ?? this.lastNow),
        openedTotal: this.links.openedLifetime,
        hourlyCap: this.links.maxConnectsPerHour,
      },
      lookups: [...this.lookups.values()].map((run) => ({
        queryId: run.queryId,
        kind: run.kind,
        target: run.targetId,
        inflight: run.lookup.pending.length + run.storing,
        rpcs: run.lookup.stats.rpcs + run.storeRpcs,
        rounds: run.lookup.stats.rounds,
      })),
      store: this.store.counts,
      counters: { ...this.counters },
    };
  }

  // ---------------------------------------------------------------- plumbing

  private collect(now: number, fn: () => void): DhtAction[] {
    this.out = [];
    this.lastNow = Math.max(this.lastNow, now);
    if (this.nextMaintenance === undefined) this.nextMaintenance = now + this.opt.maintenanceIntervalMs;
    fn();
    const actions = this.out;
    this.out = [];
    return actions;
  }

  private operation(now: number, start: () => number): DhtQuery {
    let queryId = 0;
    const actions = this.collect(now, () => {
      queryId = start();
    });
    return { queryId, actions };
  }

  /**
   * Hands out what admit() produced, from the inputs a host makes from its event loop
   * (handleTimeout, receive, connected) and never while it is still carrying out an earlier
   * action list: admit may be called in the middle of one, which can still hold sends to the link
   * admit just closed.
   */
  private flushDeferred(): void {
    if (this.deferred.length === 0) return;
    // Sends whose link closed in the meantime are moot (their queries time out).
    for (const a of this.deferred) if (a.type !== 'send' || this.links.isLive(a.to)) this.out.push(a);
    this.deferred = [];
  }

  private emit(event: DhtEvent): void {
    this.out.push({ type: 'event', event });
  }

  private send(to: NodeId, data: Uint8Array): void {
    this.counters.framesOut++;
    this.out.push({ type: 'send', to, data });
  }

  private drop(from: NodeId, reason: string): void {
    this.counters.dropped++;
    this.emit({ type: 'message-dropped', from, reason });
  }

  /** A link sent something malformed: drop it, and close the link after a few. */
  private strike(link: NodeId, reason: string, now: number): void {
    this.drop(link, reason);
    const n = (this.strikes.get(link) ?? 0) + 1;
    this.strikes.set(link, n);
    if (n >= MAX_STRIKES) this.dropLink(link, `protocol violation: ${reason}`, now);
  }

  private dropLink(id: NodeId, reason: string, now: number): void {
    if (!this.links.linkClosed(id, now)) return;
    this.failRpcsThrough(id, 'link closed', now);
    this.out.push({ type: 'disconnect', to: id, reason });
    this.reportFewLinks(now);
  }

  /**
   * With few links left, tell each of them how many (a ping with `ln`), so they keep theirs to
   * us: without the server, a tab whose last link closes cannot be reached again.
   */
  private reportFewLinks(now: number): void {
    const count = this.links.liveCount;
    if (count > REPORT_LINKS_AT) return;
    for (const id of this.links.liveIds()) this.query(id, 'ping', { ln: count }, now, () => {});
  }

  private relayAllowed(link: NodeId, now: number): boolean {
    const second = Math.floor(now / 1000);
    const w = this.relayWindow.get(link);
    if (!w || w.second !== second) {
      this.relayWindow.set(link, { second, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= this.opt.maxRelayPerSecond;
  }

  private routeTo(id: NodeId): NodeId[] | undefined {
    if (this.links.isLive(id)) return [id];
    return this.routes.get(id, this.isLive);
  }

  /** Remembers how to reach `id`, learned from a response that came along `via`. */
  private learnRoute(id: NodeId, via: readonly NodeId[]): void {
    if (id === this.id || this.links.isLive(id)) return;
    const at = via.indexOf(id);
    if (at >= 0) return void this.routes.offer(id, via.slice(0, at + 1), this.isLive);
    // A route at the length bound cannot take one more hop: try a shortcut first.
    const prefix = via.length >= this.opt.maxRouteLength ? this.shortcut(via) : via;
    if (!prefix.includes(id)) this.routes.offerVia(id, prefix, this.isLive);
  }

  /**
   * `route` with its head replaced by a shorter route we know now to one of its relays, if any
   * (relays keep no state, so any way to a relay works). Lookups learn their contacts one hop
   * deeper each round; a relay of an early round is often named again later, closer.
   */
  private shortcut(route: readonly NodeId[]): readonly NodeId[] {
    let best = route;
    for (let i = route.length - 2; i >= 1; i--) {
      const head = this.routeTo(route[i] as NodeId);
      if (!head || head.length + route.length - i - 1 >= best.length) continue;
      const tail = route.slice(i + 1);
      if (head.some((x) => tail.includes(x))) continue;
      best = [...head, ...tail];
    }
    return best;
  }

  private sendAlong(route: readonly NodeId[], message: Uint8Array): void {
    const first = route[0];
    if (first === undefined || !this.links.isLive(first)) return;
    const { to, data } = wrapForRoute(this.id, route, message);
    this.send(to, data);
  }

  /** Sends a query; false if there is no route (nothing was sent, the callback will not run). */
  private query(
    to: NodeId,
    q: QueryName,
    args: Record<string, Uint8Array | number>,
    now: number,
    done: RpcCallback,
    near?: () => readonly NodeId[],
  ): boolean {
    const route = this.routeTo(to);
    if (!route) return false;
    this.nextTid = (this.nextTid + 1) % 0x100000000;
    const t = new Uint8Array([
      this.nextTid >>> 24,
      (this.nextTid >>> 16) & 0xff,
      (this.nextTid >>> 8) & 0xff,
      this.nextTid & 0xff,
    ]);
    const message = encodeKrpc({ y: 'q', t, q, a: { id: this.own, ...args } } as KrpcQuery);
    this.sendAlong(route, message);
    const deadline = this.deadline(route, now);
    const rpc: PendingRpc = {
      to,
      route: [...route],
      q,
      deadline,
      done,
      message,
      resent: 0,
      detour: false,
      lostBy: [],
      lastHopGone: false,
      near,
    };
    this.rpcs.set(toHex(t), rpc);
    this.counters.queriesOut++;
    return true;
  }

  private deadline(route: readonly NodeId[], now: number): number {
    return now + this.opt.rpcTimeoutMs + this.opt.relayHopTimeoutMs * (route.length - 1);
  }

  /**
   * A query failed without an answer: tell the caller, and count it against the contact when the
   * contact itself looks gone (a timeout, or the last relay had no link to it), not when a link
   * or relay on the way failed.
   */
  private failRpc(key: string, reason: string, now: number, contactsFault = reason === 'timeout'): void {
    const rpc = this.rpcs.get(key);
    if (!rpc) return;
    this.rpcs.delete(key);
    if (reason === 'timeout') this.counters.timeouts++;
    if (contactsFault && this.table.markFailed(rpc.to) >= MAX_FAILURES && !this.links.isLive(rpc.to)) {
      this.table.remove(rpc.to);
      this.routes.forget(rpc.to);
    }
    rpc.done({ ok: false, reason, route: rpc.route, routeBroke: reason !== 'timeout' }, now);
  }

  /** The link `link` closed: queries sent through it go again along another route, or fail. */
  private failRpcsThrough(link: NodeId, reason: string, now: number): void {
    for (const [key, rpc] of this.rpcs) {
      if (rpc.route[0] !== link) continue;
      if (!this.resend(rpc, now)) this.failRpc(key, reason, now, false);
    }
  }

  /**
   * A relay (`reporter`) had no link to `unreachable` on the way to `destination`. Only routes
   * using that hop are dropped: in a calm network the usual cause is a relay that rebalanced its
   * links, not a contact that left. The query goes again along another route (twice at most);
   * only when that fails too is it counted as failed.
   */
  private onNotice(destination: NodeId, reporter: NodeId, unreachable: NodeId, now: number): void {
    this.routes.forgetHop(reporter, unreachable);
    for (const [key, rpc] of this.rpcs) {
      if (rpc.to !== destination || !rpc.route.includes(unreachable)) continue;
      if (unreachable === destination) {
        rpc.lostBy.push(reporter);
        // A learned route whose last relay lost the contact hints that it left; a failed guess does not.
        if (!rpc.detour) rpc.lastHopGone = true;
      }
      if (this.resend(rpc, now)) continue;
      this.failRpc(key, `unreachable via ${reporter}`, now, rpc.lastHopGone);
    }
  }

  /** Resends `rpc` along another route; false if there is none (or it was resent enough). */
  private resend(rpc: PendingRpc, now: number): boolean {
    if (rpc.resent >= MAX_RESENDS) return false;
    const next = this.otherRoute(rpc);
    if (!next) return false;
    rpc.resent++;
    rpc.detour = next.detour;
    rpc.route = next.route;
    rpc.deadline = this.deadline(next.route, now);
    this.sendAlong(next.route, rpc.message);
    return true;
  }

  /**
   * Another way to `rpc.to` than the route that just broke: a known route, else a detour through
   * the node closest to it (among a lookup's answered nodes and our contacts) that we can reach in
   * fewer than maxRouteLength hops: nodes next to each other keep links to each other (the near
   * set). Never through a relay that already said it has no link to the contact.
   */
  private otherRoute(rpc: PendingRpc): { route: NodeId[]; detour: boolean } | undefined {
    const to = rpc.to;
    const lost = (r: readonly NodeId[]): boolean => rpc.lostBy.includes(r[r.length - 2] as NodeId);
    const known = this.routeTo(to);
    if (known && !sameRoute(known, rpc.route) && !lost(known)) return { route: [...known], detour: false };
    const target = idBytes(to);
    const near = new Set<NodeId>(rpc.near?.() ?? []);
    for (const c of this.table.closest(target, 8)) near.add(c.id);
    const candidates = [...near]
      .filter((x) => x !== to && !rpc.lostBy.includes(x))
      .sort((a, b) => compareDistance(target, idBytes(a), idBytes(b)));
    for (const via of candidates) {
      const r = this.routeTo(via);
      if (r && r.length < this.opt.maxRouteLength && !r.includes(to))
        return { route: [...r, to], detour: true };
    }
    return undefined;
  }

  private onMessage(msg: KrpcMessage, origin: NodeId, replyRoute: NodeId[], now: number): void {
    if (msg.y === 'q') {
      if (toNodeId(msg.a.id) !== origin) return this.drop(origin, 'query id does not match its sender');
      this.counters.queriesIn++;
      if (msg.q !== 'unknown') this.seen(origin, replyRoute, now);
      if (msg.q === 'signal') this.counters.signalsIn++;
      const result = dispatchQuery(msg, this.handlerContext(origin, replyRoute.length === 1, now));
      const reply: KrpcMessage =
        'r' in result
          ? { y: 'r', t: msg.t, r: { id: this.own, ...result.r } }
          : { y: 'e', t: msg.t, e: result.e };
      return this.sendAlong(replyRoute, encodeKrpc(reply));
    }
    const key = toHex(msg.t);
    const rpc = this.rpcs.get(key);
    if (!rpc) return this.drop(origin, 'unsolicited response');
    if (rpc.to !== origin || (msg.y === 'r' && toNodeId(msg.r.id) !== origin)) {
      return this.drop(origin, 'response from the wrong node');
    }
    this.rpcs.delete(key);
    this.seen(origin, replyRoute, now);
    if (msg.y === 'r') rpc.done({ ok: true, r: msg.r, route: rpc.route }, now);
    else
      rpc.done(
        { ok: false, reason: `error ${msg.e[0]}: ${msg.e[1]}`, route: rpc.route, routeBroke: false },
        now,
      );
  }

  private handlerContext(asker: NodeId, direct: boolean, now: number): HandlerContext {
    return {
      ownId: this.own,
      now,
      asker,
      tokens: this.tokens,
      store: this.store,
      random: this.random,
      closestNodes: (target) => this.closestLinks(target, asker),
      emitSignal: (from, payload) => this.out.push({ type: 'signal', from, payload: payload.slice() }),
      noteAskerLinks: (count) => {
        if (direct) this.links.noteRemoteLinks(asker, count);
      },
    };
  }

  /** Our live links closest to `target` (not `except`): contacts the asker can reach through us in one hop. */
  private closestLinks(target: Uint8Array, except?: NodeId): Uint8Array[] {
    return this.links
      .liveIds()
      .filter((id) => id !== except)
      .map((id) => idBytes(id))
      .sort((a, b) => compareDistance(target, a, b))
      .slice(0, this.k);
  }

  // ---------------------------------------------------------------- routing table upkeep

  /** `id` sent us a message along `route` (reversed): it is alive. */
  private seen(id: NodeId, route: readonly NodeId[], now: number): void {
    if (id === this.id) return;
    if (route.length > 1) this.routes.offer(id, route, this.isLive);
    const result = this.table.add(id, now);
    if (result.type === 'full') this.onBucketFull(result, now);
    else if (result.type === 'added' && this.joinState === 'joined') this.handOff(id, now);
  }

  /**
   * A full bucket: a failed contact makes room at once; a live link beats an unconnected
   * contact; otherwise the least-recently-seen contact is pinged if it is questionable
   * (BEP 5), and replaced only if it does not answer.
   */
  private onBucketFull(full: Extract<AddResult, { type: 'full' }>, now: number): void {
    const bucket = this.table.buckets()[full.bucket];
    if (!bucket) return;
    const candidate = full.candidate;
    const failed = bucket.contacts.find((c) => c.failures > 0 && !this.links.isLive(c.id));
    if (failed) return this.replaceContact(failed.id, candidate, now);
    if (this.links.isLive(candidate)) {
      const unlinked = bucket.contacts.find((c) => !this.links.isLive(c.id));
      if (unlinked) this.replaceContact(unlinked.id, candidate, now);
      return;
    }
    const oldest = full.oldest;
    if (this.links.isLive(oldest.id) || now - oldest.lastSeen < this.opt.questionableAfterMs) return;
    for (const pinged of this.evictions.keys()) if (this.table.bucketIndex(pinged) === full.bucket) return;
    this.evictions.set(oldest.id, candidate);
    const sent = this.query(oldest.id, 'ping', {}, now, (res, at) => {
      this.evictions.delete(oldest.id);
      if (!res.ok && !this.table.has(candidate)) this.replaceContact(oldest.id, candidate, at);
    });
    if (!sent) {
      this.evictions.delete(oldest.id);
      this.replaceContact(oldest.id, candidate, now);
    }
  }

  private replaceContact(oldId: NodeId, newId: NodeId, now: number): void {
    const result = this.table.replace(oldId, newId, now);
    if (result.type === 'added' && this.joinState === 'joined') this.handOff(newId, now);
  }

  /**
   * Hands stored items to a new contact that is closer to their key than we are, when at most one
   * other known contact is closer than us (so a couple of holders, not all k, do it; Kademlia
   * section 2.5 lets only the closest do it, which misses when that one did not get the item).
   */
  private handOff(newId: NodeId, now: number): void {
    if (!this.routeTo(newId)) return;
    const newBytes = idBytes(newId);
    const ours = (key: NodeId): boolean => {
      const k = idBytes(key);
      if (compareDistance(k, newBytes, this.own) >= 0) return false;
      const second = this.table.closest(k, 3).filter((c) => c.id !== newId)[1];
      return !second || compareDistance(k, this.own, second.bytes) < 0;
    };
    const values = this.store.valueKeys().filter(ours);
    const hashes = this.store.infoHashes().filter(ours);
    const first = values[0] ?? hashes[0];
    if (first === undefined) return;
    // One get_peers fetches a token; tokens are bound to our id, not to a key.
    this.query(newId, 'get_peers', { info_hash: idBytes(first) }, now, (res, at) => {
      if (!res.ok || !res.r.token) return;
      const token = res.r.token;
      let budget = MAX_HANDOFF_MESSAGES;
      for (const key of values) {
        const v = this.store.getValue(key, at);
        if (v && budget-- > 0) this.query(newId, 'put', { v, token }, at, () => undefined);
      }
      for (const ih of hashes) {
        for (const peer of this.store.getPeers(ih, at, 50)) {
          if (budget-- <= 0) break;
          const args = { info_hash: idBytes(ih), token, peer: idBytes(peer) };
          this.query(newId, 'announce_peer', args, at, () => undefined);
        }
      }
    });
  }

  // ---------------------------------------------------------------- lookups

  private startLookup(
    kind: LookupKind,
    q: LookupQuery,
    target: Uint8Array,
    now: number,
    store?: StoreStep,
    job?: StoreJob,
  ): LookupRun {
    const seeds = new Set<NodeId>();
    for (const c of this.table.closest(target, this.k, (c) => this.routeTo(c.id) !== undefined))
      seeds.add(c.id);
    for (const b of this.closestLinks(target)) seeds.add(toHex(b));
    const run: LookupRun = {
      queryId: job?.queryId ?? this.nextQueryId++,
      kind,
      q,
      target: target.slice(),
      targetId: toHex(target),
      lookup: new Lookup(target, [...seeds], {
        k: this.k,
        alpha: this.alpha,
        // A refresh only has to put a few reachable contacts into one bucket: the responders'
        // links closest to a target in that bucket are in it too. A full lookup per bucket made
        // joins cost several times more messages (docs/dht-design.md, "Simulator figures").
        maxQueries: kind === 'refresh' ? REFRESH_QUERIES : undefined,
      }),
      startedAt: job?.startedAt ?? now,
      store,
      peers: new Set(),
      tokens: new Map(),
      phase: 'lookup',
      storing: 0,
      stored: 0,
      storeRpcs: 0,
      storeFailures: 0,
      attempt: job?.attempt ?? 0,
      prior: job?.prior ?? { rpcs: 0, timeouts: 0 },
    };
    // We may be one of the k closest ourselves (always, in a small network): our store counts.
    if (q === 'get_peers') for (const p of this.store.getPeers(run.targetId, now)) run.peers.add(p);
    const local = q === 'get' && !store ? this.store.getValue(run.targetId, now) : undefined;
    if (local) {
      run.value = local.slice();
      run.lookup.finish();
    }
    this.table.touchBucketOf(target, now);
    this.lookups.set(run.queryId, run);
    this.pump(run, now);
    return run;
  }

  private pump(run: LookupRun, now: number): void {
    if (run.phase !== 'lookup') return;
    const key = run.q === 'get_peers' ? 'info_hash' : 'target';
    for (let ids = run.lookup.next(); ids.length > 0; ids = run.lookup.next()) {
      for (const id of ids) {
        const sent = this.query(
          id,
          run.q,
          { [key]: run.target },
          now,
          (res, at) => this.onLookupReply(run, id, res, at),
          () => run.lookup.closest(this.alpha * 2),
        );
        if (!sent) run.lookup.onFailure(id, true);
      }
    }
    if (run.lookup.done) this.lookupDone(run, now);
  }

  private onLookupReply(run: LookupRun, from: NodeId, res: RpcResult, now: number): void {
    if (!res.ok) {
      // A broken route says nothing about the node: if another answer offers it again, ask again.
      run.lookup.onFailure(from, res.routeBroke);
      return this.pump(run, now);
    }
    const r = res.r;
    const contacts: NodeId[] = [];
    for (const node of r.nodes ?? []) {
      const id = toNodeId(node); // the interned string: routes keep it
      if (id === this.id) continue;
      this.learnRoute(id, res.route);
      if (this.routeTo(id)) contacts.push(id);
    }
    if (run.phase !== 'lookup') return;
    if (r.token) run.tokens.set(from, r.token);
    for (const p of r.values ?? []) run.peers.add(toHex(p));
    if (run.q === 'get' && r.v && !run.store && toHex(sha1(encodeBencode(r.v))) === run.targetId) {
      run.value = r.v.slice();
      run.lookup.finish();
    }
    run.lookup.onResponse(from, contacts);
    this.pump(run, now);
  }

  private lookupDone(run: LookupRun, now: number): void {
    if (run.phase !== 'lookup') return;
    const store = run.store;
    if (!store) return this.finishRun(run, now);
    run.phase = 'store';
    for (const id of run.lookup.closest(this.k)) {
      const token = run.tokens.get(id);
      if (!token) continue;
      const args: Record<string, Uint8Array> =
        store.q === 'put' ? { v: store.v, token } : { info_hash: run.target, token };
      const sent = this.query(id, store.q, args, now, (res, at) => {
        run.storing--;
        if (res.ok) run.stored++;
        else run.storeFailures++;
        if (run.storing === 0) this.finishRun(run, at);
      });
      if (sent) {
        run.storing++;
        run.storeRpcs++;
      }
    }
    if (run.storing === 0) this.finishRun(run, now);
  }

  private finishRun(run: LookupRun, now: number): void {
    if (run.phase === 'done') return;
    run.phase = 'done';
    this.lookups.delete(run.queryId);
    const closest = run.lookup.closest(this.k);
    const stats = run.lookup.stats;
    const rpcs = run.prior.rpcs + stats.rpcs + run.storeRpcs;
    const timeouts = run.prior.timeouts + stats.failures + run.storeFailures;
    if (run.store && run.stored === 0 && run.attempt === 0) {
      // Stored at nobody (the node was cut off, or the neighbourhood was still forming): try
      // once more shortly, instead of at the next republish an hour or 15 min away.
      this.storeJobs.push({
        queryId: run.queryId,
        kind: run.kind,
        q: run.q,
        target: run.target,
        store: run.store,
        startedAt: run.startedAt,
        notBefore: now + STORE_RETRY_MS,
        latest: now + STORE_RETRY_MS + STORE_JOIN_WAIT_MS,
        attempt: 1,
        prior: { rpcs, timeouts },
      });
      return;
    }
    this.emit({
      type: 'lookup-done',
      queryId: run.queryId,
      kind: run.kind,
      target: run.targetId,
      closest,
      peers: run.q === 'get_peers' ? [...run.peers] : undefined,
      value: run.value,
      stored: run.store ? run.stored : undefined,
      rpcs,
      timeouts,
      rounds: stats.rounds,
      startedAt: run.startedAt,
      durationMs: now - run.startedAt,
    });
    if (run.kind === 'join') this.onJoined(closest, now);
  }

  // ---------------------------------------------------------------- join and upkeep

  private bootstrapConnect(now: number): void {
    while (this.links.busyCount < this.opt.bootstrapConnections) {
      const id = this.bootstrapPool.shift();
      if (id === undefined || this.links.refusal(now)) break;
      if (this.links.isLive(id) || this.links.isPending(id)) continue;
      this.links.request(id, now, false);
      this.out.push({ type: 'connect', to: id });
    }
    if (this.links.busyCount === 0) {
      this.emit({ type: 'need-contacts', reason: this.links.refusal(now) ?? 'no contact left to try' });
    }
  }

  /**
   * With no link left nothing can be reached through the overlay: join again, asking the host
   * to connect (through the server) to the contacts seen most recently.
   */
  private rejoinIfIsolated(now: number): boolean {
    if (this.links.busyCount > 0) return false;
    const recent = this.table
      .all()
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .slice(0, this.k)
      .map((c) => c.id);
    this.bootstrapPool = [...new Set([...recent, ...this.bootstrapPool])];
    this.joinState = 'waiting';
    this.bootstrapConnect(now);
    return true;
  }

  private startJoin(now: number): void {
    this.joinState = 'joining';
    this.joinTries = 0;
    this.startLookup('join', 'find_node', this.own, now);
  }

  /**
   * The own-id lookup finished: refresh buckets farther than the closest neighbour, open links.
   * A join lookup that ran out of candidates before k answered while the table knows more (it
   * started from a link to another newcomer, or a bootstrap link closed under it) found too little
   * of the neighbourhood: it runs again from what the node knows now, a couple of times at most.
   */
  private onJoined(closest: NodeId[], now: number): void {
    const answered = new Set(closest);
    const short =
      closest.length < this.k &&
      this.table
        .all()
        .some((c) => c.failures === 0 && !answered.has(c.id) && this.routeTo(c.id) !== undefined);
    if (short && this.joinTries < JOIN_RETRIES) {
      this.joinTries++;
      this.startLookup('join', 'find_node', this.own, now);
      return;
    }
    this.joinState = 'joined';
    this.emit({ type: 'joined', closest });
    const nearest = this.table.closest(this.own, 1)[0];
    if (nearest) {
      const depth = this.table.bucketIndex(nearest.id);
      for (let i = 0; i < depth; i++)
        this.startLookup('refresh', 'find_node', randomIdAtPrefix(this.own, i, this.random), now);
    }
    this.maintainLinks(now);
    this.runStoreJobs(now);
  }

  /** A put or announce: started now if the node has joined, else queued until it has (bounded wait). */
  private startStore(
    kind: LookupKind,
    q: LookupQuery,
    target: Uint8Array,
    now: number,
    store: StoreStep,
  ): number {
    if (this.joinState === 'joined') return this.startLookup(kind, q, target, now, store).queryId;
    const queryId = this.nextQueryId++;
    this.storeJobs.push({
      queryId,
      kind,
      q,
      target: target.slice(),
      store,
      startedAt: now,
      notBefore: now,
      latest: now + STORE_JOIN_WAIT_MS,
      attempt: 0,
      prior: { rpcs: 0, timeouts: 0 },
    });
    return queryId;
  }

  /** Starts the queued stores that are due. */
  private runStoreJobs(now: number): void {
    if (this.storeJobs.length === 0) return;
    const joined = this.joinState === 'joined';
    const due: StoreJob[] = [];
    const waiting: StoreJob[] = [];
    for (const job of this.storeJobs)
      (now >= job.notBefore && (joined || now >= job.latest) ? due : waiting).push(job);
    this.storeJobs = waiting;
    for (const job of due) this.startLookup(job.kind, job.q, job.target, now, job.store, job);
  }

  /** Opens links the node wants and closes links over the budget. */
  private maintainLinks(now: number): void {
    if (this.joinState !== 'joined') return;
    for (const id of this.links.wanted(this.table, now, (x) => this.routeTo(x) !== undefined)) {
      this.links.request(id, now, false);
      this.out.push({ type: 'connect', to: id });
    }
    for (const victim of this.links.excess(this.table))
      this.dropLink(victim, 'over the connection budget', now);
  }

  /** Housekeeping: expiry, republishing by origin, stale bucket refresh, link upkeep. */
  private maintenance(now: number): void {
    this.nextMaintenance = now + this.opt.maintenanceIntervalMs;
    this.store.expire(now);
    this.routes.sweep((id) => this.table.has(id));
    for (const [ih, at] of this.ownAnnounces) {
      if (at > now) continue;
      this.ownAnnounces.set(ih, now + this.opt.announceRepublishMs);
      this.startStore('republish', 'get_peers', idBytes(ih), now, { q: 'announce_peer' });
    }
    for (const [key, item] of this.ownValues) {
      if (item.nextAt > now) continue;
      item.nextAt = now + this.opt.valueRepublishMs;
      this.startStore('republish', 'get', idBytes(key), now, { q: 'put', v: item.value });
    }
    if (this.joinState === 'joined' && this.rejoinIfIsolated(now)) return;
    if (this.joinState === 'joined') {
      let started = 0;
      for (const bucket of this.table.buckets()) {
        if (started >= REFRESHES_PER_TICK) break;
        if (bucket.lastChanged + this.opt.bucketRefreshMs > now) continue;
        this.startLookup('refresh', 'find_node', randomIdAtPrefix(this.own, bucket.index, this.random), now);
        started++;
      }
    }
    this.maintainLinks(now);
  }
}
