import { BLOCK_SIZE } from '../wire/wire-codec.js';
import type { UrgentPlan } from './deadline-window.js';
import type { BlockRequest, PiecePicker } from './piece-picker.js';
import type { RateMeter } from './rate-meter.js';
import { recentMeter } from './swarm-core.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';

/**
 * Outstanding block requests per peer (slow start, as TCP and libtorrent do): a new peer is asked
 * for INITIAL_PIPELINE blocks; every block it delivers while in slow start opens one more slot
 * (the pipeline doubles per round trip) until the requests cover PIPELINE_SECONDS of the rate
 * measured from it twice over; from then on they track that rate. Never fewer than MIN_PIPELINE,
 * never more than MAX_PIPELINE or the peer's `reqq`. Few requests early keep a fresh peer from
 * claiming pieces before any `have` has arrived; a fast channel between tabs (30+ MB/s) still
 * reaches the 4 MiB cap within a few round trips.
 */
export const INITIAL_PIPELINE = 4;
export const MIN_PIPELINE = 4;
export const MAX_PIPELINE = 256;
export const PIPELINE_SECONDS = 1.5;
/** A peer with nothing new to fetch takes over blocks another would deliver this many times later. */
export const BUSY_SPEEDUP = 2;
/** Rate assumed for a peer that has not delivered anything yet (a slow uplink shared by a few). */
export const UNMEASURED_RATE = 32 * 1024;
/** A holder has likely sent its oldest requests already: about this long of its rate stays with it. */
export const TAKEOVER_SENT_SECONDS = 0.75;
/** A peer that unchokes us and sends no block we asked for in this long is snubbed. */
export const SNUB_TIMEOUT = 60_000;
/** Block ids pack (piece, block) as piece * 1024 + block; 16 MiB pieces have 1024 blocks. */
const BLOCKS_PER_PIECE_ID = 1024;
/**
 * Requests we withdrew from a peer (cancelled, taken over, released) that are remembered, so a
 * BEP 6 reject that crossed our cancel on the wire is not taken for a reject of a block never
 * asked for. A pipeline's worth twice over.
 */
export const WITHDRAWN_REMEMBERED = 2 * MAX_PIPELINE;
/**
 * A piece the peer rejected while unchoking us is asked of it again after this long (or when it
 * unchokes us anew): a store that failed once may serve later, and asking at once would loop.
 */
export const REJECTED_RETRY_MS = 10_000;
/** Allowed-fast pieces kept per peer (BEP 6; bittorrent-protocol keeps as many). */
export const MAX_ALLOWED_FAST = 100;

/** The download pipeline's state of one peer. */
export interface PeerDownload {
  /** Short-window rate from the peer, which sizes the pipeline. */
  readonly recent: RateMeter;
  /** Slow start: the pipeline grows by one block per block delivered until it covers the rate. */
  slowStart: boolean;
  window: number;
  /** Our requests to the peer, by block id. */
  readonly outstanding: Map<number, BlockRequest>;
  /** Pieces the peer has that we lack. */
  wantCount: number;
  /** Last block received, or when requests started going unanswered. */
  lastProgress: number;
  snubbed: boolean;
  /** The peer has unchoked us at some point. */
  everUnchokedUs: boolean;
  /** Where the `snub` timer is set (the table is touched only when it moves). */
  snubAt: number | undefined;
  /** Block ids of requests we withdrew lately, oldest first (see WITHDRAWN_REMEMBERED). */
  readonly withdrawn: Set<number>;
  /** BEP 6: pieces the peer serves us while it chokes us (allowed fast). */
  readonly allowedFast: Set<number>;
  /** BEP 6: pieces the peer rejected a request for while it unchoked us, and when (see REJECTED_RETRY_MS). */
  readonly rejected: Map<number, number>;
}

export function newPeerDownload(now: number): PeerDownload {
  return {
    recent: recentMeter(),
    slowStart: true,
    window: INITIAL_PIPELINE,
    outstanding: new Map(),
    wantCount: 0,
    lastProgress: now,
    snubbed: false,
    everUnchokedUs: false,
    snubAt: undefined,
    withdrawn: new Set(),
    allowedFast: new Set(),
    rejected: new Map(),
  };
}

/** A block arrived: what became of it. */
export type BlockOutcome = { kept: false } | { kept: true; pieceComplete: boolean };

/**
 * What we ask each peer for: interest, the request pipeline (slow start, then sized by rate),
 * refills, take-over of blocks a slow peer sits on, endgame cancels, and snubbing (the `snub`
 * timer: a peer that unchokes us and delivers nothing for SNUB_TIMEOUT keeps one request).
 */
