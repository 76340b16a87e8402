import type { Random } from '../shared/random.js';

/**
 * A set with O(1) add, delete and uniform random sampling: the bootstrap set and the tracker's
 * peer lists are random picks from sets that may hold thousands of peers, so sampling must not
 * copy the whole set.
 */
export class RandomSet<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<T, number>();

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.index.has(item);
  }

  /** Adds `item`; false if it was already there. */
  add(item: T): boolean {
    if (this.index.has(item)) return false;
    this.index.set(item, this.items.length);
    this.items.push(item);
    return true;
  }

  /** Removes `item` by moving the last item into its slot; false if it was absent. */
  delete(item: T): boolean {
    const at = this.index.get(item);
    if (at === undefined) return false;
    const last = this.items.pop() as T;
    this.index.delete(item);
    if (at < this.items.length) {
      this.items[at] = last;
      this.index.set(last, at);
    }
    return true;
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  /**
   * Up to `count` distinct items chosen uniformly at random, never `exclude`. A partial
   * Fisher–Yates shuffle over a sparse overlay of swapped slots: O(count), no copy.
   */
  sample(count: number, random: Random, exclude?: T): T[] {
    const n = this.items.length;
    const available = exclude !== undefined && this.index.has(exclude) ? n - 1 : n;
    const want = Math.max(0, Math.min(count, available));
    const out: T[] = [];
    const swapped = new Map<number, number>();
    const slot = (i: number): number => swapped.get(i) ?? i;
    for (let i = 0; out.length < want && i < n; i++) {
      const j = i + random.int(n - i);
      const picked = slot(j);
      swapped.set(j, slot(i));
      const item = this.items[picked] as T;
      if (item !== exclude) out.push(item);
    }
    return out;
  }
}
