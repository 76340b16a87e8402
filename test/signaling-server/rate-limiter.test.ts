import { describe, expect, it } from 'vitest';
import { RateLimiter, type RateDecision } from '../../signaling-server/rate-limiter.js';

const options = { perSecond: 50, burst: 100, maxDropped: 200 };

function run(limiter: RateLimiter, count: number, now: number): RateDecision[] {
  return Array.from({ length: count }, () => limiter.take(now));
}

describe('RateLimiter', () => {
  it('lets a burst through, then drops with one notice per second, then closes', () => {
    const l = new RateLimiter(options, 0);
    expect(run(l, 100, 0).every((d) => d === 'accept')).toBe(true);
    const dropped = run(l, 200, 0);
    expect(dropped[0]).toBe('drop-and-notify');
    expect(dropped.slice(1).every((d) => d === 'drop')).toBe(true);
    expect(l.take(0)).toBe('close');
  });

  it('refills at the sustained rate', () => {
    const l = new RateLimiter(options, 0);
    run(l, 100, 0);
    expect(l.take(0)).toBe('drop-and-notify');
    // 100 ms at 50/s is 5 tokens.
    expect(run(l, 5, 100)).toEqual(['accept', 'accept', 'accept', 'accept', 'accept']);
    expect(l.take(100)).toBe('drop');
    expect(l.take(1100)).toBe('accept');
  });

  it('notifies again after a second and forgives drops after a quiet second', () => {
    const l = new RateLimiter({ perSecond: 1, burst: 1, maxDropped: 3 }, 0);
    expect(l.take(0)).toBe('accept');
    expect(l.take(10)).toBe('drop-and-notify');
    expect(l.take(20)).toBe('drop');
    expect(l.take(1011)).toBe('accept');
    // The last drop was at 20 ms: more than a quiet second ago, so the count starts again.
    expect(l.take(1030)).toBe('drop-and-notify');
    expect(l.take(1040)).toBe('drop');
    expect(l.take(1050)).toBe('drop');
    expect(l.take(1060)).toBe('close');
  });

  it('a steady sender within the limit is never dropped', () => {
    const l = new RateLimiter(options, 0);
    for (let t = 0; t < 60_000; t += 20) expect(l.take(t)).toBe('accept');
  });
});
