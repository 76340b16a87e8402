import { ErrorCode, TabswarmError } from '../errors.js';
import { MAX_REQUEST_LENGTH } from '../wire/wire-codec.js';
import { PieceCache } from './piece-cache.js';
import type { BlockRequest, PiecePicker } from './piece-picker.js';
import type { RateMeter } from './rate-meter.js';
import { recentMeter, requirePicker } from './swarm-core.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';

/** Peers whose channels hold our uploads at once, when the host reports `drained` (see pump). */
export const UPLOAD_FOCUS = 1;
/** Requests a peer may have queued with us (advertised as BEP 10 `reqq`); extra ones are dropped. */
export const MAX_QUEUED_REQUESTS = 256;
/** Bytes of queued requests per peer (requests may be up to 128 KiB each). */
export const MAX_QUEUED_REQUEST_BYTES = 4 * 1024 * 1024;
/**
 * Upload window: bytes we hand the host for one peer before it reports the channel drained
 * (`drained`). About UPLOAD_WINDOW_SECONDS of the rate measured to that peer, between
 * MIN_UPLOAD_WINDOW and UPLOAD_WINDOW. The channel is ordered, so our own requests, haves and
 * interest to that peer queue behind whatever blocks we handed over: a window of megabytes on a
 * slow uplink would hold them back for many seconds (and keep a choked peer fed long after the
 * choke). It also bounds what a request flood can pile up in the send buffer.
 */
export const UPLOAD_WINDOW_SECONDS = 0.5;
export const MIN_UPLOAD_WINDOW = 32 * 1024;
export const UPLOAD_WINDOW = 4 * 1024 * 1024;
/** Without a `drained` call, the upload window reopens after this long (hosts that do not report). */
export const UPLOAD_WINDOW_FALLBACK = 250;
/**
 * Once the host has reported `drained` for a peer it is trusted to keep doing so; a window still
 * full after this long is reopened anyway, so one lost report cannot stall a peer for good.
 */
export const DRAINED_TIMEOUT = 10_000;
/**
 * A peer we unchoke that has asked us for nothing in this long is idle (what it wants from us it
 * is fetching elsewhere): its upload slot is lent to another peer (see Choker).
 */
export const IDLE_SLOT_MS = 1_000;
/** Default bytes of whole pieces cached in memory for serving (at least two pieces). */
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

/** The upload scheduler's state of one peer. */
export interface PeerUpload {
  /** Short-window rate to the peer, which sizes its upload window. */
  readonly recent: RateMeter;
  /** The peer's requests to us, in arrival order. */
  incoming: BlockRequest[];
  incomingBytes: number;
  /** Bytes handed to the host since the channel was last reported drained. */
  inFlight: number;
  /** When we last unchoked the peer, got a request from it or sent it a block. */
  lastActivity: number;
  /** The choker has been told the peer went idle (see IDLE_SLOT_MS). */
  idleNoted: boolean;
  /** The piece we last sent the peer a block of (we finish it before starting another). */
  servingPiece: number;
  /** When the peer last began an upload turn (see pump), as a turn number. */
  turn: number;
  /** When its window filled up (the `window-reopen` timer runs from then). */
  blockedAt: number | undefined;
  /** The host has called `drained` for this peer (so the short fallback does not apply). */
  drainReported: boolean;
  /** Where the `idle-slot` timer is set (the table is touched only when it moves). */
  idleAt: number | undefined;
}

export function newPeerUpload(now: number): PeerUpload {
  return {
    recent: recentMeter(),
    incoming: [],
    incomingBytes: 0,
    inFlight: 0,
    lastActivity: now,
    idleNoted: false,
    servingPiece: -1,
    turn: 0,
    blockedAt: undefined,
    drainReported: false,
    idleAt: undefined,
  };
}

/** What the upload scheduler tells the other parts as it sends. */
export interface UploadHooks {
  /** A block of piece `index` went to `p` (initial seeding tracks what it revealed). */
  blockSent(p: SwarmPeer, index: number, length: number, now: number): void;
  /** After each block: a seed's turn may be over (the choker may choke `p` here). */
  afterBlock(p: SwarmPeer, now: number): void;
  /** We will not serve request `r` of `p` (BEP 6 rejects it). */
  declined(p: SwarmPeer, r: BlockRequest, now: number): void;
}

/**
 * What we send each peer and when: its queued requests, the upload window per channel, turns of
 * a piece among unchoked peers (pump, serve, turn order), idle slots (the `idle-slot` timer) and
 * the window reopening without a `drained` report (the `window-reopen` timer). Pieces are served
 * from a cache of whole pieces; one that is not cached is asked of the host with `read`.
 */
