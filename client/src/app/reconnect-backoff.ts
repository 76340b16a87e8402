import { JitteredBackoff } from '../../../shared/backoff.js';
import { SERVICE_RESTART_CLOSE } from '../../../shared/signaling/messages.js';

/** The first reconnect after a lost socket comes about this long after it closed. */
export const RECONNECT_MIN_MS = 1_000;
/** Waits double from RECONNECT_MIN_MS up to this. */
export const RECONNECT_MAX_MS = 30_000;
/** Each wait is moved by up to this fraction either way, so tabs that lost one server drift apart. */
export const RECONNECT_JITTER = 0.25;
/**
 * A draining server (close 1012) is coming back or being replaced: its tabs return at a uniformly
 * random moment within this window after RECONNECT_MIN_MS, not all in the same second.
 */
export const DRAIN_RECONNECT_SPREAD_MS = 15_000;

/**
 * When to reconnect to the signaling server: doubling waits with jitter after a failure, and a
 * wait spread over a window after a drain. `random` returns a number in [0, 1).
 */
export class ReconnectBackoff {
  private readonly waits = new JitteredBackoff(RECONNECT_MIN_MS, RECONNECT_MAX_MS, RECONNECT_JITTER);

  constructor(private readonly random: () => number) {}

  /** The wait before the next attempt, after a socket closed with `closeCode`. */
  next(closeCode: number): number {
    if (closeCode === SERVICE_RESTART_CLOSE) {
      this.waits.reset();
      return Math.round(RECONNECT_MIN_MS + this.random() * DRAIN_RECONNECT_SPREAD_MS);
    }
    return Math.round(this.waits.next(this.random()));
  }

  /** A registration succeeded: the next failure starts from the shortest wait again. */
  reset(): void {
    this.waits.reset();
  }
}
