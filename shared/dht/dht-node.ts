import { Outbox, TimerTable } from '../machine/index.js';
import type { Machine } from '../machine/index.js';
import { ContactUpkeep } from './contact-upkeep.js';
import { decodeKrpc, encodeKrpc, MAX_SIGNAL_BYTES, parseKrpc } from './krpc.js';
import type { KrpcMessage } from './krpc.js';
import { LinkManager, REPORT_LINKS_AT } from './link-manager.js';
import { LookupRunner } from './lookup-runner.js';
import { idBytes, toNodeId } from './node-id.js';
import type { IdLike, NodeId } from './node-id.js';
import { emit, emptyCounters } from './node-core.js';
import { DEFAULT_ALPHA, DEFAULT_K, DEFAULT_SETTINGS, DEFAULT_TOKEN_ROTATE_MS } from './node-core.js';
import type { DhtTimer, NodeCore, NodeSettings } from './node-core.js';
import { decodeFrame, relayStep } from './relay.js';
import type { Frame } from './relay.js';
import { RouteBook } from './route-book.js';
import { RateWindow } from './rate-window.js';
import { RoutingTable } from './routing-table.js';
import { answerQuery } from './query-answer.js';
import { RpcTable } from './rpc-table.js';
import { OriginAuth } from './origin-proof.js';
import { DhtStore } from './store.js';
import { KeywordStore } from '../search/keyword-store.js';
import { StoreJobs } from './store-jobs.js';
import { TokenManager } from './token-manager.js';
import { Transport } from './transport.js';
import { Upkeep } from './upkeep.js';
import type { DhtCounters, DhtOutput, DhtOptions, DhtSnapshot } from './types.js';

/** Malformed frames a link may send before it is closed. */
export const MAX_STRIKES = 3;
/**
 * A Kademlia DHT node for browser tabs, as a sans-I/O {@link Machine}. Contacts are node ids; only
 * a bounded set of them have a live WebRTC data channel ("link"). Queries to the others travel as
 * source-routed envelopes through live links (relay.ts). Inputs take `now` and answer at most a
 * boolean or a query id; what the host must do comes out of `poll()`, and the results of
 * operations arrive as `lookup-done` events.
 *
 * The parts: {@link RpcTable} (queries in flight), {@link LookupRunner} (lookups and their store
 * step), {@link StoreJobs} (own announcements and values), {@link Upkeep} (join, refresh,
 * maintenance), {@link ContactUpkeep} (routing table from traffic); this class keeps the links and
 * dispatches frames and timers.
 */
export class DhtNode implements Machine<DhtOutput> {
  readonly id: NodeId;
  readonly k: number;
  private readonly core: NodeCore;
  private readonly links: LinkManager;
  private readonly tokens: TokenManager;
  private readonly out = new Outbox<DhtOutput>();
  private readonly timers = new TimerTable<DhtTimer>();
  private readonly transport: Transport;
  private readonly rpcs: RpcTable;
  private readonly runner: LookupRunner;
  private readonly storeJobs: StoreJobs;
  private readonly upkeep: Upkeep;
  private readonly contacts: ContactUpkeep;
  private readonly strikes = new Map<NodeId, number>();
  /** Frames each link has us relay per second, notices included. */
  private readonly relayWindow: RateWindow<NodeId>;
  /** Answers we sign per second for queries that came through relays. */
  private readonly signedAnswers: RateWindow<'answer'>;
  /** The maintenance tick starts with the first input. */
  private started = false;
  /** Time of the latest input, for snapshot() called without `now`. */
  private lastNow = 0;
  private nextQueryId = 1;
  private readonly counters: DhtCounters = emptyCounters();

