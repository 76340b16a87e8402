/**
 * A priority queue of timed events: a binary heap ordered by time, then by insertion sequence,
 * so two events at the same instant always run in the order they were scheduled. That tie-break
 * is what makes a simulation replay exactly from its seed.
 */
export interface QueuedEvent<T> {
  /** Virtual time in milliseconds. */
  readonly time: number;
  /** Insertion order; breaks ties between equal times. */
  readonly seq: number;
  readonly value: T;
}

export class EventQueue<T> {
  private readonly heap: QueuedEvent<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Adds `value` at `time`; returns the queued event (its `seq` identifies it). */
  push(time: number, value: T): QueuedEvent<T> {
    if (!Number.isFinite(time)) throw new RangeError(`event time must be finite, got ${time}`);
    const event: QueuedEvent<T> = { time, seq: this.nextSeq++, value };
    this.heap.push(event);
    this.siftUp(this.heap.length - 1);
    return event;
  }

  /** The earliest event without removing it. */
  peek(): QueuedEvent<T> | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest event. */
  pop(): QueuedEvent<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as QueuedEvent<T>;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private static before<T>(a: QueuedEvent<T>, b: QueuedEvent<T>): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const item = heap[i] as QueuedEvent<T>;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as QueuedEvent<T>;
      if (!EventQueue.before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i] as QueuedEvent<T>;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && EventQueue.before(heap[right] as QueuedEvent<T>, heap[left] as QueuedEvent<T>))
        child = right;
      const c = heap[child] as QueuedEvent<T>;
      if (!EventQueue.before(c, item)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = item;
  }
}
