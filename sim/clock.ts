import type { Scheduler } from '../shared/machine/driver.js';
import { EventQueue } from './event-queue.js';

/** A scheduled callback; `cancel()` stops it from running (lazy removal from the heap). */
export interface TimerHandle {
  readonly time: number;
  cancel(): void;
  readonly cancelled: boolean;
}

interface Task {
  run: () => void;
  cancelled: boolean;
}

/**
 * The virtual clock: time only moves when the next event is taken off the queue. Nothing here
 * reads a real clock or sets a real timer, so a run depends on its seed alone.
 */
export class VirtualClock {
  private readonly queue = new EventQueue<Task>();
  private current = 0;
  private executed = 0;

  /** Current virtual time in milliseconds. */
  get now(): number {
    return this.current;
  }

  /** Events run so far. */
  get eventsRun(): number {
    return this.executed;
  }

  /** Events waiting (cancelled ones included until they reach the top). */
  get pending(): number {
    return this.queue.size;
  }

  /** This clock as the {@link Scheduler} of a MachineDriver. */
  scheduler(): Scheduler {
    return {
      now: () => this.current,
      schedule: (at, fire) => {
        const h = this.at(at, fire);
        return () => h.cancel();
      },
    };
  }

  /** Runs `run` at absolute time `time` (never earlier than now). */
  at(time: number, run: () => void): TimerHandle {
    const task: Task = { run, cancelled: false };
    const t = Math.max(time, this.current);
    this.queue.push(t, task);
    return {
      time: t,
      cancel: () => {
        task.cancelled = true;
      },
      get cancelled() {
        return task.cancelled;
      },
    };
  }

  /** Runs `run` after `delay` milliseconds. */
  after(delay: number, run: () => void): TimerHandle {
    return this.at(this.current + Math.max(0, delay), run);
  }

  /** Runs the next live event; false if none is left. */
  step(): boolean {
    for (;;) {
      const event = this.queue.pop();
      if (event === undefined) return false;
      if (event.value.cancelled) continue;
      this.current = event.time;
      this.executed++;
      event.value.run();
      return true;
    }
  }

  /**
   * Runs events up to and including time `until`, then sets the clock to `until`.
   * `maxEvents` guards against a runaway feedback loop in the code under test.
   */
  runUntil(until: number, maxEvents = Number.POSITIVE_INFINITY): void {
    let budget = maxEvents;
    for (;;) {
      const top = this.queue.peek();
      if (top === undefined || top.time > until) break;
      if (budget-- <= 0) throw new Error(`event budget exhausted at t=${this.current}ms`);
      this.step();
    }
    if (until > this.current) this.current = until;
  }

  /**
   * Runs events until `done()` holds, the queue empties or the next event lies past `limit`.
   * Returns done().
   */
  runUntilDone(done: () => boolean, limit: number, maxEvents = Number.POSITIVE_INFINITY): boolean {
    let budget = maxEvents;
    while (!done()) {
      const top = this.queue.peek();
      if (top === undefined || top.time > limit) return done();
      if (budget-- <= 0) throw new Error(`event budget exhausted at t=${this.current}ms`);
      this.step();
    }
    return true;
  }
}