export class UploadScheduler {
  cache: PieceCache;
  /** Payload bytes uploaded per piece, to anyone (a seed serves the piece with the fewest whole copies sent first). */
  pieceUploads = new Float64Array(0);
  /** The host reports `drained`, so we know which channels still hold our data (see pump). */
  drainSeen = false;
  private readonly pendingReads = new Set<number>();
  /** Upload turns handed out so far (see pump). */
  private turns = 0;

  constructor(
    private readonly core: SwarmCore,
    private readonly hooks: UploadHooks,
    private readonly cacheBytes: number | undefined,
  ) {
    this.cache = new PieceCache(DEFAULT_CACHE_BYTES);
  }

  /** The torrent is known: size the cache and the per-piece counts. */
  setPieces(pieceCount: number, pieceLength: number): void {
    this.pieceUploads = new Float64Array(pieceCount);
    this.cache = new PieceCache(this.cacheBytes ?? Math.max(DEFAULT_CACHE_BYTES, 2 * pieceLength));
  }

  /** A `request` from `p`: checked, then queued unless we choke it or lack the piece. */
  onRequest(p: SwarmPeer, r: BlockRequest, now: number): void {
    const picker = requirePicker(this.core.picker, 'request');
    if (r.index >= picker.pieceCount || r.length === 0 || r.length > MAX_REQUEST_LENGTH) {
      throw new TabswarmError(ErrorCode.ProtocolViolation, `bad request ${r.index}:${r.begin}+${r.length}`);
    }
    if (r.begin + r.length > picker.pieceSize(r.index)) {
      throw new TabswarmError(ErrorCode.ProtocolViolation, `request past the end of piece ${r.index}`);
    }
    const u = p.upload;
    // Requests while choked (a race with our choke), for pieces we lack, or over the queue's
    // caps are dropped (and rejected, with BEP 6). We allow no piece fast.
    if (
      p.wire.amChoking ||
      !picker.has(r.index) ||
      u.incoming.length >= MAX_QUEUED_REQUESTS ||
      u.incomingBytes + r.length > MAX_QUEUED_REQUEST_BYTES
    ) {
      this.hooks.declined(p, r, now);
      return;
    }
    u.incoming.push({ index: r.index, begin: r.begin, length: r.length });
    u.incomingBytes += r.length;
    this.activity(p, now);
  }

  /** The host answered the `read` of piece `index`. */
  readDone(index: number): void {
    this.pendingReads.delete(index);
  }

  /** The host reported `p`'s channel drained. */
  drained(p: SwarmPeer, now: number): void {
    // The `window-reopen` timer is set exactly while the window is full.
    if (p.upload.blockedAt !== undefined) this.core.timers.clear('window-reopen', p.key);
    p.upload.inFlight = 0;
    p.upload.blockedAt = undefined;
    p.upload.drainReported = true;
    this.drainSeen = true;
    this.pump(now);
  }

  /** The `window-reopen` timer: no `drained` report came in time; the window opens anyway. */
  onWindowTimer(p: SwarmPeer, now: number): void {
    if (p.upload.blockedAt === undefined || now < windowReopensAt(p)) return;
    p.upload.inFlight = 0;
    p.upload.blockedAt = undefined;
    this.pump(now);
  }

  /** The `idle-slot` timer: returns true if `p` went idle (the choker should lend its slot). */
  onIdleTimer(p: SwarmPeer, now: number): boolean {
    p.upload.idleAt = undefined;
    if (!this.idleDue(p) || now < p.upload.lastActivity + IDLE_SLOT_MS) return false;
    p.upload.idleNoted = true;
    this.syncIdle(p);
    return true;
  }

  /** We unchoked `p`. */
  unchoked(p: SwarmPeer, now: number): void {
    this.activity(p, now);
  }

  /** We choked `p`: its queue is dropped (BEP 3), each request rejected (BEP 6). */
  choked(p: SwarmPeer, now: number): void {
    const dropped = p.upload.incoming;
    p.upload.incoming = [];
    p.upload.incomingBytes = 0;
    for (const r of dropped) this.hooks.declined(p, r, now);
    this.syncIdle(p);
  }

  /**
   * Drops `p`'s queued requests that `match`: a cancel's (no answer), or, with `now`, ones we
   * can no longer serve (each is declined).
   */
  dropIncoming(p: SwarmPeer, match: (r: BlockRequest) => boolean, now?: number): void {
    const u = p.upload;
    const kept = u.incoming.filter((r) => !match(r));
    if (kept.length === u.incoming.length) return;
    if (now !== undefined) for (const r of u.incoming) if (match(r)) this.hooks.declined(p, r, now);
    u.incoming = kept;
    u.incomingBytes = kept.reduce((sum, r) => sum + r.length, 0);
    this.syncIdle(p);
  }

