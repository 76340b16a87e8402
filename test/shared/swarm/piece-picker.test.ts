import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { PiecePicker } from '../../../shared/swarm/piece-picker.js';

const KB = 1024;
const all = (): boolean => true;

function picker(pieceCount: number, seed = 1, have?: boolean[]): PiecePicker {
  return new PiecePicker({
    pieceCount,
    pieceLength: 64 * KB,
    length: pieceCount * 64 * KB - 1000,
    random: seededRandom(seed),
    blockSize: 16 * KB,
    ...(have ? { have } : {}),
  });
}

function complete(p: PiecePicker, index: number): void {
  for (let b = 0; b < p.blockCount(index); b++) {
    const begin = b * p.blockSize;
    p.received(index, begin, p.blockLength(index, b), 'x');
  }
  p.pieceVerified(index, true);
}

describe('PiecePicker', () => {
  it('sizes blocks, with a short last piece', () => {
    const p = picker(4);
    expect(p.blockCount(0)).toBe(4);
    expect(p.pieceSize(3)).toBe(64 * KB - 1000);
    expect(p.blockLength(3, 3)).toBe(16 * KB - 1000);
  });

  it('picks a random first piece, varying with the seed', () => {
    const firsts = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const p = picker(50, seed);
      for (let i = 0; i < 50; i++) p.addAvailability(i);
      // Piece 7 is the rarest... but before the first piece completes, rarity is ignored.
      p.addAvailability(7);
      const [first] = p.pick('a', all, 1);
      firsts.add(first!.index);
    }
    expect(firsts.size).toBeGreaterThan(5);
  });

  it('picks the rarest piece after the first, ties broken by the seeded order', () => {
    const pickRarest = (seed: number): number => {
      const p = picker(20, seed);
      for (let i = 0; i < 20; i++) {
        p.addAvailability(i);
        p.addAvailability(i);
      }
      // Pieces 4, 11 and 15 have one source only.
      for (const i of [4, 11, 15]) p.removeAvailability(i);
      complete(p, (p.pick('a', (i) => ![4, 11, 15].includes(i), 1)[0] as { index: number }).index);
      const picked = p.pick('a', all, 4);
      expect(picked.every((r) => r.index === picked[0]!.index)).toBe(true);
      return picked[0]!.index;
    };
    const chosen = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const index = pickRarest(seed);
      expect([4, 11, 15]).toContain(index);
      expect(pickRarest(seed)).toBe(index); // same seed, same choice
      chosen.add(index);
    }
    expect(chosen.size).toBeGreaterThan(1);
  });

  it('only picks pieces the peer has', () => {
    const p = picker(10, 3, [true]);
    for (let i = 0; i < 10; i++) p.addAvailability(i);
    const picked = p.pick('a', (i) => i === 6, 100);
    expect(picked.map((r) => r.index)).toEqual([6, 6, 6, 6]);
    expect(p.pick('a', (i) => i === 6, 100)).toEqual([]);
  });

  it('finishes started pieces first (strict priority)', () => {
    const p = picker(10, 4, [true]);
    for (let i = 0; i < 10; i++) p.addAvailability(i);
    const two = p.pick('a', all, 2);
    expect(two[0]!.index).toBe(two[1]!.index);
    const started = two[0]!.index;
    // Peer b gets the rest of the started piece before anything new.
    const next = p.pick('b', all, 3);
    expect(next.slice(0, 2).map((r) => r.index)).toEqual([started, started]);
    expect(next.map((r) => r.begin).slice(0, 2)).toEqual([32 * KB, 48 * KB]);
    expect(next[2]!.index).not.toBe(started);
  });

  it('returns released blocks to the pool', () => {
    const p = picker(3, 5, [true]);
    p.addAvailability(1);
    p.addAvailability(2);
    const picked = p.pick('a', all, 4);
    expect(picked).toHaveLength(4);
    const started = picked[0]!.index;
    p.release(started, 16 * KB, 'a');
    // The released block comes first (strict priority), then the other piece.
    const next = p.pick('b', all, 2);
    expect(next[0]).toEqual({ index: started, begin: 16 * KB, length: 16 * KB });
    expect(next[1]!.index).toBe(3 - started);
  });

  it('enters endgame when every missing block is requested: one duplicate per peer at a time, then cancel', () => {
    const p = picker(2, 6);
    p.addAvailability(0);
    p.addAvailability(0);
    p.addAvailability(1);
    const a = p.pick('a', all, 100);
    expect(a).toHaveLength(8);
    expect(p.endgame).toBe(true);
    // Peer b (has piece 0 only) may duplicate one of a's outstanding blocks of piece 0, not more.
    const b = p.pick('b', (i) => i === 0, 100);
    expect(b).toHaveLength(1);
    expect(b[0]!.index).toBe(0);
    expect(p.pick('b', (i) => i === 0, 100)).toEqual([]);
    // Another peer duplicates a block with fewer requesters first.
    const c = p.pick('c', (i) => i === 0, 100);
    expect(c).toHaveLength(1);
    expect(c[0]!.begin).not.toBe(b[0]!.begin);
    const first = p.received(0, b[0]!.begin, 16 * KB, 'b');
    expect(first).toEqual({ accepted: true, pieceComplete: false, cancel: ['a'] });
    // The late copy from a is a duplicate.
    expect(p.received(0, b[0]!.begin, 16 * KB, 'a').accepted).toBe(false);
    // With its duplicate answered, b may take another.
    expect(p.pick('b', (i) => i === 0, 100)).toHaveLength(1);
  });

  it('is not in endgame while missing pieces are unstarted, even if no connected peer has them', () => {
    const p = picker(3, 10);
    p.addAvailability(0);
    expect(p.pick('a', all, 100)).toHaveLength(4);
    // Pieces 1 and 2 are nowhere to be had yet: no duplicates for b.
    expect(p.endgame).toBe(false);
    expect(p.pick('b', (i) => i === 0, 100)).toEqual([]);
  });

  it('from a seed, takes the rarest piece even before the first piece is complete', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const p = picker(20, seed);
      for (let i = 0; i < 20; i++) {
        p.addAvailability(i);
        p.addAvailability(i);
      }
      // Only the seed has piece 13: every other piece can come from another peer.
      p.removeAvailability(13);
      expect(p.pick('seed', all, 4, true)[0]!.index).toBe(13);
    }
  });

  it('keeps a block that arrives after its request was released, if still missing', () => {
    const p = picker(2, 11);
    p.addAvailability(0);
    const [r] = p.pick('a', all, 1);
    p.release(r!.index, r!.begin, 'a');
    expect(p.acceptsLate(r!.index, r!.begin, 16 * KB, 'a')).toBe(true);
    expect(p.received(r!.index, r!.begin, 16 * KB, 'a').accepted).toBe(true);
    // Once it is in, another late copy is not.
    expect(p.acceptsLate(r!.index, r!.begin, 16 * KB, 'b')).toBe(false);
    expect(p.acceptsLate(1, 0, 16 * KB, 'a')).toBe(false);
  });

  it('moves a request from one peer to another', () => {
    const p = picker(2, 12);
    p.addAvailability(0);
    const picked = p.pick('slow', all, 4);
    const last = picked[3]!;
    expect(p.reassign(last.index, last.begin, 'slow', 'fast')).toBe(true);
    expect(p.isRequested(last.index, last.begin, 'fast')).toBe(true);
    expect(p.isRequested(last.index, last.begin, 'slow')).toBe(false);
    // Not a block the other peer holds.
    expect(p.reassign(last.index, last.begin, 'slow', 'x')).toBe(false);
    expect(p.received(last.index, last.begin, 16 * KB, 'fast')).toMatchObject({ accepted: true, cancel: [] });
  });

  it('does not enter endgame while unrequested blocks remain', () => {
    const p = picker(3, 7);
    for (let i = 0; i < 3; i++) p.addAvailability(i);
    p.pick('a', all, 5);
    expect(p.endgame).toBe(false);
  });

  it('sends a failed piece back to missing and never picks stored pieces', () => {
    const p = picker(3, 8, [true, false, true]);
    for (let i = 0; i < 3; i++) p.addAvailability(i);
    const picked = p.pick('a', all, 100);
    expect(new Set(picked.map((r) => r.index))).toEqual(new Set([1]));
    for (const r of picked) p.received(r.index, r.begin, r.length, 'a');
    expect(p.pieceState(1)).toBe('verifying');
    p.pieceVerified(1, false);
    expect(p.pieceState(1)).toBe('missing');
    expect(p.pick('b', all, 100)).toHaveLength(4);
  });

  it('ignores stray and misaligned blocks', () => {
    const p = picker(3, 9);
    p.addAvailability(0);
    p.pick('a', all, 1);
    expect(p.received(2, 0, 16 * KB, 'a').accepted).toBe(false);
    expect(p.received(0, 100, 16 * KB, 'a').accepted).toBe(false);
    expect(p.received(0, 0, 100, 'a').accepted).toBe(false);
    expect(p.received(0, 0, 16 * KB, 'a').accepted).toBe(true);
  });

  it('re-downloads a piece storage lost', () => {
    const p = picker(2, 10, [true, true]);
    expect(p.complete).toBe(true);
    p.addAvailability(0);
    p.lost(0);
    expect(p.complete).toBe(false);
    expect(p.pick('a', all, 10)).toHaveLength(4);
  });
});
