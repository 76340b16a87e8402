/** Default window of a {@link RateMeter}: the choker's rates look this far back. */
export const RATE_WINDOW_MS = 20_000;
/** Default bucket (resolution) of a {@link RateMeter}. */
export const RATE_BUCKET_MS = 1_000;

/**
 * Transfer rate over a rolling window, in bytes per second, from explicit timestamps. Bytes are
 * summed into fixed buckets, so memory is constant however often `add` is called.
 */
export class RateMeter {
  private readonly buckets: Float64Array;
  /** Bucket number (time / bucketMs) each slot currently holds. */
  private readonly slots: Float64Array;
  private started: number | undefined;
  /** All bytes ever added. */
  total = 0;

  /**
   * @param windowMs how far back the rate looks
   * @param bucketMs resolution of the window
   * @param minSpanMs a young meter averages over its age, but over at least this long (default one
   *   bucket), so a burst in its first milliseconds does not read as a huge rate
   */
  constructor(
    private readonly windowMs = RATE_WINDOW_MS,
    private readonly bucketMs = RATE_BUCKET_MS,
    private readonly minSpanMs = bucketMs,
  ) {
    const count = Math.max(1, Math.ceil(windowMs / bucketMs));
    this.buckets = new Float64Array(count);
    this.slots = new Float64Array(count).fill(-1);
  }

  /** Records `bytes` transferred at `now`. */
  add(bytes: number, now: number): void {
    if (this.started === undefined) this.started = now;
    this.total += bytes;
    const bucket = Math.floor(now / this.bucketMs);
    const i = bucket % this.buckets.length;
    if (this.slots[i] !== bucket) {
      this.slots[i] = bucket;
      this.buckets[i] = 0;
    }
    this.buckets[i] = (this.buckets[i] as number) + bytes;
  }

  /**
   * Bytes per second over the window ending at `now`. A meter younger than the window is
   * averaged over its age (at least one bucket), so a new fast peer is not underrated.
   */
  rate(now: number): number {
    if (this.started === undefined) return 0;
    const current = Math.floor(now / this.bucketMs);
    const oldest = current - this.buckets.length + 1;
    let sum = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      const slot = this.slots[i] as number;
      if (slot >= oldest && slot <= current) sum += this.buckets[i] as number;
    }
    const span = Math.min(this.windowMs, Math.max(this.minSpanMs, this.bucketMs, now - this.started));
    return (sum * 1000) / span;
  }
}
