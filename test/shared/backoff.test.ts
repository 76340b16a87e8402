import { describe, expect, it } from 'vitest';
import { JitteredBackoff } from '../../shared/backoff.js';

describe('JitteredBackoff', () => {
  it('doubles from the shortest wait to the longest, and starts over on reset', () => {
    const b = new JitteredBackoff(1_000, 5_000, 0.25);
    // A draw of 0.5 is the nominal wait itself.
    expect([b.next(0.5), b.next(0.5), b.next(0.5), b.next(0.5)]).toEqual([1_000, 2_000, 4_000, 5_000]);
    b.reset();
    expect(b.next(0.5)).toBe(1_000);
  });

  it('moves each wait by at most ±jitter of itself', () => {
    const b = new JitteredBackoff(1_000, 1_000, 0.25);
    expect(b.next(0)).toBe(750);
    expect(b.next(0.999999)).toBeLessThan(1_250);
    expect(b.next(0.999999)).toBeGreaterThan(1_249);
  });
});
