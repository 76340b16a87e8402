import { describe, expect, it } from 'vitest';
import { MachineDriver } from '../../../shared/machine/index.js';
import { seededRandom } from '../../../shared/random.js';
import {
  BOOTSTRAP_BACKOFF,
  BootstrapBackoff,
  type BootstrapAsk,
} from '../../../shared/signaling/bootstrap-backoff.js';
import { ManualScheduler } from '../../helpers/manual-scheduler.js';

const { minMs, maxMs, jitter } = BOOTSTRAP_BACKOFF;
const HOUR_MS = 3_600_000;

/**
 * A lone tab's loop: every ask is answered at once with nobody, and the DHT, still without
 * contacts, wants again right away (today's loop, which asked once per round trip).
 */
function loneTab(seed: number, retryAfterMs?: number): { asks: number[]; clock: ManualScheduler } {
  const clock = new ManualScheduler();
  const backoff = new BootstrapBackoff(seededRandom(seed));
  const asks: number[] = [];
  const driver: MachineDriver<BootstrapAsk> = new MachineDriver(backoff, clock, {
    execute: () => {
      asks.push(clock.now());
      driver.input((now) => {
        backoff.answered(now, retryAfterMs);
        backoff.want(now);
      });
    },
  });
  driver.input((now) => backoff.want(now));
  return { asks, clock };
}

describe('BootstrapBackoff', () => {
  it('a lone tab asks once at first, then waits doubling from minMs to maxMs', () => {
    const { asks, clock } = loneTab(1);
    clock.advance(1000);
    expect(asks).toEqual([0]);
    clock.advance(HOUR_MS);
    const gaps = asks.slice(1).map((t, i) => t - (asks[i] as number));
    gaps.forEach((gap, i) => {
      const nominal = Math.min(maxMs, minMs * 2 ** i);
      expect(gap).toBeGreaterThanOrEqual(nominal * (1 - jitter));
      expect(gap).toBeLessThanOrEqual(nominal * (1 + jitter));
    });
    // 2 s, 4 s ... 256 s, then every 5 min or so: about 20 an hour instead of one per round trip.
    expect(asks.length).toBeGreaterThanOrEqual(15);
    expect(asks.length).toBeLessThanOrEqual(25);
  });

  it('honours the server’s retryAfterMs, clamped to maxMs', () => {
    const { asks, clock } = loneTab(2, 60_000);
    clock.advance(10 * 60_000);
    expect(asks[1]).toBeGreaterThanOrEqual(60_000);
    const clamped = loneTab(3, 10 * HOUR_MS);
    clamped.clock.advance(HOUR_MS);
    expect(clamped.asks[1]).toBeLessThanOrEqual(maxMs);
  });

  it('never asks because of an answer alone', () => {
    const backoff = new BootstrapBackoff(seededRandom(4));
    backoff.answered(0, 1000);
    backoff.answered(5000);
    expect(backoff.poll()).toEqual([]);
    expect(backoff.nextTimeout()).toBeUndefined();
  });

  it('serves many wants in one turn with one ask', () => {
    const backoff = new BootstrapBackoff(seededRandom(5));
    backoff.want(0);
    for (let t = 1; t < 1000; t += 10) backoff.want(t);
    expect(backoff.poll()).toHaveLength(1);
    const turn = backoff.nextTimeout() as number;
    expect(turn).toBeGreaterThanOrEqual(minMs * (1 - jitter));
    backoff.handleTimeout(turn);
    expect(backoff.poll()).toHaveLength(1);
    expect(backoff.nextTimeout()).toBeUndefined();
  });

  it('a link opening resets the wait and drops a want waiting for its turn', () => {
    const backoff = new BootstrapBackoff(seededRandom(7));
    // Ten asks, each at the first time allowed: the wait is now minutes long.
    for (let i = 0; i < 10; i++) {
      backoff.want(Math.max(0, backoff.nextAskAt));
      expect(backoff.poll()).toHaveLength(1);
    }
    const now = backoff.nextAskAt - 1;
    expect(backoff.nextAskAt - now).toBeGreaterThan(0);
    backoff.want(now);
    expect(backoff.nextTimeout()).toBe(backoff.nextAskAt);
    backoff.linkOpened(now);
    expect(backoff.nextTimeout()).toBeUndefined();
    backoff.want(now);
    expect(backoff.poll()).toHaveLength(1);
    expect(backoff.nextAskAt - now).toBeLessThanOrEqual(minMs * (1 + jitter));
  });

  it('tabs with different randomness do not ask in step', () => {
    const a = loneTab(8);
    const b = loneTab(9);
    a.clock.advance(HOUR_MS);
    b.clock.advance(HOUR_MS);
    expect(a.asks.slice(1, 6)).not.toEqual(b.asks.slice(1, 6));
  });
});
