import { shuffle } from '../random.js';
import { BLOCK_SIZE } from '../wire/wire-codec.js';
import type { UrgentPlan } from './deadline-window.js';
import type {
  BlockRequest,
  PartialPiece,
  PeerKey,
  PiecePickerOptions,
  PieceState,
  ReceivedResult,
} from './piece-picker-types.js';

export type {
  BlockRequest,
  PeerKey,
  PiecePickerOptions,
  PieceState,
  ReceivedResult,
} from './piece-picker-types.js';

const STATE_MISSING = 0;
const STATE_DOWNLOADING = 1;
const STATE_VERIFYING = 2;
const STATE_HAVE = 3;

/**
 * Decides which blocks to request from which peer. Policies (Cohen 2003; Legout et al. 2006):
 * - random first piece: until one piece is complete, new pieces are picked at random, so a new
 *   peer quickly has something to trade;
 * - strict priority: blocks of pieces already started come before any new piece;
 * - rarest first: new pieces with the lowest availability among connected peers; ties broken by
 *   a per-swarm random permutation drawn from the injected Random;
 * - endgame: once every missing block is requested, blocks already requested from one peer
 *   may be requested from others too; when one arrives, the others get a cancel;
 * - a piece that failed its hash is fetched again from a single peer: either it verifies and
 *   smart ban can compare, or that peer alone is to blame;
 * - only wanted pieces are requested (see setWanted: a choice of files): a piece dropped from
 *   the choice halfway keeps the blocks that came and is asked for no further.
 * It is a pure data structure: it records requests and arrivals and returns decisions.
 */
export class PiecePicker {
  readonly pieceCount: number;
  readonly blockSize: number;
  private readonly pieceLength: number;
  private readonly length: number;
  private readonly budgetBytes: number;
  /** Bytes of the pieces started and not yet judged (see heldBytes). */
  private held = 0;
  private readonly state: Uint8Array;
  private readonly availability: Uint16Array;
  /** Tie-break rank of each piece (a random permutation). */
  private readonly rank: Uint32Array;
  private readonly partials = new Map<number, PartialPiece>();
  /** Pieces that failed verification and have not verified since. */
  private readonly failed = new Set<number>();
  private haveCount = 0;
  /** Missing, not started pieces that at least one connected peer has. */
  private startableCount = 0;
  /** Wanted missing pieces not started (whether or not a connected peer has them). */
  private missingCount: number;
  /** Per piece, 1 if wanted; undefined: every piece is (see setWanted). */
  private wanted: Uint8Array | undefined;
  /** Wanted pieces not stored yet. */
  private wantedLeft: number;

  constructor(opts: PiecePickerOptions) {
    this.pieceCount = opts.pieceCount;
    this.pieceLength = opts.pieceLength;
    this.length = opts.length;
    this.blockSize = opts.blockSize ?? BLOCK_SIZE;
    this.budgetBytes = opts.budgetBytes ?? Number.POSITIVE_INFINITY;
    this.state = new Uint8Array(opts.pieceCount);
    this.availability = new Uint16Array(opts.pieceCount);
    const order = shuffle(
      Array.from({ length: opts.pieceCount }, (_, i) => i),
      opts.random,
    );
    this.rank = new Uint32Array(opts.pieceCount);
    order.forEach((piece, r) => (this.rank[piece] = r));
    opts.have?.forEach((h, i) => {
      if (h && i < opts.pieceCount) {
        this.state[i] = STATE_HAVE;
        this.haveCount++;
      }
    });
    this.missingCount = this.pieceCount - this.haveCount;
    this.wantedLeft = this.missingCount;
  }

