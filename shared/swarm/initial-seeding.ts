import { shuffle } from '../random.js';
import type { Random } from '../random.js';

/**
 * Initial seeding (the idea of BEP 16 super-seeding, lightly): a seed that starts with every
 * piece does not show peers its whole bitfield. It announces (`have`) to each peer only a few
 * pieces, the ones it has given out least, and announces more as it finishes sending them. So
 * each unchoked peer fetches different pieces, the seed uploads every piece once before any
 * twice, and a seed that leaves after little more than one copy has not stranded the swarm.
 * The phase ends once every piece has been seen at some peer (bitfield or `have`); then the
 * rest is announced to everyone and the seed behaves as any other.
 *
 * This class holds the swarm-wide part and picks what to announce; the swarm keeps per-peer
 * state (what each peer was told) and sends the messages. Pure: it returns decisions.
 */
export class InitialSeeding {
  private readonly out: Uint8Array;
  private outCount = 0;
  /** Peers that were told about each piece and have not received it yet. */
  private readonly pending: Uint16Array;
  /** Tie-break between equal pieces: a random permutation, so seeds spread differently. */
  private readonly rank: Uint32Array;

  constructor(
    readonly pieceCount: number,
    random: Random,
  ) {
    this.out = new Uint8Array(pieceCount);
    this.pending = new Uint16Array(pieceCount);
    this.rank = new Uint32Array(pieceCount);
    shuffle(
      Array.from({ length: pieceCount }, (_, i) => i),
      random,
    ).forEach((piece, r) => (this.rank[piece] = r));
  }

  /** Still hiding pieces: some piece has not been seen at any peer yet. */
  get active(): boolean {
    return this.outCount < this.pieceCount;
  }

  /** Pieces seen at some peer so far. */
  get seenCount(): number {
    return this.outCount;
  }

  /** A peer has piece `index` (bitfield or `have`). Returns true if this ended the phase. */
  seen(index: number): boolean {
    if (index < 0 || index >= this.pieceCount || this.out[index] === 1) return false;
    this.out[index] = 1;
    this.outCount++;
    return this.outCount === this.pieceCount;
  }

  /** A peer was told about `index` and is expected to fetch it. */
  reserve(index: number): void {
    this.pending[index] = Math.min(0xffff, (this.pending[index] as number) + 1);
  }

  /** A reservation ended (the peer got the piece, has it from elsewhere, or left). */
  release(index: number): void {
    if ((this.pending[index] as number) > 0) this.pending[index] = (this.pending[index] as number) - 1;
  }

  /**
   * Up to `count` pieces to announce to a peer, best first: pieces no peer has shown, then the
   * fewest bytes uploaded counting each outstanding announcement as one more copy on its way,
   * then the random rank. `eligible` excludes what the peer has or was already told. `freshOnly`:
   * only pieces not yet given out in full (uploaded plus reserved less than one copy).
   */
  choose(
    count: number,
    eligible: (index: number) => boolean,
    uploaded: (index: number) => number,
    pieceSize: (index: number) => number,
    freshOnly = false,
  ): number[] {
    const best: { index: number; seen: number; given: number; rank: number }[] = [];
    const before = (
      a: { seen: number; given: number; rank: number },
      b: { seen: number; given: number; rank: number },
    ): boolean =>
      a.seen - b.seen < 0 ||
      (a.seen === b.seen && (a.given < b.given || (a.given === b.given && a.rank < b.rank)));
    for (let i = 0; i < this.pieceCount && count > 0; i++) {
      if (!eligible(i)) continue;
      const entry = {
        index: i,
        seen: this.out[i] as number,
        given: uploaded(i) + (this.pending[i] as number) * pieceSize(i),
        rank: this.rank[i] as number,
      };
      if (freshOnly && entry.given >= pieceSize(i)) continue;
      if (best.length === count && !before(entry, best[best.length - 1] as typeof entry)) continue;
      let at = best.length;
      while (at > 0 && before(entry, best[at - 1] as typeof entry)) at--;
      best.splice(at, 0, entry);
      if (best.length > count) best.pop();
    }
    return best.map((b) => b.index);
  }
}
