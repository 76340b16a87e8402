import type { Random } from '../shared/random.js';
import {
  binaryToHex,
  checkWtRequest,
  type WtAnnounceRequest,
  type WtScrapeRequest,
} from '../shared/webtorrent/tracker-messages.js';
import { SignalFanout } from './signal-fanout.js';
import { Tracker } from './tracker.js';

/** Re-announce interval the tracker tells clients, in seconds (bittorrent-tracker's WebSocket default). */
export const WT_ANNOUNCE_INTERVAL_S = 120;
/** A relayed offer may be answered for this long (WebTorrent gives up on its offers after 50 s). */
export const WT_OFFER_TTL_MS = 50_000;
/** Relayed offers awaiting an answer, server-wide; the oldest is forgotten past this. */
export const MAX_PENDING_OFFERS = 20_000;
/**
 * Peer ids one socket may announce with. WebTorrent shares one socket per tracker URL between
 * every client of a page, each with its own id; a tab uses one.
 */
export const MAX_WT_IDS_PER_SOCKET = 8;
/** Members drawn for a tab's offers before the other tabs among them are left out. */
const TAB_OFFER_CANDIDATES = 50;

/** What the WebTorrent tracker needs from the hub. */
export interface WtTrackerDeps<S> {
  /** Sends one JSON message on a socket. */
  send: (socket: S, message: Record<string, unknown>) => void;
  /** Bytes the socket has not read yet: a socket that does not read gets no more offers. */
  buffered: (socket: S) => number;
  /** The socket's client address (per-address caps). */
  address: (socket: S) => string;
  /** Whether a tab holds this peer id (hex) on the server's own protocol. */
  isTab: (peerId: string) => boolean;
  random: Random;
  maxSwarmsPerPeer: number;
  maxSwarmsPerAddress: number;
  maxSignalTargets: number;
  signalTargetWindowMs: number;
  maxBufferedBytes: number;
}

interface SocketState {
  ids: Set<string>;
  fanout: SignalFanout;
}

interface PendingOffer {
  offerer: string;
  infoHash: string;
  expiresAt: number;
}

/**
 * The WebSocket tracker protocol of bittorrent-tracker (what WebTorrent clients speak), served on
 * the signaling endpoint beside tabswarm's own protocol: swarms of peer ids, offers relayed to
 * random members, answers relayed back to the offerer (only for an offer this server relayed and
 * that has not expired), scrape, and `failure reason` for anything it refuses. Ids are hex
 * inside, binary strings on the wire. One instance per server; sockets are the hub's sessions.
 */
export class WtTracker<S> {
  private readonly tracker: Tracker;
  private readonly peers = new Map<string, S>();
  private readonly sockets = new Map<S, SocketState>();
  /** `${answerer}:${offerId}` -> the offer relayed to answerer; insertion order is expiry order. */
  private readonly pending = new Map<string, PendingOffer>();
  /** Offers relayed and answers relayed, for /stats. */
  readonly counters = { offersRelayed: 0, answersRelayed: 0, failures: 0 };

  constructor(private readonly deps: WtTrackerDeps<S>) {
    this.tracker = new Tracker({
      maxSwarmsPerPeer: deps.maxSwarmsPerPeer,
      maxSwarmsPerOwner: deps.maxSwarmsPerAddress,
      random: deps.random,
    });
  }

  /** Peer ids announced over this protocol. */
  get peerCount(): number {
    return this.peers.size;
  }

  /** Swarms with at least one such peer. */
  get swarmCount(): number {
    return this.tracker.swarmCount;
  }

  /** Handles one decoded message (an object with `action`); true if it was accepted. */
  handle(socket: S, value: Record<string, unknown>, now: number): boolean {
    const checked = checkWtRequest(value);
    if (!checked.ok) {
      this.fail(socket, checked.reason, checked.infoHash, value.action);
      return false;
    }
    const m = checked.message;
    return m.action === 'announce' ? this.announce(socket, m, now) : this.scrape(socket, m);
  }

  /** Sends `failure reason` (with `action` and `info_hash` when known, so the client can match it). */
  fail(socket: S, reason: string, infoHash?: string, action?: unknown): void {
    this.counters.failures++;
    const out: Record<string, unknown> = { 'failure reason': reason };
    if (infoHash !== undefined && (action === 'announce' || action === 'scrape')) {
      out.action = action;
      out.info_hash = infoHash;
    }
    this.deps.send(socket, out);
  }

  /** The socket closed: its peers leave every swarm. */
  forget(socket: S): void {
    const state = this.sockets.get(socket);
    if (state === undefined) return;
    this.sockets.delete(socket);
    for (const id of state.ids) {
      this.tracker.removePeer(id);
      this.peers.delete(id);
    }
  }

