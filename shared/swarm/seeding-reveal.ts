import type { Random } from '../random.js';
import { InitialSeeding } from './initial-seeding.js';
import type { PiecePicker } from './piece-picker.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';
import type { UploadScheduler } from './upload-scheduler.js';

/**
 * Initial seeding (see InitialSeeding): an unchoked peer is told about enough pieces to fetch
 * from us for this long at our measured upload rate to it, and at least INITIAL_SEEDING_MIN_PIECES.
 * Little, so that pieces are handed out late, when we know best which are given out least.
 */
export const INITIAL_SEEDING_SECONDS = 1;
export const INITIAL_SEEDING_MIN_PIECES = 2;
/**
 * A peer still not interested this long after connecting, though told about pieces, is shown
 * everything: it may be a seed lacking a piece that hides its own pieces too.
 */
export const INITIAL_SEEDING_SHOW_ALL_AFTER = 10_000;

/** What initial seeding told one peer. */
export interface PeerReveal {
  /** Pieces we told the peer we have (undefined: it saw our whole bitfield). */
  told: Set<number> | undefined;
  /** Told pieces it lacks and we have not finished sending it, with bytes sent. */
  readonly pending: Map<number, number>;
}

export function newPeerReveal(): PeerReveal {
  return { told: undefined, pending: new Map() };
}

/**
 * The swarm's side of initial seeding: per peer, which pieces it was told of and which of those
 * it is fetching; `have`s to unchoked peers as they finish fetching (reveal); the end of the
 * phase (every peer is shown the rest); and the `show-all` timer for a peer that stays not
 * interested though told about pieces.
 */
export class SeedingReveal {
  private seeding: InitialSeeding | undefined;

  constructor(
    private readonly core: SwarmCore,
    private readonly upload: UploadScheduler,
  ) {}

  /** Initial seeding is on (a seed from the start, until every piece is out). */
  get active(): boolean {
    return this.seeding !== undefined;
  }

  /** Starts initial seeding over `pieceCount` pieces. */
  start(pieceCount: number, random: Random): void {
    this.seeding = new InitialSeeding(pieceCount, random);
  }

  /** A peer completed its handshake: while pieces are hidden it is told them one by one. */
  peerOpened(p: SwarmPeer): boolean {
    if (!this.seeding?.active) return false;
    p.reveal.told = new Set();
    return true;
  }

  /**
   * Tells `p`, if we unchoke it, about more pieces reserved for it: enough to fetch from us for
   * INITIAL_SEEDING_SECONDS. A choked peer is told nothing (a piece it fetched later would be
   * chosen now, blind to what others fetch meanwhile); the choker counts it as interested.
   */
  reveal(p: SwarmPeer, now: number): void {
    const seeding = this.seeding;
    const picker = this.core.picker;
    const told = p.reveal.told;
    const pending = p.reveal.pending;
    if (!seeding || !picker || !told || !p.wire.open || p.wire.amChoking) return;
    const eligible = (i: number): boolean => !told.has(i) && !p.wire.peerPieces.has(i) && picker.has(i);
    const uploaded = (i: number): number => this.upload.pieceUploads[i] as number;
    const size = (i: number): number => picker.pieceSize(i);
    const want = Math.max(
      INITIAL_SEEDING_MIN_PIECES,
      Math.ceil((p.upload.recent.rate(now) * INITIAL_SEEDING_SECONDS) / picker.pieceSize(0)),
    );
    if (pending.size >= want) return;
    // While the peer has reserved pieces to fetch, or our uplink is busy with others anyway, it
    // gets only fresh ones: two peers fetching the same piece from us is what initial seeding is
    // there to avoid (a seed leaving after little more than a copy would strand a piece).
    const freshOnly = pending.size > 0 || (this.upload.drainSeen && this.upload.busyBesides(p));
    for (const index of seeding.choose(want - pending.size, eligible, uploaded, size, freshOnly)) {
      told.add(index);
      pending.set(index, 0);
      seeding.reserve(index);
      this.core.send(p, { type: 'have', index }, now);
    }
    this.syncShowAll(p, now);
  }

  /** A block of piece `index` went to `p`: once all of a revealed piece is sent, reveal more. */
  blockSent(p: SwarmPeer, index: number, length: number, now: number): void {
    const sent = p.reveal.pending.get(index);
    if (sent === undefined) return;
    if (sent + length >= (this.core.picker as PiecePicker).pieceSize(index)) {
      this.release(p, index);
      this.reveal(p, now);
    } else {
      p.reveal.pending.set(index, sent + length);
    }
  }

  /** `p` is choked or gone: the pieces reserved for it are free for others. */
  releaseAll(p: SwarmPeer): void {
    for (const index of [...p.reveal.pending.keys()]) this.release(p, index);
  }

  /** `p` showed pieces (bitfield or `have`): they are out; once all are, initial seeding ends. */
  peerHasPieces(p: SwarmPeer, pieces: Iterable<number>, now: number): void {
    const seeding = this.seeding;
    if (!seeding) return;
    let ended = false;
    for (const index of pieces) {
      this.release(p, index);
      if (seeding.seen(index)) ended = true;
    }
    if (ended) this.end(now);
    else this.reveal(p, now);
  }

  /** Every piece is out, or we lost one: tell every peer about the rest, as a plain seed. */
  end(now: number): void {
    if (!this.seeding) return;
    this.seeding = undefined;
    for (const p of this.core.peers.values()) this.showAll(p, now);
  }

  /** `p`'s interest changed: the `show-all` timer runs only while it is not interested. */
  interestChanged(p: SwarmPeer, now: number): void {
    const told = p.reveal.told;
    if (told?.size && !p.wire.peerInterested && now >= p.connectedAt + INITIAL_SEEDING_SHOW_ALL_AFTER)
      this.showAll(p, now);
    else this.syncShowAll(p, now);
  }

  /** The `show-all` timer: `p` is still not interested though told about pieces. */
  onShowAllTimer(p: SwarmPeer, now: number): void {
    if (
      p.reveal.told?.size &&
      !p.wire.peerInterested &&
      now >= p.connectedAt + INITIAL_SEEDING_SHOW_ALL_AFTER
    )
      this.showAll(p, now);
  }

  /**
   * Tells `p` about every piece we have that it was not told of, even those it claims: it may have
   * lost one since. It is a plain peer from now on.
   */
  private showAll(p: SwarmPeer, now: number): void {
    const picker = this.core.picker;
    const told = p.reveal.told;
    this.releaseAll(p);
    p.reveal.told = undefined;
    this.core.timers.clear('show-all', p.key);
    if (!picker || !told || !p.wire.open) return;
    for (let index = 0; index < picker.pieceCount; index++) {
      if (picker.has(index) && !told.has(index)) this.core.send(p, { type: 'have', index }, now);
    }
  }

  private release(p: SwarmPeer, index: number): void {
    if (p.reveal.pending.delete(index)) this.seeding?.release(index);
  }

  /** The `show-all` timer is set while `p` is told pieces, not interested, and its time is ahead. */
  private syncShowAll(p: SwarmPeer, now: number): void {
    const at = p.connectedAt + INITIAL_SEEDING_SHOW_ALL_AFTER;
    if (p.reveal.told?.size && !p.wire.peerInterested && at > now)
      this.core.timers.set('show-all', at, p.key);
    else this.core.timers.clear('show-all', p.key);
  }
}
