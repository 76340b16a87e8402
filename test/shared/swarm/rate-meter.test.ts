import { describe, expect, it } from 'vitest';
import { RATE_BUCKET_MS, RATE_WINDOW_MS, RateMeter } from '../../../shared/swarm/rate-meter.js';
import {
  RECENT_RATE_BUCKET_MS,
  RECENT_RATE_MIN_SPAN_MS,
  RECENT_RATE_WINDOW_MS,
  recentMeter,
} from '../../../shared/swarm/swarm-core.js';

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
    const m = new RateMeter(RATE_WINDOW_MS, RATE_BUCKET_MS);
    m.add(5000, 10_000);
    m.add(5000, 11_500);
    expect(m.rate(12_000)).toBeCloseTo(5000, -1);
  });

  it('averages a young meter over at least its minimum span', () => {
    // The swarm's short-window meter: 64 KiB in its first 10 ms is a burst, not 6.5 MB/s.
    const m = recentMeter();
    m.add(64 * 1024, 0);
    expect(m.rate(10)).toBeCloseTo((64 * 1024) / (RECENT_RATE_MIN_SPAN_MS / 1000), -2);
    m.add(64 * 1024, 2_000);
    expect(m.rate(2_000)).toBeCloseTo((128 * 1024) / 2, -2);
    // Without a minimum span the bucket is the limit.
    const fast = new RateMeter(RECENT_RATE_WINDOW_MS, RECENT_RATE_BUCKET_MS);
    fast.add(64 * 1024, 0);
    expect(fast.rate(10)).toBeCloseTo((64 * 1024) / (RECENT_RATE_BUCKET_MS / 1000), -2);
  });
});
