/** Promises for pieces not stored yet, resolved as each one is. */
export class PieceWaiters {
  private readonly waiting = new Map<number, (() => void)[]>();

  /** Resolves when {@link arrived} is called for `index`. */
  wait(index: number): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiting.get(index);
      if (list) list.push(resolve);
      else this.waiting.set(index, [resolve]);
    });
  }

  /** Piece `index` is stored: its waiters go on. */
  arrived(index: number): void {
    const list = this.waiting.get(index);
    if (!list) return;
    this.waiting.delete(index);
    for (const resolve of list) resolve();
  }

  /** Every piece is there (the transfer completed): everyone goes on. */
  all(): void {
    for (const index of [...this.waiting.keys()]) this.arrived(index);
  }
}
