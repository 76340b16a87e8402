import type { TimerHandle, VirtualClock } from './clock.js';

/** The timer half of every sans-I/O state machine in shared/. */
export interface TimedMachine {
  nextTimeout(): number | undefined;
}

/**
 * Keeps exactly one clock event armed at a machine's `nextTimeout()`. Call `rearm()` after every
 * input to the machine; when the time comes, `fire(now)` runs (the host calls `handleTimeout` and
 * acts on what it returns), then the timer re-arms itself.
 */
export class MachineTimer {
  private handle: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly clock: VirtualClock,
    private readonly machine: TimedMachine,
    private readonly fire: (now: number) => void,
  ) {}

  rearm(): void {
    if (this.stopped) return;
    const next = this.machine.nextTimeout();
    if (next === undefined) {
      this.handle?.cancel();
      this.handle = undefined;
      return;
    }
    const at = Math.max(next, this.clock.now);
    if (this.handle !== undefined && !this.handle.cancelled && this.handle.time === at) return;
    this.handle?.cancel();
    this.handle = this.clock.at(at, () => {
      this.handle = undefined;
      if (this.stopped) return;
      this.fire(this.clock.now);
      this.rearm();
    });
  }

  /** Stops for good (the node left). */
  stop(): void {
    this.stopped = true;
    this.handle?.cancel();
    this.handle = undefined;
  }
}