  constructor(options: DhtOptions) {
    const own = idBytes(options.id).slice();
    this.id = toNodeId(own);
    this.k = options.k ?? DEFAULT_K;
    const settings: { -readonly [K in keyof NodeSettings]: number } = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(settings) as (keyof NodeSettings)[]) {
      const value = options[key];
      if (value !== undefined) settings[key] = value;
    }
    this.links = new LinkManager(options);
    this.relayWindow = new RateWindow(settings.maxRelayPerSecond, 1000);
    this.signedAnswers = new RateWindow(settings.maxSignedAnswersPerSecond, 1000);
    this.tokens = new TokenManager(options.random, options.tokenRotateMs ?? DEFAULT_TOKEN_ROTATE_MS);
    this.core = {
      id: this.id,
      own,
      k: this.k,
      alpha: options.alpha ?? DEFAULT_ALPHA,
      random: options.random,
      settings,
      superPeer: options.superPeer === true,
      table: new RoutingTable(own, this.k),
      links: this.links,
      routes: new RouteBook(settings.maxRouteLength, undefined, (id) => this.links.linkedSince(id)),
      store: new DhtStore(options),
      keywords: new KeywordStore(options.keywordStore),
      origins: new OriginAuth(own, options.signer, options.verifier),
      out: this.out,
      timers: this.timers,
      counters: this.counters,
      isLive: (id) => this.links.isLive(id),
      newQueryId: () => this.nextQueryId++,
    };
    this.transport = new Transport(this.core);
    this.rpcs = new RpcTable(this.core, this.transport);
    this.runner = new LookupRunner(this.core, this.transport, this.rpcs, {
      storedAtNobody: (run, now) => this.storeJobs.retry(run, now),
      joinDone: (closest, now) => this.upkeep.joinDone(closest, now),
    });
    const joined = (): boolean => this.upkeep.joined;
    this.storeJobs = new StoreJobs(this.core, this.runner, joined);
    this.upkeep = new Upkeep(this.core, this.transport, this.runner, () => this.storeJobs, {
      request: (id, now, pinned) => this.requestLink(id, now, pinned),
      drop: (id, reason, now) => this.dropLink(id, reason, now),
    });
    this.contacts = new ContactUpkeep(this.core, this.transport, this.rpcs, joined);
  }

  // ---------------------------------------------------------------- machine

  poll(): DhtOutput[] {
    return this.out.poll();
  }

  nextTimeout(): number | undefined {
    return this.timers.next();
  }

  /** Runs the timers that are due, by name. */
  handleTimeout(now: number): void {
    this.enter(now);
    this.links.sweepFailed(now);
    for (const timer of this.timers.due(now)) {
      switch (timer.name) {
        case 'rpc':
          this.rpcs.expire(timer.subject as string, now);
          break;
        case 'connect':
          this.connectTimedOut(timer.subject as NodeId, now);
          break;
        case 'maintenance':
          this.upkeep.maintenance(now);
          break;
        case 'store-job':
          this.storeJobs.fire(timer.subject as number, now);
          break;
        case 'links':
          this.upkeep.maintainLinks(now);
          break;
      }
    }
  }

  // ---------------------------------------------------------------- links

  /** A DHT data channel to `peer` opened. The peer becomes a contact. */
  connected(peer: IdLike, now: number): void {
    this.enter(now);
    const id = toNodeId(peer);
    if (id === this.id || !this.links.linkOpened(id, now)) return;
    this.timers.clear('connect', id);
    this.core.routes.forget(id);
    this.strikes.delete(id);
    this.contacts.seen(id, [id], now);
    this.upkeep.linkOpened(now);
    // A super-peer tells each new link at once (its queries carry `sp`): the tab keeps it as an anchor.
    if (this.core.superPeer) this.rpcs.query(id, 'ping', {}, now, () => {});
    for (const victim of this.links.excess(this.core.table, id))
      this.dropLink(victim, 'over the connection budget', now);
    // Nothing else could go (all pinned): a link given up on that opened late has no slot.
    if (this.links.liveCount > this.links.maxConnections)
      this.dropLink(id, 'over the connection budget', now);
    this.reportFewLinks(now);
  }

  /** The link to `peer` closed, or a requested link failed to open. */
  disconnected(peer: IdLike, now: number): void {
    this.enter(now);
    const id = toNodeId(peer);
    const wasLive = this.links.linkClosed(id, now);
    this.timers.clear('connect', id);
    this.rpcs.failThrough(id, 'link closed', now);
    this.strikes.delete(id);
    this.relayWindow.forget(id);
    if (wasLive) this.reportFewLinks(now);
    this.upkeep.linkClosed(wasLive, now);
  }

  /**
   * Should the host accept a connection offer from `peer`? (Budget, rate, and worth.) An admitted
   * offer holds a slot until its link opens, fails or the connect timeout passes. At the cap, a
   * newcomer worth more than a link we can close is admitted and that link closes at once (its
   * 'disconnect' is queued for `poll`).
   */
  admit(peer: IdLike, now: number): boolean {
    const id = toNodeId(peer);
    if (id === this.id) return false;
    if (this.links.isLive(id) || this.links.isPending(id)) return true;
    if (this.links.refusal(now)) return false;
    const busy = this.links.busyCount;
    const over = busy + 1 - this.links.maxConnections;
    if (over > 0) {
      if (!this.links.valuable(this.core.table, id, idBytes(id))) return false;
      const victims = this.links.excess(this.core.table, undefined, busy + 1 - this.links.liveCount, true);
      if (victims.length < over) return false;
      this.enter(now);
      for (const v of victims) this.dropLink(v, 'room for a better link', now);
    }
    this.links.reserve(id, now);
    this.timers.set('connect', this.links.pendingDeadline(id) as number, id);
    return true;
  }

  /** The host wants a link to `peer` (a swarm peer): a pinned 'connect', or a 'connect-refused' event. */
  connectTo(peer: IdLike, now: number): void {
    this.enter(now);
    const id = toNodeId(peer);
    if (id === this.id) return;
    this.links.setPinned(id, true);
    if (this.links.isLive(id) || this.links.isPending(id)) return;
    const refusal = this.links.refusal(now);
    if (refusal) return emit(this.core, { type: 'connect-refused', to: id, reason: refusal });
    const busy = this.links.busyCount;
    if (busy >= this.links.maxConnections) {
      const victims = this.links.excess(this.core.table, undefined, busy + 1 - this.links.liveCount, true);
      if (victims.length === 0) return emit(this.core, { type: 'connect-refused', to: id, reason: 'budget' });
      for (const v of victims) this.dropLink(v, 'room for a requested link', now);
    }
    this.requestLink(id, now, true);
  }

  /** How the live link to `peer` got through: relayed (TURN) links are the first given up. */
  setRelayed(peer: IdLike, relayed: boolean): void {
    this.links.setRelayed(toNodeId(peer), relayed);
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
    return this.transport.routeTo(toNodeId(to)) !== undefined;
  }

  // ---------------------------------------------------------------- input

  /** Bytes that arrived on the DHT data channel of the live link `from`. Never throws for bad input. */
  receive(from: IdLike, bytes: Uint8Array, now: number): void {
    this.enter(now);
    const link = toNodeId(from);
    this.counters.framesIn++;
    if (!this.links.isLive(link)) return this.drop(link, 'frame from a node that is not connected');
    try {
      this.onFrame(link, bytes, now);
    } catch (err) {
      // Parsers throw TabswarmError and are caught below; anything else is a bug, but a peer
      // must still never be able to throw into the host.
      this.drop(link, `failed to handle frame: ${(err as Error).message}`);
    }
  }

  private onFrame(link: NodeId, bytes: Uint8Array, now: number): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, this.core.settings.maxRouteLength);
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
    const decision = relayStep(this.id, link, frame.envelope, this.core.isLive);
    switch (decision.type) {
      case 'drop':
        return this.strike(link, decision.reason, now);
      case 'forward':
        // Notices going back count too: otherwise a link could make us send without limit.
        if (!this.relayWindow.allow(link, now)) return this.drop(link, 'relay rate exceeded');
        this.counters.relayed++;
        return this.transport.send(decision.to, decision.data);
      case 'notice':
        if (!this.relayWindow.allow(link, now)) return this.drop(link, 'relay rate exceeded');
        if (!this.rpcs.onNotice(decision.destination, decision.path, decision.unreachable, now))
          return this.drop(link, 'notice names no route of ours');
        return;
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

  private onMessage(msg: KrpcMessage, origin: NodeId, replyRoute: NodeId[], now: number): void {
    if (msg.y !== 'q') {
      const outcome = this.rpcs.onReply(msg, origin, replyRoute, now, () =>
        this.contacts.seen(origin, replyRoute, now),
      );
      if (outcome !== 'ok') this.drop(origin, outcome);
      return;
    }
    if (toNodeId(msg.a.id) !== origin) return this.drop(origin, 'query id does not match its sender');
    this.counters.queriesIn++;
    // A query over a link comes from that link; a relayed one names an origin any relay could
    // have made up, so it is only a candidate until it answers a query of ours.
    if (msg.q !== 'unknown') {
      if (replyRoute.length === 1) this.contacts.seen(origin, replyRoute, now);
      else this.contacts.heard(origin, replyRoute, now);
    }
    const { core, tokens, transport, signedAnswers } = this;
    const services = { core, tokens, transport, signedAnswers };
    this.transport.sendAlong(replyRoute, encodeKrpc(answerQuery(services, msg, origin, replyRoute, now)));
  }

  // ---------------------------------------------------------------- operations

  /**
   * Joins from contacts handed out by the server: asks the host to connect to a few of them; the
   * own-id lookup starts when the first link opens, then far buckets are refreshed and links to
   * the closest contacts are opened.
   */
  bootstrap(contacts: readonly IdLike[], now: number): void {
    this.enter(now);
    this.upkeep.bootstrap(contacts, now);
  }

  /** Looks up the k nodes closest to `target`; returns the query id of its `lookup-done`. */
  findNode(target: IdLike, now: number): number {
    this.enter(now);
    return this.runner.start('find_node', 'find_node', idBytes(target), now);
  }

  /** Looks up the peers of `infoHash`; returns the query id of its `lookup-done`. */
  getPeers(infoHash: IdLike, now: number): number {
    this.enter(now);
    return this.runner.start('get_peers', 'get_peers', idBytes(infoHash), now);
  }

  /** Announces us as a peer of `infoHash` at its k closest nodes; repeated until unannounce(). */
  announce(infoHash: IdLike, now: number): number {
    this.enter(now);
    return this.storeJobs.announce(infoHash, now);
  }

  unannounce(infoHash: IdLike): void {
    this.storeJobs.unannounce(infoHash);
  }

  /**
   * Stores an immutable value (BEP 44) at the k nodes closest to key = SHA-1(bencode(value));
   * republished until unput(). Throws TabswarmError(DHT_INVALID) if over 1000 bytes bencoded.
   */
  put(value: Uint8Array, now: number): { queryId: number; key: NodeId } {
    this.enter(now);
    return this.storeJobs.put(value, now);
  }

  unput(key: IdLike): void {
    this.storeJobs.unput(key);
  }

  /** Looks up an immutable value; stops as soon as a value hashing to `key` arrives. */
  get(key: IdLike, now: number): number {
    this.enter(now);
    return this.runner.start('get', 'get', idBytes(key), now);
  }

  /** Lists a signed keyword record (shared/search) under each of its keywords, until unpublish(). */
  publish(record: Uint8Array, now: number): number[] {
    this.enter(now);
    return this.storeJobs.publish(record, now);
  }

  unpublish(infoHash: IdLike): void {
    this.storeJobs.unpublish(infoHash);
  }

  /** Searches `word`'s records also under every filter: `search-records` events, then lookup-done. */
  search(word: string, filters: readonly string[], now: number): number {
    this.enter(now);
    return this.runner.search(word, filters, now);
  }

  /**
   * Sends an opaque WebRTC signal to `to` through the overlay. Delivery is acknowledged; if it
   * fails (no route, relay gap, timeout) a 'signal-failed' event tells the host to use the server.
   */
  sendSignal(to: IdLike, payload: Uint8Array, now: number): void {
    this.enter(now);
    const id = toNodeId(to);
    if (payload.length > MAX_SIGNAL_BYTES)
      return emit(this.core, { type: 'signal-failed', to: id, reason: 'signal too large' });
    const args = { p: payload, ...this.core.origins.proveSignal(idBytes(id), payload) };
    const sent = this.rpcs.query(id, 'signal', args, now, (res) => {
      if (!res.ok) emit(this.core, { type: 'signal-failed', to: id, reason: res.reason });
    });
    if (!sent) emit(this.core, { type: 'signal-failed', to: id, reason: 'no route' });
  }

  /** State for the DHT panel. */
  snapshot(now?: number): DhtSnapshot {
    const { table, store } = this.core;
    return {
      id: this.id,
      k: this.k,
      joined: this.upkeep.joined,
      buckets: table.buckets().map((b) => ({
        index: b.index,
        lastChanged: b.lastChanged,
        contacts: b.contacts.map((c) => ({
          id: c.id,
          lastSeen: c.lastSeen,
          failures: c.failures,
          connected: this.links.isLive(c.id),
          routeLength: this.transport.routeTo(c.id)?.length,
          route: this.transport.routeTo(c.id)?.slice(),
        })),
      })),
      connections: this.links.view(now ?? this.lastNow),
      lookups: this.runner.views(),
      store: store.counts,
      counters: { ...this.counters },
    };
  }

  // ---------------------------------------------------------------- plumbing

  /** Every input: note the time; the first one starts the maintenance tick. */
  private enter(now: number): void {
    this.lastNow = Math.max(this.lastNow, now);
    if (this.started) return;
    this.started = true;
    this.timers.set('maintenance', now + this.core.settings.maintenanceIntervalMs);
  }

  private requestLink(id: NodeId, now: number, pinned: boolean): void {
    this.links.request(id, now, pinned);
    this.timers.set('connect', this.links.pendingDeadline(id) as number, id);
    this.out.push({ type: 'connect', to: id });
  }

  /** The `connect` timer of `id` fired. */
  private connectTimedOut(id: NodeId, now: number): void {
    if (!this.links.expire(id, now)) return;
    this.rpcs.failThrough(id, 'connect timed out', now);
    this.upkeep.connectTimedOut(now);
  }

  private drop(from: NodeId, reason: string): void {
    this.counters.dropped++;
    emit(this.core, { type: 'message-dropped', from, reason });
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
    this.timers.clear('connect', id);
    this.rpcs.failThrough(id, 'link closed', now);
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
    for (const id of this.links.liveIds()) this.rpcs.query(id, 'ping', { ln: count }, now, () => {});
  }
}
