import { DeadlineWindow } from './deadline-window.js';
import type { UrgentPlan } from './deadline-window.js';
import type { DownloadPipeline } from './download-pipeline.js';
import type { SwarmCore } from './swarm-core.js';

/**
 * The swarm's side of a player: the deadline window at the playhead (see DeadlineWindow), the
 * `deadline` timer that wakes the pipeline when a window piece becomes late, and the seek rule:
 * a playhead that leaves the window withdraws every request outside the new one, so the pieces
 * the player needs are not queued behind others at the peers.
 */
export class Playback {
  private window: DeadlineWindow | undefined;

  constructor(
    private readonly core: SwarmCore,
    private readonly download: DownloadPipeline,
  ) {}

  /** The plan the picker follows at `now`, or undefined when nothing plays. */
  plan(now: number): UrgentPlan | undefined {
    const picker = this.core.picker;
    if (!picker || !this.window?.active) return undefined;
    return this.window.plan(now, (i) => picker.wants(i));
  }

  /** A player reads from piece `head` on, in a file whose last piece is `last`. */
  playFrom(head: number, last: number, now: number): void {
    const picker = this.core.picker;
    if (!picker || head < 0 || head >= picker.pieceCount) return;
    this.window ??= new DeadlineWindow({ pieceLength: this.core.info?.pieceLength ?? picker.blockSize });
    const window = this.window;
    const change = window.set(head, Math.min(last, picker.pieceCount - 1), now);
    if (change.jumped) this.download.withdraw((index) => !window.has(index), now);
    this.sync(now);
    this.download.refillAll(now);
  }

  /** No player reads any more: rarest first alone. */
  stop(): void {
    this.window?.clear();
    this.core.timers.clear('deadline');
  }

  /** Keeps the `deadline` timer at the next window piece to become late. */
  sync(now: number): void {
    const picker = this.core.picker;
    const at = picker ? this.window?.nextDeadline(now, (i) => picker.wants(i)) : undefined;
    if (at === undefined) this.core.timers.clear('deadline');
    else this.core.timers.set('deadline', at);
  }
}
