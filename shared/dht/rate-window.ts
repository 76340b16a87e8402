/**
 * A per-key rate limit over fixed windows: at most `limit` events per key in each window of
 * `windowMs` (a new window starts the count afresh). Cheap enough to run per frame. Used for the
 * frames a link may have us relay (notices included) and for verification pings.
 */
export class RateWindow<K> {
  private readonly windows = new Map<K, { window: number; count: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one event for `key` at `now`; false if it is over the limit (and should be refused). */
  allow(key: K, now: number): boolean {
    const window = Math.floor(now / this.windowMs);
    const w = this.windows.get(key);
    if (!w || w.window !== window) {
      this.windows.set(key, { window, count: 1 });
      return this.limit >= 1;
    }
    w.count++;
    return w.count <= this.limit;
  }

  /** Forgets `key` (its link closed). */
  forget(key: K): void {
    this.windows.delete(key);
  }
}