  /**
   * Only `pieces` are wanted from now on (undefined: every piece). Unwanted pieces are never
   * started, do not make us interested, and do not hold back `finished`; a piece already being
   * downloaded is finished.
   */
  setWanted(pieces: Iterable<number> | undefined): void {
    if (pieces === undefined) this.wanted = undefined;
    else {
      const mask = new Uint8Array(this.pieceCount);
      for (const p of pieces) if (Number.isInteger(p) && p >= 0 && p < this.pieceCount) mask[p] = 1;
      this.wanted = mask;
    }
    this.startableCount = 0;
    this.missingCount = 0;
    this.wantedLeft = 0;
    for (let i = 0; i < this.pieceCount; i++) {
      if (!this.isWanted(i)) continue;
      if (this.state[i] !== STATE_HAVE) this.wantedLeft++;
      if (this.state[i] === STATE_MISSING) this.missingCount++;
      if (this.isStartable(i)) this.startableCount++;
    }
  }

  /** Whether piece `index` is among the wanted ones (stored or not). */
  isWanted(index: number): boolean {
    return this.wanted === undefined || this.wanted[index] === 1;
  }

  /** Every wanted piece is stored (with no selection: `complete`). */
  get finished(): boolean {
    return this.wantedLeft === 0;
  }

  /** Pieces verified and stored. */
  get completed(): number {
    return this.haveCount;
  }

  get complete(): boolean {
    return this.haveCount === this.pieceCount;
  }

  has(index: number): boolean {
    return this.state[index] === STATE_HAVE;
  }

  /** True if we lack `index` (missing, downloading or awaiting verification) and want it. */
  wants(index: number): boolean {
    return index >= 0 && index < this.pieceCount && this.state[index] !== STATE_HAVE && this.isWanted(index);
  }

  pieceState(index: number): PieceState {
    switch (this.state[index]) {
      case STATE_HAVE:
        return 'have';
      case STATE_VERIFYING:
        return 'verifying';
      case STATE_DOWNLOADING:
        return 'downloading';
      default:
        return 'missing';
    }
  }

  /**
   * Bytes of the pieces started and not yet judged: being received, hashed, or stored (the host
   * answers `pieceVerified` once the piece is written). Receiving holds at most this much.
   */
  get heldBytes(): number {
    return this.held;
  }

  /** How many connected peers have `index`. */
  availabilityOf(index: number): number {
    return this.availability[index] ?? 0;
  }

  /** Size of piece `index`. */
  pieceSize(index: number): number {
    return index === this.pieceCount - 1 ? this.length - this.pieceLength * index : this.pieceLength;
  }

  /** Number of blocks in piece `index`. */
  blockCount(index: number): number {
    return Math.ceil(this.pieceSize(index) / this.blockSize);
  }

  /** Length of block `block` of piece `index`. */
  blockLength(index: number, block: number): number {
    return Math.min(this.blockSize, this.pieceSize(index) - block * this.blockSize);
  }

  /** A connected peer has piece `index` (from its bitfield or a have). */
  addAvailability(index: number): void {
    const startable = this.isStartable(index);
    this.availability[index] = Math.min(0xffff, (this.availability[index] as number) + 1);
    if (!startable && this.isStartable(index)) this.startableCount++;
  }

  /** A peer that had piece `index` left. */
  removeAvailability(index: number): void {
    if (this.availability[index] === 0) return;
    const startable = this.isStartable(index);
    this.availability[index] = (this.availability[index] as number) - 1;
    if (startable && !this.isStartable(index)) this.startableCount--;
  }

  /**
   * Endgame: nothing left to request for the first time; every missing piece is started and each
   * of its blocks is requested or received. (Not merely "nothing the connected peers have is left
   * to request": early on that holds all the time, and duplicate requests would waste much.)
   */
  get endgame(): boolean {
    if (this.missingCount > 0 || this.finished) return false;
    for (const p of this.partials.values()) if (p.unrequested > 0 && this.isWanted(p.index)) return false;
    return true;
  }

