/** What a timer is about: nothing (a machine-wide timer), or the peer / node / query it concerns. */
export type TimerSubject = string | number | undefined;

/** One due timer, as {@link TimerTable.due} hands it back. */
export interface DueTimer<Name extends string> {
  name: Name;
  subject: TimerSubject;
  at: number;
}

interface Entry<Name extends string> {
  key: string;
  name: Name;
  subject: TimerSubject;
  at: number;
  /** Order of setting, so timers with one deadline fire in the order they were set. */
  seq: number;
}

/**
 * A machine's named timers in one place (quinn-proto's `TimerTable`): each timer is a name plus
 * an optional subject (the peer or query it concerns) and one deadline. Setting a timer again
 * moves it; `next()` is the earliest deadline, so a machine's `nextTimeout()` is one call rather
 * than a walk over its state that must agree with `handleTimeout`.
 *
 * A binary heap with lazy removal: set/clear are O(log n) amortised, `next()` is O(1) amortised.
 */
export class TimerTable<Name extends string> {
  private readonly live = new Map<string, Entry<Name>>();
  private heap: Entry<Name>[] = [];
  private sequence = 0;

  /** Sets (or moves) timer `name` for `subject` to fire at `at`. */
  set(name: Name, at: number, subject?: TimerSubject): void {
    const key = keyOf(name, subject);
    const old = this.live.get(key);
    if (old && old.at === at) return;
    const entry: Entry<Name> = { key, name, subject, at, seq: this.sequence++ };
    this.live.set(key, entry);
    this.push(entry);
    if (this.heap.length > 64 && this.heap.length > 2 * this.live.size) this.compact();
  }

  /** Sets the timer unless it is already set to fire sooner. */
  setEarliest(name: Name, at: number, subject?: TimerSubject): void {
    const current = this.get(name, subject);
    if (current === undefined || at < current) this.set(name, at, subject);
  }

  /** Removes timer `name` for `subject` (nothing if it was not set). */
  clear(name: Name, subject?: TimerSubject): void {
    this.live.delete(keyOf(name, subject));
  }

  /** Removes every timer of `subject` (a peer that left). */
  clearSubject(subject: TimerSubject): void {
    for (const [key, entry] of this.live) if (entry.subject === subject) this.live.delete(key);
  }

  /** When timer `name` for `subject` fires, or undefined if it is not set. */
  get(name: Name, subject?: TimerSubject): number | undefined {
    return this.live.get(keyOf(name, subject))?.at;
  }

  has(name: Name, subject?: TimerSubject): boolean {
    return this.live.has(keyOf(name, subject));
  }

  /** The earliest deadline, or undefined if no timer is set. */
  next(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /**
   * Removes and returns every timer due at `now`, earliest first (ties in the order they were
   * set). A handler may set timers again while the caller walks the list.
   */
  due(now: number): DueTimer<Name>[] {
    const out: DueTimer<Name>[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (top === undefined || top.at > now) break;
      this.pop();
      this.live.delete(top.key);
      out.push({ name: top.name, subject: top.subject, at: top.at });
    }
    return out;
  }

  /** Timers set. */
  get size(): number {
    return this.live.size;
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.live.get(this.heap[0]!.key) !== this.heap[0]) this.pop();
  }

  private compact(): void {
    this.heap = [...this.live.values()].sort(before);
  }

  private push(entry: Entry<Name>): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (before(h[parent]!, h[i]!) <= 0) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && before(h[r]!, h[m]!) < 0) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

function before<Name extends string>(a: Entry<Name>, b: Entry<Name>): number {
  return a.at - b.at || a.seq - b.seq;
}

function keyOf(name: string, subject: TimerSubject): string {
  return subject === undefined ? name : `${name}\u0000${typeof subject}:${subject}`;
}