export class DownloadPipeline {
  /** The pieces a player needs next, fetched first (set by Playback; none by default). */
  urgent: (now: number) => UrgentPlan | undefined = () => undefined;

  constructor(
    private readonly core: SwarmCore,
    private readonly fixedPipeline: number | undefined,
  ) {}

  /** Adds a peer's announced pieces to availability and to its want count. */
  countPeerPieces(p: SwarmPeer, now: number): void {
    const picker = this.core.picker as PiecePicker;
    p.download.wantCount = 0;
    for (const i of p.wire.peerPieces.indices()) {
      picker.addAvailability(i);
      if (picker.wants(i)) p.download.wantCount++;
    }
    this.updateInterest(p, now);
  }

  /** The peer announced piece `index` (a `have` that is news). */
  peerHas(p: SwarmPeer, index: number, now: number): void {
    const picker = this.core.picker as PiecePicker;
    picker.addAvailability(index);
    if (picker.wants(index)) {
      p.download.wantCount++;
      this.updateInterest(p, now);
    }
  }

  /**
   * The peer no longer has piece `index` (it said so): availability and interest drop, and our
   * requests for it go back to the picker (it would not answer them).
   */
  peerLost(p: SwarmPeer, index: number, now: number): void {
    if (!p.wire.peerPieces.clear(index)) return;
    const picker = this.core.picker;
    if (!picker) return;
    picker.removeAvailability(index);
    if (picker.wants(index)) {
      p.download.wantCount--;
      this.updateInterest(p, now);
    }
    for (const [id, r] of p.download.outstanding) {
      if (r.index !== index) continue;
      picker.release(r.index, r.begin, p.key);
      p.download.outstanding.delete(id);
      withdraw(p.download, id);
    }
    this.syncSnub(p);
  }

  /** What we want changed (a choice of files): counts again what `p` has that we want. */
  recountWants(p: SwarmPeer, now: number): void {
    const picker = this.core.picker as PiecePicker;
    p.download.wantCount = 0;
    for (const i of p.wire.peerPieces.indices()) if (picker.wants(i)) p.download.wantCount++;
    this.updateInterest(p, now);
  }

  /** We now want (`+1`) or no longer want (`-1`) a piece `p` has. */
  wantChanged(p: SwarmPeer, delta: 1 | -1, now: number): void {
    p.download.wantCount += delta;
    this.updateInterest(p, now);
  }

  updateInterest(p: SwarmPeer, now: number): void {
    const want = p.download.wantCount > 0;
    if (want !== p.wire.amInterested && p.wire.open)
      this.core.send(p, { type: want ? 'interested' : 'not-interested' }, now);
  }

  /** The peer unchoked us. */
  unchoked(p: SwarmPeer, now: number): void {
    p.download.lastProgress = now;
    p.download.everUnchokedUs = true;
    p.download.rejected.clear();
    this.syncSnub(p);
  }

  /**
   * BEP 6: the peer rejected our request for a block. Returns false if we never asked it for
   * that block (nor withdrew such a request lately): a protocol violation for the caller.
   * The block goes back to the picker; a piece rejected while the peer unchokes us is not
   * asked of it again for REJECTED_RETRY_MS or until it unchokes us anew (no request-reject loop).
   */
  rejected(p: SwarmPeer, index: number, begin: number, length: number, now: number): boolean {
    const picker = this.core.picker;
    const d = p.download;
    if (!picker || begin % picker.blockSize !== 0) return false;
    const id = blockId(index, begin / picker.blockSize);
    const r = d.outstanding.get(id);
    if (!r) return d.withdrawn.delete(id);
    if (r.index !== index || r.begin !== begin || r.length !== length) return false;
    d.outstanding.delete(id);
    picker.release(index, begin, p.key);
    if (!p.wire.peerChoking) d.rejected.set(index, now);
    this.syncSnub(p);
    return true;
  }

  /** BEP 6: the peer will serve piece `index` even while it chokes us. */
  allowedFast(p: SwarmPeer, index: number): void {
    const allowed = p.download.allowedFast;
    allowed.add(index);
    if (allowed.size > MAX_ALLOWED_FAST) allowed.delete(allowed.values().next().value as number);
  }

