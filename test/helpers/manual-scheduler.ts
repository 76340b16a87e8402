import type { Scheduler } from '../../shared/machine/driver.js';

/** A manual clock for tests: time moves only by `advance`, which runs what falls due. */
export class ManualScheduler implements Scheduler {
  time = 0;
  private tasks: { at: number; fire: () => void; live: boolean }[] = [];
  now(): number {
    return this.time;
  }
  schedule(at: number, fire: () => void): () => void {
    const task = { at, fire, live: true };
    this.tasks.push(task);
    return () => {
      task.live = false;
    };
  }
  get armed(): number[] {
    this.tasks = this.tasks.filter((t) => t.live);
    return this.tasks.map((t) => t.at);
  }
  advance(to: number): void {
    for (;;) {
      this.tasks = this.tasks.filter((t) => t.live);
      const due = this.tasks.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.time = Math.max(this.time, due.at);
      due.fire();
    }
    this.time = to;
  }
}
