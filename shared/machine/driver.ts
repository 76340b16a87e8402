import type { Machine } from './machine.js';

/**
 * The host's clock and timer, injected into {@link MachineDriver}: the browser's `Date.now` and
 * `setTimeout`, the simulator's virtual clock, or a test's manual clock.
 */
export interface Scheduler {
  /** The current time in milliseconds. */
  now(): number;
  /** Calls `fire` at time `at` (at once if it has passed); the returned function cancels it. */
  schedule(at: number, fire: () => void): () => void;
}

/** Options of a {@link MachineDriver}. */
export interface DriverOptions<Output> {
  /** Carries out one output (send bytes, open a link, show an event). May feed inputs back. */
  execute: (output: Output) => void;
  /** A machine or executor that threw: reported here; without it, the error propagates. */
  onError?: (err: unknown) => void;
}

/**
 * The one host loop for every {@link Machine}, used by the client, the simulator and the tests:
 *
 * ```ts
 * const driver = new MachineDriver(swarm, scheduler, { execute: (o) => ... });
 * driver.input((now) => swarm.receive(peer, bytes, now));   // feed an input, carry out its outputs
 * ```
 *
 * After every input (and every timer) it polls the machine and executes the outputs in order,
 * then keeps exactly one timer armed at `nextTimeout()`. An input fed while outputs are being
 * executed (an in-memory link that answers at once) is handed to the machine at once, but its
 * outputs wait until those already taken are done, so outputs never run out of order.
 */
export class MachineDriver<Output> {
  private flushing = false;
  private stopped = false;
  private armedAt: number | undefined;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly machine: Machine<Output>,
    private readonly scheduler: Scheduler,
    private readonly options: DriverOptions<Output>,
  ) {}

  /** The scheduler's current time. */
  get now(): number {
    return this.scheduler.now();
  }

  /**
   * Feeds one input: calls `fn(now)`, executes what the machine queued, re-arms the timer, and
   * returns `fn`'s answer (undefined after `stop()`, or if it threw and `onError` took it).
   */
  input<R>(fn: (now: number) => R): R | undefined {
    if (this.stopped) return undefined;
    let result: R;
    try {
      result = fn(this.scheduler.now());
    } catch (err) {
      this.fail(err);
      return undefined;
    }
    this.flush();
    return result;
  }

  /** Executes whatever the machine has queued and re-arms its timer (after a direct call). */
  flush(): void {
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    try {
      for (;;) {
        const outputs = this.machine.poll();
        if (outputs.length === 0) break;
        for (const output of outputs) {
          if (this.stopped) return;
          this.options.execute(output);
        }
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.flushing = false;
    }
    this.rearm();
  }

  /** Stops for good: no more timers, inputs or outputs. */
  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    this.armedAt = undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private rearm(): void {
    if (this.stopped) return;
    const next = this.machine.nextTimeout();
    if (next === this.armedAt && this.cancel !== undefined) return;
    this.cancel?.();
    this.cancel = undefined;
    this.armedAt = next;
    if (next === undefined) return;
    this.cancel = this.scheduler.schedule(next, () => {
      this.cancel = undefined;
      this.armedAt = undefined;
      this.input((now) => this.machine.handleTimeout(now));
    });
  }

  private fail(err: unknown): void {
    if (!this.options.onError) throw err;
    this.options.onError(err);
  }
}

/** A {@link Scheduler} over a real clock and `setTimeout`-like timers (the tab, Node). */
export function realScheduler(
  now: () => number,
  setTimer: (fn: () => void, delayMs: number) => unknown,
  clearTimer: (handle: unknown) => void,
): Scheduler {
  return {
    now,
    schedule(at, fire) {
      const handle = setTimer(fire, Math.max(0, at - now()));
      return () => clearTimer(handle);
    },
  };
}
