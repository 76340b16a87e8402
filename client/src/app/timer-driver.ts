/** Anything in shared/ that asks for a timer: when it next wants `handleTimeout`. */
export interface Timed<A> {
  nextTimeout(): number | undefined;
  handleTimeout(now: number): A[];
}

/**
 * Drives a sans-I/O state machine's timers with the browser's clock: after every input, call
 * `reschedule()`; when the deadline passes it calls `handleTimeout(now)` and hands the actions on.
 */
export class TimerDriver<A> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadline: number | undefined;
  private stopped = false;

  constructor(
    private readonly machine: Timed<A>,
    private readonly apply: (actions: A[]) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  reschedule(): void {
    if (this.stopped) return;
    const next = this.machine.nextTimeout();
    if (next === this.deadline && this.timer !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline = next;
    if (next === undefined) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - this.now()));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.deadline = undefined;
    this.apply(this.machine.handleTimeout(this.now()));
    this.reschedule();
  }
}
