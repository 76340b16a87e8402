/**
 * A tab-wide upload cap (bytes per second) shared by every swarm link, as BitTorrent clients
 * offer; unlimited by default. A token bucket that holds at most one second of tokens.
 */
export class UploadLimiter {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = bytesPerSecond;
    this.last = now();
  }

  /** Resolves when `bytes` may be sent. */
  async take(bytes: number): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(
        this.bytesPerSecond,
        this.tokens + ((t - this.last) / 1000) * this.bytesPerSecond,
      );
      this.last = t;
      if (this.tokens >= Math.min(bytes, this.bytesPerSecond)) {
        this.tokens -= bytes;
        return;
      }
      const waitMs = ((bytes - this.tokens) / this.bytesPerSecond) * 1000;
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(5, waitMs))));
    }
  }
}