  /** We unchoke `p`, and it has asked for nothing for IDLE_SLOT_MS. */
  isIdle(p: SwarmPeer, now: number): boolean {
    return !p.wire.amChoking && p.upload.incoming.length === 0 && now - p.upload.lastActivity >= IDLE_SLOT_MS;
  }

  /** Another peer has our data in its channel, or requests we will serve. */
  busyBesides(p: SwarmPeer): boolean {
    for (const o of this.core.peers.values()) {
      if (o !== p && (o.upload.inFlight > 0 || (o.upload.incoming.length > 0 && !o.wire.amChoking)))
        return true;
    }
    return false;
  }

  /**
   * `p` does not reciprocate: as a leecher, it has had a piece from us and never unchoked us
   * nor sent us a byte; as a seed that was a leecher, it never sent us anything while others did.
   */
  stingy(p: SwarmPeer): boolean {
    if (this.core.seeding) return this.core.down.total > 0 && p.down.total === 0;
    return this.ungrateful(p);
  }

  ungrateful(p: SwarmPeer): boolean {
    return (
      p.up.total >= (this.core.info?.pieceLength ?? Infinity) &&
      p.down.total === 0 &&
      !p.download.everUnchokedUs
    );
  }

  /**
   * Hands queued blocks to the host. With a host that reports `drained`, only UPLOAD_FOCUS peers
   * at a time have our data in their channel: the uplink is not split across every unchoked peer
   * at once but serves them in turns of one piece, so each piece reaches its peer whole in a
   * fraction of the time and can be passed on sooner (a piece has to arrive and verify before it
   * can be forwarded). Who is unchoked is the choker's business; who goes next among those
   * waiting is {@link turnOrder}. Without `drained` reports every unchoked peer is served at once.
   */
  pump(now: number): void {
    const peers = this.core.peers;
    if (!this.drainSeen) {
      for (const p of peers.values()) this.serve(p, now);
      return;
    }
    let active = 0;
    for (const p of peers.values()) {
      if (p.upload.inFlight <= 0) continue;
      active++;
      // Its channel still holds data: it may be topped up to its window, within its piece.
      this.serve(p, now);
    }
    const tried = new Set<SwarmPeer>();
    while (active < UPLOAD_FOCUS) {
      let next: SwarmPeer | undefined;
      for (const p of peers.values()) {
        const u = p.upload;
        if (u.inFlight > 0 || u.incoming.length === 0 || p.wire.amChoking || tried.has(p)) continue;
        if (next === undefined || this.turnOrder(p, next) < 0) next = p;
      }
      if (next === undefined) return;
      tried.add(next);
      if (!midPiece(next)) next.upload.turn = ++this.turns;
      this.serve(next, now);
      if (next.upload.inFlight > 0) active++;
    }
  }

  /** Sends queued blocks to `p` whose pieces are cached; asks the host to read the first one that is not. */
  private serve(p: SwarmPeer, now: number): void {
    const u = p.upload;
    const window = this.uploadWindow(p, now);
    while (u.incoming.length > 0 && !p.wire.amChoking) {
      if (u.inFlight >= window) {
        if (u.blockedAt === undefined) {
          u.blockedAt = now;
          this.core.timers.set('window-reopen', windowReopensAt(p), p.key);
        }
        return;
      }
      const at = this.nextToServe(p);
      const r = u.incoming[at] as BlockRequest;
      // Taking turns (see pump): a turn is one piece, if another peer waits for one.
      if (this.drainSeen && u.inFlight > 0 && r.index !== u.servingPiece && this.waitingBesides(p)) return;
      const data = this.cache.get(r.index);
      if (!data) {
        if (!this.pendingReads.has(r.index)) {
          this.pendingReads.add(r.index);
          this.core.output({ type: 'read', index: r.index });
        }
        return;
      }
      if (at === 0) u.incoming.shift();
      else u.incoming.splice(at, 1);
      u.incomingBytes -= r.length;
      this.core.send(
        p,
        { type: 'piece', index: r.index, begin: r.begin, block: data.subarray(r.begin, r.begin + r.length) },
        now,
      );
      u.servingPiece = r.index;
      this.hooks.blockSent(p, r.index, r.length, now);
      u.inFlight += r.length;
      this.activity(p, now);
      p.up.add(r.length, now);
      u.recent.add(r.length, now);
      this.core.up.add(r.length, now);
      this.pieceUploads[r.index] = (this.pieceUploads[r.index] ?? 0) + r.length;
      // This may choke `p` (clearing its queue), which ends this loop.
      this.hooks.afterBlock(p, now);
    }
  }

