/**
 * Waits that double from `minMs` up to `maxMs`, each moved by up to ±`jitter` of itself so that
 * many clients that failed together do not retry in step. The one copy of this policy: the
 * tab's reconnects to its server, its bootstrap asks and its WebTorrent trackers all use it.
 * Pure: randomness comes in as a draw in [0, 1).
 */
export class JitteredBackoff {
  private nominal: number;

  constructor(
    readonly minMs: number,
    readonly maxMs: number,
    readonly jitter: number,
  ) {
    this.nominal = minMs;
  }

  /** The next wait (ms, not rounded), and the one after it doubles. */
  next(draw: number): number {
    const wait = this.nominal * (1 + this.jitter * (2 * draw - 1));
    this.nominal = Math.min(this.maxMs, this.nominal * 2);
    return wait;
  }

  /** Back to the shortest wait (the thing retried worked). */
  reset(): void {
    this.nominal = this.minMs;
  }
}
