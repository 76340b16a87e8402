import { describe, expect, it } from 'vitest';
import {
  DRAIN_RECONNECT_SPREAD_MS,
  RECONNECT_JITTER,
  RECONNECT_MAX_MS,
  RECONNECT_MIN_MS,
  ReconnectBackoff,
} from '../../../client/src/app/reconnect-backoff.js';
import { ABNORMAL_CLOSURE } from '../../../client/src/adapters/signaling-socket.js';
import { SERVICE_RESTART_CLOSE } from '../../../shared/signaling/messages.js';
import { seededRandom } from '../../../shared/random.js';

describe('ReconnectBackoff', () => {
  it('doubles from the shortest wait to the longest, each moved by the jitter', () => {
    const low = new ReconnectBackoff(() => 0);
    const high = new ReconnectBackoff(() => 0.999999);
    const lows = Array.from({ length: 8 }, () => low.next(ABNORMAL_CLOSURE));
    const highs = Array.from({ length: 8 }, () => high.next(ABNORMAL_CLOSURE));
    expect(lows[0]).toBe(RECONNECT_MIN_MS * (1 - RECONNECT_JITTER));
    expect(highs[0]).toBe(Math.round(RECONNECT_MIN_MS * (1 + RECONNECT_JITTER)));
    expect(lows[1]).toBe(2 * RECONNECT_MIN_MS * (1 - RECONNECT_JITTER));
    expect(lows.at(-1)).toBe(RECONNECT_MAX_MS * (1 - RECONNECT_JITTER));
    low.reset();
    expect(low.next(ABNORMAL_CLOSURE)).toBe(lows[0]);
  });

  it('spreads the tabs of a drained server over the whole window', () => {
    const random = seededRandom(3);
    const waits = Array.from({ length: 1000 }, () =>
      new ReconnectBackoff(() => random.next()).next(SERVICE_RESTART_CLOSE),
    );
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(RECONNECT_MIN_MS);
    expect(Math.max(...waits)).toBeLessThanOrEqual(RECONNECT_MIN_MS + DRAIN_RECONNECT_SPREAD_MS);
    // No second of the window takes more than a few percent of the tabs.
    const perSecond = new Map<number, number>();
    for (const w of waits)
      perSecond.set(Math.floor(w / 1000), (perSecond.get(Math.floor(w / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(
      waits.length * (3 / (DRAIN_RECONNECT_SPREAD_MS / 1000)),
    );
  });
});