  /**
   * Picks up to `max` blocks to request from `peer`, which has the pieces `peerHas` says, and
   * records them as requested by it. `fromSeed`: the peer has every piece; new pieces are then
   * the rarest even before our first piece (pieces no other connected peer has come first), so
   * what we take from a seed is what the swarm cannot get elsewhere. `urgent`: pieces a player
   * needs (see DeadlineWindow) come strictly first, in its order, before anything started;
   * `mayHave` says which urgent pieces no connected peer announced may still be asked of this
   * one (a seed hiding pieces for initial seeding serves them; a BEP 6 peer rejects at once).
   */
  pick(
    peer: PeerKey,
    peerHas: (index: number) => boolean,
    max: number,
    fromSeed = false,
    urgent?: UrgentPlan,
    mayHave?: (index: number) => boolean,
  ): BlockRequest[] {
    const out: BlockRequest[] = [];
    if (max <= 0) return out;
    if (urgent) {
      const has = mayHave ? (i: number) => peerHas(i) || (this.availability[i] === 0 && mayHave(i)) : peerHas;
      this.pickUrgent(peer, has, max, urgent, out);
    }
    // Strict priority: finish what is started.
    for (const p of this.partials.values()) {
      if (out.length >= max) return out;
      if (p.unrequested > 0 && this.mayRequest(p, peer) && peerHas(p.index) && this.isWanted(p.index))
        this.takeBlocks(p, peer, max, out);
    }
    // New pieces, the best few found in one scan, while the budget has room (some of it kept
    // for the pieces a player needs next).
    const reserve = urgent ? urgent.reserveBytes : 0;
    newPieces: while (out.length < max && this.startableCount > 0) {
      const wanted = Math.ceil((max - out.length) / Math.max(1, this.blockCount(0)));
      const pieces = this.bestNewPieces(peerHas, wanted, fromSeed);
      if (pieces.length === 0) break;
      for (const index of pieces) {
        if (out.length >= max) break;
        if (!this.mayStart(index, reserve)) break newPieces;
        this.takeBlocks(this.start(index, peer), peer, max, out);
      }
    }
    // Endgame, strictly (as libtorrent's default): a peer with nothing else to fetch may hold one
    // duplicate request at a time, for a block with the fewest requesters. Duplicating every
    // outstanding block to every peer costs more upload than the tail it saves.
    if (out.length === 0 && this.endgame && !this.holdsDuplicate(peer)) {
      let best: { p: PartialPiece; block: number; n: number } | undefined;
      for (const p of this.partials.values()) {
        if (!this.mayRequest(p, peer) || !peerHas(p.index) || !this.isWanted(p.index)) continue;
        for (let b = 0; b < p.blocks; b++) {
          const req = p.requesters[b] as PeerKey[];
          if (p.received[b] || req.includes(peer)) continue;
          if (best === undefined || req.length < best.n) best = { p, block: b, n: req.length };
        }
      }
      if (best) out.push(this.request(best.p, best.block, peer));
    }
    return out;
  }

  /**
   * Moves the request for one block from `from` to `to` (the caller cancels it at `from`): a
   * fast peer with nothing new to fetch takes over blocks a much slower one has not sent yet.
   * Only a block requested from `from` alone, not received, of a piece `to` may fetch.
   */
  reassign(index: number, begin: number, from: PeerKey, to: PeerKey): boolean {
    const p = this.partials.get(index);
    if (!p || !this.mayRequest(p, to) || (p.owner !== undefined && p.owner === from) || !this.isWanted(index))
      return false;
    const block = begin / this.blockSize;
    const req = p.requesters[block];
    if (!req || p.received[block] || req.length !== 1 || req[0] !== from) return false;
    req[0] = to;
    return true;
  }

