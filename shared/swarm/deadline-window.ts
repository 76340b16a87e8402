/**
 * The pieces a player needs next, in the order it needs them, each with a deadline. A stream
 * reading a file sets the window at its playhead; the piece picker fetches window pieces strictly
 * in order before anything else, and a piece past its deadline may be requested from a second
 * peer. A seek (a playhead outside the current window) drops the old window: its pieces lose
 * their priority and their requests may be withdrawn. Rarest first goes on for everything else.
 * Pure data: times come in as `now`.
 */

/** Bytes of the file ahead of the playhead fetched in deadline order (at least 2 pieces). */
export const DEADLINE_WINDOW_BYTES = 2 * 1024 * 1024;
/**
 * Deadline step: the head piece is due this long after it enters the window, the next one
 * twice as long, and so on. A window piece still missing at its deadline is late.
 */
export const DEADLINE_STEP_MS = 1_500;

/** What the picker gets from the window: the pieces in order, and which of them are late. */
export interface UrgentPlan {
  /** Missing window pieces, playhead first. */
  order: readonly number[];
  /** Pieces of `order` past their deadline: their blocks may be requested from a second peer. */
  late: ReadonlySet<number>;
  /** Bytes of the receive budget other pieces leave free for these (one piece length each). */
  reserveBytes: number;
}

/** What {@link DeadlineWindow.set} did. */
export interface WindowChange {
  /** The playhead left the old window (or there was none): a seek, not a step forward. */
  jumped: boolean;
  /** Pieces of the old window that are not in the new one (their requests may be withdrawn). */
  dropped: number[];
}

/** Options of {@link DeadlineWindow}. */
export interface DeadlineWindowOptions {
  pieceLength: number;
  /** Bytes ahead of the playhead (default DEADLINE_WINDOW_BYTES). */
  windowBytes?: number;
  /** Deadline step in ms (default DEADLINE_STEP_MS). */
  stepMs?: number;
}

/** The deadline-ordered pieces around one playhead (see the module comment). */
export class DeadlineWindow {
  private readonly span: number;
  private readonly stepMs: number;
  private readonly pieceLength: number;
  /** Window pieces in order, each with its deadline; empty when nothing plays. */
  private pieces = new Map<number, number>();

  constructor(opts: DeadlineWindowOptions) {
    this.span = Math.max(2, Math.ceil((opts.windowBytes ?? DEADLINE_WINDOW_BYTES) / opts.pieceLength));
    this.stepMs = opts.stepMs ?? DEADLINE_STEP_MS;
    this.pieceLength = opts.pieceLength;
  }

  /** Pieces a full window holds. */
  get size(): number {
    return this.span;
  }

  /** True while a playhead is set. */
  get active(): boolean {
    return this.pieces.size > 0;
  }

  /**
   * The playhead is at piece `head`, in a file whose last piece is `last`: the window becomes
   * `head ..` up to `span` pieces, never past `last`. Pieces already in the window keep their
   * deadlines; new ones are due one step after the piece before them (the head one step from now).
   */
  set(head: number, last: number, now: number): WindowChange {
    const old = this.pieces;
    const jumped = !old.has(head);
    const next = new Map<number, number>();
    let due = now;
    const end = Math.min(last, head + this.span - 1);
    for (let i = head; i <= end; i++) {
      due = old.get(i) ?? Math.max(due, now) + this.stepMs;
      next.set(i, due);
    }
    const dropped = [...old.keys()].filter((i) => !next.has(i));
    this.pieces = next;
    return { jumped, dropped };
  }

  /** Nothing plays any more: returns the pieces the window held. */
  clear(): number[] {
    const dropped = [...this.pieces.keys()];
    this.pieces = new Map();
    return dropped;
  }

  /** Whether piece `index` is in the window. */
  has(index: number): boolean {
    return this.pieces.has(index);
  }

  /** The deadline of piece `index`, if it is in the window. */
  deadline(index: number): number | undefined {
    return this.pieces.get(index);
  }

  /**
   * The plan for the picker at `now`: window pieces `missing` says are still to fetch, in order,
   * and those past their deadline.
   */
  plan(now: number, missing: (index: number) => boolean): UrgentPlan {
    const order: number[] = [];
    const late = new Set<number>();
    for (const [i, due] of this.pieces) {
      if (!missing(i)) continue;
      order.push(i);
      if (now >= due) late.add(i);
    }
    return { order, late, reserveBytes: order.length * this.pieceLength };
  }

  /** The earliest deadline still ahead of `now` among pieces `missing` says are still to fetch. */
  nextDeadline(now: number, missing: (index: number) => boolean): number | undefined {
    let next: number | undefined;
    for (const [i, due] of this.pieces) {
      if (due > now && missing(i) && (next === undefined || due < next)) next = due;
    }
    return next;
  }
}
