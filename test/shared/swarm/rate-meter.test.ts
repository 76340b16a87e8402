import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../../shared/swarm/rate-meter.js';

describe('RateMeter', () => {
  it('averages over the rolling window and forgets old traffic', () => {
    const m = new RateMeter(10_000, 1_000);
    expect(m.rate(0)).toBe(0);
    for (let t = 0; t < 20_000; t += 100) m.add(1000, t); // 10 kB/s
    expect(m.rate(19_999)).toBeCloseTo(10_000, -2);
    expect(m.rate(25_000)).toBeLessThan(6_000);
    expect(m.rate(40_000)).toBe(0);
    expect(m.total).toBe(200 * 1000);
  });

  it('does not underrate a young meter', () => {
    const m = new RateMeter(20_000, 1_000);
    m.add(5000, 10_000);
    m.add(5000, 11_500);
    expect(m.rate(12_000)).toBeCloseTo(5000, -1);
  });

  it('averages a young meter over at least its minimum span', () => {
    const m = new RateMeter(4_000, 250, 1_000);
    m.add(64 * 1024, 0);
    // 10 ms old: a burst, not 6.5 MB/s.
    expect(m.rate(10)).toBeCloseTo(64 * 1024, -2);
    m.add(64 * 1024, 2_000);
    expect(m.rate(2_000)).toBeCloseTo((128 * 1024) / 2, -2);
    // Without a minimum span the bucket is the limit.
    const fast = new RateMeter(4_000, 250);
    fast.add(64 * 1024, 0);
    expect(fast.rate(10)).toBeCloseTo(4 * 64 * 1024, -2);
  });
});