  /**
   * Deadline order: each window piece the peer has, in order, is started or continued; a late
   * one also gets its blocks asked of this peer when exactly one other peer was asked (two at most).
   */
  private pickUrgent(
    peer: PeerKey,
    peerHas: (index: number) => boolean,
    max: number,
    urgent: UrgentPlan,
    out: BlockRequest[],
  ): void {
    for (const index of urgent.order) {
      if (out.length >= max) return;
      if (index < 0 || index >= this.pieceCount || !peerHas(index)) continue;
      if (this.state[index] === STATE_MISSING) {
        if (this.mayStart(index, 0)) this.takeBlocks(this.start(index, peer), peer, max, out);
        continue;
      }
      const p = this.partials.get(index);
      if (!p || this.state[index] !== STATE_DOWNLOADING || !this.mayRequest(p, peer)) continue;
      if (p.unrequested > 0) this.takeBlocks(p, peer, max, out);
      if (!urgent.late.has(index)) continue;
      for (let b = 0; b < p.blocks && out.length < max; b++) {
        const req = p.requesters[b] as PeerKey[];
        if (!p.received[b] && req.length === 1 && req[0] !== peer) out.push(this.request(p, b, peer));
      }
    }
  }

  /** True if `peer` has a request out for a block someone else was asked for too. */
  private holdsDuplicate(peer: PeerKey): boolean {
    for (const p of this.partials.values()) {
      for (const req of p.requesters) if (req.length > 1 && req.includes(peer)) return true;
    }
    return false;
  }

  /** True if `peer` has an outstanding request for this block. */
  isRequested(index: number, begin: number, peer: PeerKey): boolean {
    const p = this.partials.get(index);
    const block = begin / this.blockSize;
    return p !== undefined && Number.isInteger(block) && (p.requesters[block]?.includes(peer) ?? false);
  }

  /**
   * A block arrived from `peer`. Strays (wrong alignment or length, pieces not being
   * downloaded, blocks already in) are not accepted; the caller discards their data.
   */
  received(index: number, begin: number, length: number, peer: PeerKey): ReceivedResult {
    const none: ReceivedResult = { accepted: false, pieceComplete: false, cancel: [] };
    const p = this.partials.get(index);
    if (!p || this.state[index] !== STATE_DOWNLOADING) return none;
    const block = begin / this.blockSize;
    if (!Number.isInteger(block) || block >= p.blocks || length !== this.blockLength(index, block))
      return none;
    const requesters = p.requesters[block] as PeerKey[];
    if (p.received[block]) {
      removeFrom(requesters, peer);
      return none;
    }
    if (requesters.length === 0) p.unrequested--;
    p.received[block] = 1;
    p.receivedCount++;
    const cancel = requesters.filter((k) => k !== peer);
    p.requesters[block] = [];
    const pieceComplete = p.receivedCount === p.blocks;
    if (pieceComplete) this.state[index] = STATE_VERIFYING;
    return { accepted: true, pieceComplete, cancel };
  }

  /**
   * True if a block `peer` sends without an outstanding request (it was on its way when the
   * request was released) is still wanted: its piece is downloading, the block is not in, and
   * the piece is not reserved to another peer.
   */
  acceptsLate(index: number, begin: number, length: number, peer: PeerKey): boolean {
    const p = this.partials.get(index);
    if (!p || this.state[index] !== STATE_DOWNLOADING || !this.mayRequest(p, peer)) return false;
    const block = begin / this.blockSize;
    return (
      Number.isInteger(block) &&
      block < p.blocks &&
      length === this.blockLength(index, block) &&
      p.received[block] === 0
    );
  }

  /** `peer` will not deliver this block (it choked us, left, or we gave up on it). */
  release(index: number, begin: number, peer: PeerKey): void {
    const p = this.partials.get(index);
    if (!p) return;
    const block = begin / this.blockSize;
    const requesters = p.requesters[block];
    if (!requesters || !removeFrom(requesters, peer)) return;
    if (requesters.length === 0 && !p.received[block]) p.unrequested++;
    // An owner that dropped all its requests (choked us, left) gives the piece up.
    if (p.owner === peer && !p.requesters.some((r) => r.includes(peer))) p.owner = undefined;
  }