  private announce(socket: S, m: WtAnnounceRequest, now: number): boolean {
    const peerId = binaryToHex(m.peer_id);
    const infoHash = binaryToHex(m.info_hash);
    const state = this.claim(socket, peerId);
    if (typeof state === 'string') {
      this.fail(socket, state, m.info_hash, 'announce');
      return false;
    }
    const seeder = m.left === 0 || m.left === '0';
    const event = m.event === 'stopped' ? 'stopped' : seeder ? 'completed' : 'started';
    const offers = m.offers ?? [];
    // Tabs link to each other through tabswarm's own signaling (with a DHT channel): a tab's
    // offers here are for the WebTorrent peers of the swarm only.
    const fromTab = offers.length > 0 && this.deps.isTab(peerId);
    const numWant = fromTab ? TAB_OFFER_CANDIDATES : offers.length;
    const result = this.tracker.announce(peerId, infoHash, event, numWant, this.deps.address(socket));
    if (!result.ok) {
      this.fail(socket, result.reason, m.info_hash, 'announce');
      return false;
    }
    if (m.answer !== undefined) {
      // Answers get no reply (as bittorrent-tracker): the offerer's connection is the reply.
      this.relayAnswer(peerId, infoHash, m, now);
      return true;
    }
    // A tab is told only of the members its offers can reach (itself included, as in any reply):
    // it makes as many offers as there are others, each an RTCPeerConnection.
    const isTab = this.deps.isTab(peerId);
    const counts = isTab
      ? this.tracker.countsWhere(infoHash, (id) => id === peerId || !this.deps.isTab(id))
      : result;
    this.deps.send(socket, {
      action: 'announce',
      interval: WT_ANNOUNCE_INTERVAL_S,
      info_hash: m.info_hash,
      complete: counts.complete,
      incomplete: counts.incomplete,
    });
    const targets = fromTab ? result.peers.filter((id) => !this.deps.isTab(id)) : result.peers;
    targets.slice(0, offers.length).forEach((to, i) => {
      const entry = offers[i];
      const target = this.peers.get(to);
      if (entry === undefined || target === undefined) return;
      if (!state.fanout.allow(to, now) || this.deps.buffered(target) > this.deps.maxBufferedBytes) return;
      this.remember(
        `${to}:${binaryToHex(entry.offer_id)}`,
        { offerer: peerId, infoHash, expiresAt: now + WT_OFFER_TTL_MS },
        now,
      );
      this.deps.send(target, {
        action: 'announce',
        offer: entry.offer,
        offer_id: entry.offer_id,
        peer_id: m.peer_id,
        info_hash: m.info_hash,
      });
      this.counters.offersRelayed++;
    });
    return true;
  }

  /** The socket's state with `peerId` claimed, or why it may not use that id. */
  private claim(socket: S, peerId: string): SocketState | string {
    const holder = this.peers.get(peerId);
    if (holder !== undefined && holder !== socket) return 'peer_id is in use on another connection';
    let state = this.sockets.get(socket);
    if (state === undefined) {
      state = {
        ids: new Set(),
        fanout: new SignalFanout({
          maxTargets: this.deps.maxSignalTargets,
          windowMs: this.deps.signalTargetWindowMs,
        }),
      };
      this.sockets.set(socket, state);
    }
    if (!state.ids.has(peerId)) {
      if (state.ids.size >= MAX_WT_IDS_PER_SOCKET)
        return `at most ${MAX_WT_IDS_PER_SOCKET} peer ids per connection`;
      state.ids.add(peerId);
      this.peers.set(peerId, socket);
    }
    return state;
  }

  private relayAnswer(from: string, infoHash: string, m: WtAnnounceRequest, now: number): void {
    const key = `${from}:${binaryToHex(m.offer_id as string)}`;
    const offer = this.pending.get(key);
    const to = binaryToHex(m.to_peer_id as string);
    // Only an answer to an offer this server relayed to `from`, unexpired: nobody else can be
    // sent an answer it did not ask for.
    if (offer === undefined || offer.expiresAt <= now || offer.offerer !== to || offer.infoHash !== infoHash)
      return;
    this.pending.delete(key);
    const target = this.peers.get(to);
    if (target === undefined) return;
    this.deps.send(target, {
      action: 'announce',
      answer: m.answer,
      offer_id: m.offer_id,
      peer_id: m.peer_id,
      info_hash: m.info_hash,
    });
    this.counters.answersRelayed++;
  }

  private remember(key: string, offer: PendingOffer, now: number): void {
    for (const [k, p] of this.pending) {
      if (p.expiresAt > now && this.pending.size < MAX_PENDING_OFFERS) break;
      this.pending.delete(k);
    }
    this.pending.delete(key);
    this.pending.set(key, offer);
  }

  private scrape(socket: S, m: WtScrapeRequest): boolean {
    const hashes = m.info_hash === undefined ? [] : Array.isArray(m.info_hash) ? m.info_hash : [m.info_hash];
    const files: Record<string, { complete: number; incomplete: number; downloaded: number }> = {};
    for (const bin of hashes) files[bin] = { ...this.tracker.counts(binaryToHex(bin)), downloaded: 0 };
    this.deps.send(socket, {
      action: 'scrape',
      files,
      flags: { min_request_interval: WT_ANNOUNCE_INTERVAL_S },
    });
    return true;
  }
}