  /**
   * A block from `p`: bookkeeping of the request, the rate and slow start, endgame cancels to
   * others. Returns whether the picker kept it, and whether that completed the piece.
   */
  received(p: SwarmPeer, index: number, begin: number, length: number, now: number): BlockOutcome {
    const core = this.core;
    const picker = core.picker as PiecePicker;
    const d = p.download;
    const id = blockId(index, begin / picker.blockSize);
    const requested = d.outstanding.delete(id);
    // A block we no longer asked this peer for (it was already on its way when the peer choked
    // us, or when we cancelled) is still kept if the piece still lacks it; anything else is waste.
    if (!requested && !picker.acceptsLate(index, begin, length, p.key)) {
      core.wasted += length;
      return { kept: false };
    }
    p.down.add(length, now);
    d.recent.add(length, now);
    core.down.add(length, now);
    if (requested) {
      d.lastProgress = now;
      d.snubbed = false;
      this.growPipeline(p, now);
    }
    this.syncSnub(p);
    const result = picker.received(index, begin, length, p.key);
    if (!result.accepted) {
      core.wasted += length;
      return { kept: false };
    }
    for (const key of result.cancel) {
      const other = core.peers.get(key);
      if (other?.download.outstanding.delete(id)) {
        withdraw(other.download, id);
        core.send(other, { type: 'cancel', index, begin, length }, now);
        this.syncSnub(other);
      }
    }
    return { kept: true, pieceComplete: result.pieceComplete };
  }

  /**
   * Tops up requests to `p` if it has something we want and unchokes us, or chokes us but
   * (BEP 6) allows some of those pieces fast.
   */
  refill(p: SwarmPeer, now: number): void {
    const picker = this.core.picker;
    const d = p.download;
    if (!picker || !p.wire.open || !p.wire.amInterested) return;
    const choked = p.wire.peerChoking;
    if (choked && (d.allowedFast.size === 0 || !p.wire.fast)) return;
    const target = this.pipeline(p, now);
    const free = target - d.outstanding.size;
    // Batch: picking scans pieces, so wait for a few free slots (a quarter of a short pipeline).
    if (free <= 0 || (free < Math.min(8, Math.ceil(target / 4)) && d.outstanding.size > 0)) return;
    for (const [i, at] of d.rejected) if (now >= at + REJECTED_RETRY_MS) d.rejected.delete(i);
    const has = (i: number): boolean =>
      p.wire.peerPieces.has(i) && !d.rejected.has(i) && (!choked || d.allowedFast.has(i));
    const fromSeed = !choked && d.rejected.size === 0 && p.wire.peerPieces.count === picker.pieceCount;
    const idle = d.outstanding.size === 0;
    // A piece a player needs that nobody announced is asked of a BEP 6 peer unchoking us: a seed
    // hiding it for initial seeding serves it, any other rejects it at once.
    const mayHave = p.wire.fast && !choked ? (i: number): boolean => !d.rejected.has(i) : undefined;
    const picked = picker.pick(p.key, has, free, fromSeed, this.urgent(now), mayHave);
    for (const r of picked) {
      d.outstanding.set(blockId(r.index, r.begin / picker.blockSize), r);
      this.core.send(p, { type: 'request', ...r }, now);
    }
    if (picked.length < free && !d.snubbed && !picker.endgame && !choked)
      this.takeOver(p, free - picked.length, now);
    if (idle && d.outstanding.size > 0) d.lastProgress = now;
    this.syncSnub(p);
  }

  refillAll(now: number): void {
    for (const p of this.core.peers.values()) this.refill(p, now);
  }

  /**
   * Withdraws every request, to every peer, for a piece `drop` says (a seek: the player needs
   * other pieces first); each is cancelled at its peer and goes back to the picker.
   */
  withdraw(drop: (index: number) => boolean, now: number): void {
    const picker = this.core.picker;
    if (!picker) return;
    for (const p of this.core.peers.values()) {
      const d = p.download;
      for (const [id, r] of d.outstanding) {
        if (!drop(r.index)) continue;
        picker.release(r.index, r.begin, p.key);
        d.outstanding.delete(id);
        withdraw(d, id);
        this.core.send(p, { type: 'cancel', index: r.index, begin: r.begin, length: r.length }, now);
      }
      this.syncSnub(p);
    }
  }

  /** Returns every outstanding request of `p` to the picker. */
  releaseOutstanding(p: SwarmPeer): void {
    const picker = this.core.picker;
    const d = p.download;
    if (picker) for (const r of d.outstanding.values()) picker.release(r.index, r.begin, p.key);
    for (const id of d.outstanding.keys()) withdraw(d, id);
    d.outstanding.clear();
    this.syncSnub(p);
  }

  /**
   * The peer choked us. BEP 3: that discards every request. BEP 6 (Fast on): it does not; the
   * peer rejects each one it will not serve, and serves the rest (allowed-fast pieces).
   */
  choked(p: SwarmPeer): void {
    if (!p.wire.fast) this.releaseOutstanding(p);
  }

