/** Settings of a {@link SignalFanout}. */
export interface SignalFanoutOptions {
  /** Distinct targets a socket may start signalling within one window. */
  maxTargets: number;
  /** The window, in milliseconds. */
  windowMs: number;
}

/**
 * How many distinct tabs one socket signals: a target it signalled within the last window is
 * free to signal again (the answer, trickled candidates), a new one takes one of `maxTargets`.
 * A tab has at most a few dozen links in progress, so a socket offering links to every tab on
 * the server (to hold their slots or spend their connection budgets) is throttled long before
 * the per-socket message rate would stop it. Takes the time as input.
 */
export class SignalFanout {
  /** Target -> when this socket first signalled it in the current window, oldest first. */
  private readonly targets = new Map<string, number>();

  constructor(private readonly options: SignalFanoutOptions) {}

  /** Accounts for a signal to `target` at `now`; false if it would be one new target too many. */
  allow(target: string, now: number): boolean {
    for (const [t, at] of this.targets) {
      if (now - at < this.options.windowMs) break;
      this.targets.delete(t);
    }
    if (this.targets.has(target)) return true;
    if (this.targets.size >= this.options.maxTargets) return false;
    this.targets.set(target, now);
    return true;
  }
}
