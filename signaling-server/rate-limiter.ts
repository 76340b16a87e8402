/** Token-bucket settings for one socket. */
export interface RateLimitOptions {
  /** Sustained messages per second. */
  perSecond: number;
  /** Messages that may arrive at once after a quiet spell. */
  burst: number;
  /** Drops without a quiet second in between after which the socket is closed. */
  maxDropped: number;
}

/**
 * What to do with one incoming message: handle it, drop it silently, drop it and tell the
 * sender (at most once a second), or close the socket because it keeps flooding.
 */
export type RateDecision = 'accept' | 'drop' | 'drop-and-notify' | 'close';

/** At most one RATE_LIMITED notice per this long. */
export const NOTIFY_INTERVAL_MS = 1000;
/** A second with no drop forgives earlier drops. */
export const QUIET_MS = 1000;

/** A token bucket plus a flood counter; takes the time as input and returns a decision. */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private dropped = 0;
  private lastDropAt = -Infinity;
  private lastNotifyAt = -Infinity;

  constructor(
    private readonly options: RateLimitOptions,
    now: number,
  ) {
    this.tokens = options.burst;
    this.last = now;
  }

  /** Accounts for one message arriving at `now` (milliseconds). */
  take(now: number): RateDecision {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed * this.options.perSecond) / 1000);
    if (now - this.lastDropAt >= QUIET_MS) this.dropped = 0;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'accept';
    }
    this.dropped++;
    this.lastDropAt = now;
    if (this.dropped > this.options.maxDropped) return 'close';
    if (now - this.lastNotifyAt >= NOTIFY_INTERVAL_MS) {
      this.lastNotifyAt = now;
      return 'drop-and-notify';
    }
    return 'drop';
  }
}