  /**
   * Which of `p`'s queued requests to serve next. Both finish the piece they are sending `p`
   * first (a turn is a piece, see pump); then a leecher serves in order, and a seed takes the
   * piece it has uploaded least (to anyone), in whole copies, in the order asked among equals:
   * early on, when a handful of peers ask it for overlapping pieces before any `have` has spread,
   * the swarm gets each piece once before it gets any twice, so a seed that leaves after about
   * one copy has not stranded it. (Counted in bytes, a piece half sent would wait behind every
   * fresh one asked for after it: a player waiting for it would stall.)
   */
  private nextToServe(p: SwarmPeer): number {
    const u = p.upload;
    if (u.incoming.length < 2) return 0;
    if (!this.core.seeding) {
      const same = u.incoming.findIndex((r) => r.index === u.servingPiece);
      return same < 0 ? 0 : same;
    }
    const picker = this.core.picker as PiecePicker;
    let best = 0;
    let least = Infinity;
    for (let i = 0; i < u.incoming.length; i++) {
      const index = (u.incoming[i] as BlockRequest).index;
      if (index === u.servingPiece) return i;
      const uploaded = Math.floor((this.pieceUploads[index] ?? 0) / picker.pieceSize(index));
      if (uploaded < least) {
        least = uploaded;
        best = i;
      }
    }
    return best;
  }

  /**
   * Which of two waiting peers gets the next upload turn (negative: `a`). A peer in the middle
   * of a piece finishes it; peers that do not reciprocate come last; then the peer furthest
   * behind (fewest pieces) goes first, so the swarm progresses evenly and the slowest peers do
   * not end up with all the work left at the end. A seed that never downloaded cannot tell who
   * reciprocates, so it gives the peer it sent least to first (an equal share by bytes: a free
   * rider, always furthest behind, would otherwise take every turn). Ties: longest waiting.
   */
  private turnOrder(a: SwarmPeer, b: SwarmPeer): number {
    return (
      midPiece(b) - midPiece(a) ||
      Number(this.stingy(a)) - Number(this.stingy(b)) ||
      (this.core.down.total === 0 && this.core.seeding
        ? a.up.total - b.up.total
        : a.wire.peerPieces.count - b.wire.peerPieces.count) ||
      a.upload.turn - b.upload.turn
    );
  }

  /** Another unchoked peer has requests queued and none of our data in its channel. */
  private waitingBesides(p: SwarmPeer): boolean {
    for (const o of this.core.peers.values()) {
      if (o !== p && o.upload.inFlight <= 0 && o.upload.incoming.length > 0 && !o.wire.amChoking) return true;
    }
    return false;
  }

  /** Bytes `p` may have handed to the host before the channel must drain: ~0.5 s of its upload rate. */
  private uploadWindow(p: SwarmPeer, now: number): number {
    const byRate = p.upload.recent.rate(now) * UPLOAD_WINDOW_SECONDS;
    return Math.min(UPLOAD_WINDOW, Math.max(MIN_UPLOAD_WINDOW, byRate));
  }

  /** `p` asked us for something, or we sent it something: it is not idle. */
  private activity(p: SwarmPeer, now: number): void {
    p.upload.lastActivity = now;
    p.upload.idleNoted = false;
    this.syncIdle(p);
  }

  /** `p` is unchoked with nothing queued, and the choker does not know yet whether it is idle. */
  private idleDue(p: SwarmPeer): boolean {
    return !p.upload.idleNoted && !p.wire.amChoking && p.upload.incoming.length === 0;
  }

  /** The `idle-slot` timer runs while the peer may go idle, from its last activity. */
  private syncIdle(p: SwarmPeer): void {
    const u = p.upload;
    const at = this.idleDue(p) ? u.lastActivity + IDLE_SLOT_MS : undefined;
    if (at === u.idleAt) return;
    u.idleAt = at;
    if (at === undefined) this.core.timers.clear('idle-slot', p.key);
    else this.core.timers.set('idle-slot', at, p.key);
  }
}

/** 1 if `p` asked for more of the piece we were sending it (its turn is not over), else 0. */
function midPiece(p: SwarmPeer): number {
  const u = p.upload;
  return u.servingPiece >= 0 && u.incoming.some((r) => r.index === u.servingPiece) ? 1 : 0;
}

/** When a full upload window reopens without a `drained` report. */
function windowReopensAt(p: SwarmPeer): number {
  return (p.upload.blockedAt as number) + (p.upload.drainReported ? DRAINED_TIMEOUT : UPLOAD_WINDOW_FALLBACK);
}