  /**
   * The `snub` timer: hand its blocks to others; it keeps one request at a time until it
   * delivers. A probe that goes unanswered too is asked again (the peer may have dropped it:
   * it lost the piece).
   */
  onSnubTimer(p: SwarmPeer, now: number): void {
    const d = p.download;
    d.snubAt = undefined;
    if (d.outstanding.size === 0 || now < d.lastProgress + SNUB_TIMEOUT) return;
    d.snubbed = true;
    d.lastProgress = now;
    this.releaseOutstanding(p);
  }

  /** Blocks to keep outstanding with `p`: slow start, then about PIPELINE_SECONDS of its rate. */
  private pipeline(p: SwarmPeer, now: number): number {
    const d = p.download;
    if (d.snubbed) return 1;
    let target = this.fixedPipeline;
    if (target === undefined) {
      const byRate = Math.ceil((d.recent.rate(now) * PIPELINE_SECONDS) / BLOCK_SIZE);
      target = Math.min(MAX_PIPELINE, Math.max(MIN_PIPELINE, byRate, d.slowStart ? d.window : 0));
    }
    const reqq = p.wire.extensions?.reqq;
    return reqq !== undefined ? Math.max(1, Math.min(target, reqq)) : target;
  }

  /** A requested block arrived from `p`: slow start opens one more slot, until the rate is covered. */
  private growPipeline(p: SwarmPeer, now: number): void {
    const d = p.download;
    if (!d.slowStart) return;
    const byRate = (d.recent.rate(now) * PIPELINE_SECONDS) / BLOCK_SIZE;
    if (d.window >= MAX_PIPELINE || d.window > 2 * Math.max(MIN_PIPELINE, byRate)) d.slowStart = false;
    else d.window++;
  }

  /**
   * `p` has free request slots and nothing new to fetch: it takes over up to `max` blocks from
   * peers that would deliver them BUSY_SPEEDUP times later than `p` (judged by each one's
   * outstanding requests over its measured rate), newest first, and they are cancelled there.
   * Blocks a holder has likely sent already (about TAKEOVER_SENT_SECONDS of its rate) stay
   * with it. A fast peer is not left idle while slow ones sit on blocks it could deliver.
   */
  private takeOver(p: SwarmPeer, max: number, now: number): void {
    const picker = this.core.picker as PiecePicker;
    const rateOf = (o: SwarmPeer): number => o.download.recent.rate(now) || UNMEASURED_RATE;
    const rate = rateOf(p);
    let mine = p.download.outstanding.size;
    const holders = [...this.core.peers.values()]
      .filter((o) => o !== p && o.download.outstanding.size > 1)
      .map((o) => ({ o, rate: rateOf(o), due: o.download.outstanding.size / rateOf(o) }))
      .sort((a, b) => b.due - a.due);
    let moved = 0;
    for (const { o, rate: theirs } of holders) {
      const held = o.download.outstanding;
      const measured = o.download.recent.rate(now) > 0;
      const sent = measured ? Math.max(1, Math.ceil((theirs * TAKEOVER_SENT_SECONDS) / BLOCK_SIZE)) : 1;
      const newestFirst = [...held].reverse();
      for (const [id, r] of newestFirst) {
        if (moved >= max || held.size <= sent) break;
        if (((mine + 1) / rate) * BUSY_SPEEDUP >= held.size / theirs) break;
        if (!p.wire.peerPieces.has(r.index) || p.download.rejected.has(r.index)) continue;
        if (!picker.reassign(r.index, r.begin, o.key, p.key)) continue;
        held.delete(id);
        withdraw(o.download, id);
        this.core.send(o, { type: 'cancel', index: r.index, begin: r.begin, length: r.length }, now);
        p.download.outstanding.set(id, r);
        this.core.send(p, { type: 'request', ...r }, now);
        moved++;
        mine++;
      }
      this.syncSnub(o);
      if (moved >= max) break;
    }
  }

  /** The `snub` timer runs while requests to `p` are outstanding, from its last progress. */
  private syncSnub(p: SwarmPeer): void {
    const d = p.download;
    const at = d.outstanding.size > 0 ? d.lastProgress + SNUB_TIMEOUT : undefined;
    if (at === d.snubAt) return;
    d.snubAt = at;
    if (at === undefined) this.core.timers.clear('snub', p.key);
    else this.core.timers.set('snub', at, p.key);
  }
}

export function blockId(index: number, block: number): number {
  return index * BLOCKS_PER_PIECE_ID + block;
}

/** Remembers that we withdrew request `id` (see WITHDRAWN_REMEMBERED). */
function withdraw(d: PeerDownload, id: number): void {
  d.withdrawn.delete(id);
  d.withdrawn.add(id);
  if (d.withdrawn.size > WITHDRAWN_REMEMBERED)
    d.withdrawn.delete(d.withdrawn.values().next().value as number);
}