  /** The verdict on a piece handed to verification: stored, or back to missing. */
  pieceVerified(index: number, ok: boolean): void {
    if (this.state[index] !== STATE_VERIFYING) return;
    this.partials.delete(index);
    this.held -= this.pieceSize(index);
    if (ok) {
      this.state[index] = STATE_HAVE;
      this.haveCount++;
      if (this.isWanted(index)) this.wantedLeft--;
      this.failed.delete(index);
    } else {
      this.state[index] = STATE_MISSING;
      if (this.isWanted(index)) this.missingCount++;
      this.failed.add(index);
      if (this.isStartable(index)) this.startableCount++;
    }
  }

  /** A piece marked as stored turned out not to be (storage lost it): download it again. */
  lost(index: number): void {
    if (this.state[index] !== STATE_HAVE) return;
    this.state[index] = STATE_MISSING;
    if (this.isWanted(index)) {
      this.missingCount++;
      this.wantedLeft++;
    }
    this.haveCount--;
    if (this.isStartable(index)) this.startableCount++;
  }

  /** Which blocks of a piece being downloaded are in (for the piece map); undefined if none. */
  progress(index: number): { received: number; blocks: number } | undefined {
    const p = this.partials.get(index);
    return p ? { received: p.receivedCount, blocks: p.blocks } : undefined;
  }

  private isStartable(index: number): boolean {
    return (
      this.state[index] === STATE_MISSING && (this.availability[index] as number) > 0 && this.isWanted(index)
    );
  }

  /**
   * Up to `count` missing, unstarted pieces the peer has: random before the first piece (unless
   * the peer is a seed), rarest after.
   */
  private bestNewPieces(peerHas: (index: number) => boolean, count: number, fromSeed: boolean): number[] {
    const randomFirst = this.haveCount === 0 && !fromSeed;
    const best: { index: number; key: number }[] = [];
    for (let i = 0; i < this.pieceCount; i++) {
      if (!this.isStartable(i) || !peerHas(i)) continue;
      const rank = this.rank[i] as number;
      const key = randomFirst ? rank : (this.availability[i] as number) * this.pieceCount + rank;
      if (best.length === count && key >= (best[best.length - 1] as { key: number }).key) continue;
      let at = best.length;
      while (at > 0 && (best[at - 1] as { key: number }).key > key) at--;
      best.splice(at, 0, { index: i, key });
      if (best.length > count) best.pop();
    }
    return best.map((b) => b.index);
  }

  /** Piece `index` may be started: it fits the budget less `reserve`, or nothing is held. */
  private mayStart(index: number, reserve: number): boolean {
    return this.held === 0 || this.held + this.pieceSize(index) <= this.budgetBytes - reserve;
  }

  private mayRequest(p: PartialPiece, peer: PeerKey): boolean {
    return p.owner === undefined || p.owner === peer;
  }

  private start(index: number, peer: PeerKey): PartialPiece {
    const blocks = this.blockCount(index);
    const p: PartialPiece = {
      index,
      blocks,
      received: new Uint8Array(blocks),
      receivedCount: 0,
      requesters: Array.from({ length: blocks }, () => []),
      unrequested: blocks,
      owner: this.failed.has(index) ? peer : undefined,
    };
    if (this.isStartable(index)) this.startableCount--;
    if (this.isWanted(index)) this.missingCount--;
    this.state[index] = STATE_DOWNLOADING;
    this.partials.set(index, p);
    this.held += this.pieceSize(index);
    return p;
  }

  private takeBlocks(p: PartialPiece, peer: PeerKey, max: number, out: BlockRequest[]): void {
    for (let b = 0; b < p.blocks && out.length < max && p.unrequested > 0; b++) {
      if (!p.received[b] && (p.requesters[b] as PeerKey[]).length === 0) out.push(this.request(p, b, peer));
    }
  }

  private request(p: PartialPiece, block: number, peer: PeerKey): BlockRequest {
    const requesters = p.requesters[block] as PeerKey[];
    if (requesters.length === 0) p.unrequested--;
    requesters.push(peer);
    return { index: p.index, begin: block * this.blockSize, length: this.blockLength(p.index, block) };
  }
}

function removeFrom(list: PeerKey[], key: PeerKey): boolean {
  const i = list.indexOf(key);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
