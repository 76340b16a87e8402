import type { TabswarmError } from '../../../shared/errors.js';

interface Waiter<C> {
  channel: C;
  lowWater: number;
  resolve: () => void;
  reject: (err: TabswarmError) => void;
}

/**
 * Promises that resolve when a send queue drains below a mark. The owner calls `check()` when it
 * learns the queue shrank (e.g. on `bufferedamountlow`); a poll timer runs only while someone
 * waits, because some implementations (wrtc in Node) never fire `bufferedamountlow`.
 */
export class DrainWaiters<C> {
  private readonly waiters = new Set<Waiter<C>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly buffered: (channel: C) => number,
    private readonly pollMs = 5,
  ) {}

  /** Lowest mark anyone waits for on `channel`, or undefined. */
  lowestMark(channel: C): number | undefined {
    let low: number | undefined;
    for (const w of this.waiters)
      if (w.channel === channel && (low === undefined || w.lowWater < low)) low = w.lowWater;
    return low;
  }

  /** Waits until `buffered(channel) <= lowWater`. */
  wait(channel: C, lowWater: number): Promise<void> {
    if (this.buffered(channel) <= lowWater) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.add({ channel, lowWater, resolve, reject });
      this.timer ??= setInterval(() => this.check(), this.pollMs);
    });
  }

  /** Resolves every waiter whose queue is now low enough. */
  check(): void {
    for (const w of this.waiters) {
      if (this.buffered(w.channel) <= w.lowWater) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
    if (this.waiters.size === 0) this.stopTimer();
  }

  /** Rejects every waiter (the link closed). */
  rejectAll(err: TabswarmError): void {
    const all = [...this.waiters];
    this.waiters.clear();
    this.stopTimer();
    for (const w of all) w.reject(err);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
