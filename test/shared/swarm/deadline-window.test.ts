import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { DEADLINE_STEP_MS, DeadlineWindow } from '../../../shared/swarm/deadline-window.js';
import { PiecePicker } from '../../../shared/swarm/piece-picker.js';

const KB = 1024;
const PIECE = 64 * KB;
const BLOCK = 16 * KB;
const all = (): boolean => true;

function picker(pieceCount: number, budgetBytes?: number): PiecePicker {
  const p = new PiecePicker({
    pieceCount,
    pieceLength: PIECE,
    length: pieceCount * PIECE,
    random: seededRandom(3),
    blockSize: BLOCK,
    ...(budgetBytes !== undefined ? { budgetBytes } : {}),
  });
  for (let i = 0; i < pieceCount; i++) p.addAvailability(i);
  return p;
}

describe('DeadlineWindow', () => {
  it('holds the pieces from the playhead on, each due one step after the one before', () => {
    const w = new DeadlineWindow({ pieceLength: PIECE, windowBytes: 4 * PIECE });
    expect(w.size).toBe(4);
    const change = w.set(10, 100, 1000);
    expect(change).toEqual({ jumped: true, dropped: [] });
    expect([10, 11, 12, 13].map((i) => w.deadline(i))).toEqual(
      [1, 2, 3, 4].map((k) => 1000 + k * DEADLINE_STEP_MS),
    );
    expect(w.has(14)).toBe(false);
  });

  it('never reaches past the file’s last piece', () => {
    const w = new DeadlineWindow({ pieceLength: PIECE, windowBytes: 4 * PIECE });
    w.set(8, 9, 0);
    expect(w.plan(0, all).order).toEqual([8, 9]);
  });

  it('a step forward keeps the deadlines it had; a seek drops the old window', () => {
    const w = new DeadlineWindow({ pieceLength: PIECE, windowBytes: 4 * PIECE });
    w.set(0, 100, 0);
    const due1 = w.deadline(1);
    expect(w.set(1, 100, 500)).toEqual({ jumped: false, dropped: [0] });
    expect(w.deadline(1)).toBe(due1);
    expect(w.deadline(4)).toBe((w.deadline(3) as number) + DEADLINE_STEP_MS);
    expect(w.set(50, 100, 600)).toEqual({ jumped: true, dropped: [1, 2, 3, 4] });
    expect(w.plan(600, all).order).toEqual([50, 51, 52, 53]);
    expect(w.clear()).toEqual([50, 51, 52, 53]);
    expect(w.active).toBe(false);
  });

  it('plans missing pieces in order, marks those past their deadline late, and names the next deadline', () => {
    const w = new DeadlineWindow({ pieceLength: PIECE, windowBytes: 4 * PIECE });
    w.set(0, 100, 0);
    const missing = (i: number): boolean => i !== 1;
    const plan = w.plan(2 * DEADLINE_STEP_MS, missing);
    expect(plan.order).toEqual([0, 2, 3]);
    expect([...plan.late]).toEqual([0]);
    expect(plan.reserveBytes).toBe(3 * PIECE);
    expect(w.nextDeadline(2 * DEADLINE_STEP_MS, missing)).toBe(3 * DEADLINE_STEP_MS);
  });
});

describe('PiecePicker with a deadline window', () => {
  it('fetches window pieces strictly in order before rarer pieces and pieces already started', () => {
    const p = picker(20);
    p.addAvailability(3); // 3 is now commoner than the rest: rarest first would not pick it first...
    const started = p.pick('a', (i) => i === 15, 1); // ...and 15 is started
    expect(started.map((r) => r.index)).toEqual([15]);
    const w = new DeadlineWindow({ pieceLength: PIECE, windowBytes: 3 * PIECE });
    w.set(7, 19, 0);
    const picked = p.pick(
      'a',
      all,
      12,
      false,
      w.plan(0, (i) => p.wants(i)),
    );
    expect(picked.map((r) => `${r.index}:${r.begin / BLOCK}`)).toEqual(
      [7, 8, 9].flatMap((i) => [0, 1, 2, 3].map((b) => `${i}:${b}`)),
    );
    // Then the started piece, then rarest first.
    expect(
      p.pick(
        'a',
        all,
        3,
        false,
        w.plan(0, (i) => p.wants(i)),
      )[0]?.index,
    ).toBe(15);
  });

  it('asks a second peer for the blocks of a late piece, never a third', () => {
    const p = picker(10);
    const w = new DeadlineWindow({ pieceLength: PIECE, windowBytes: 2 * PIECE });
    w.set(4, 9, 0);
    const planAt = (now: number) => w.plan(now, (i) => p.wants(i));
    expect(p.pick('a', all, 8, false, planAt(0)).map((r) => r.index)).toEqual([4, 4, 4, 4, 5, 5, 5, 5]);
    // On time: b gets other pieces, no duplicates.
    expect(p.pick('b', all, 4, false, planAt(0)).some((r) => r.index === 4 || r.index === 5)).toBe(false);
    p.received(4, 0, BLOCK, 'a');
    // Late: c is asked for piece 4's blocks still out with a alone (not the one in).
    const late = planAt(DEADLINE_STEP_MS);
    expect([...late.late]).toEqual([4]);
    const dup = p.pick('c', all, 3, false, late);
    expect(dup.map((r) => `${r.index}:${r.begin / BLOCK}`)).toEqual(['4:1', '4:2', '4:3']);
    // Two peers hold each of them now: nobody else is asked.
    expect(p.pick('d', (i) => i === 4, 4, false, late)).toEqual([]);
    // The first copy to arrive cancels the other.
    expect(p.received(4, BLOCK, BLOCK, 'c').cancel).toEqual(['a']);
  });

  it('keeps room in the receive budget for window pieces, which may use all of it', () => {
    const p = picker(20, 4 * PIECE);
    const w = new DeadlineWindow({ pieceLength: PIECE, windowBytes: 2 * PIECE });
    w.set(10, 19, 0);
    // Rarest first may start only 2 pieces: 2 are kept for the window...
    const rarest = p.pick(
      'a',
      (i) => i < 10,
      16,
      false,
      w.plan(0, (i) => p.wants(i)),
    );
    expect(new Set(rarest.map((r) => r.index)).size).toBe(2);
    // ... which starts its 2 pieces in full.
    const urgent = p.pick(
      'b',
      all,
      16,
      false,
      w.plan(0, (i) => p.wants(i)),
    );
    expect(new Set(urgent.map((r) => r.index))).toEqual(new Set([10, 11]));
    expect(p.heldBytes).toBe(4 * PIECE);
  });
});
