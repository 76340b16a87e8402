import type { Notice } from './status.js';

/** Notices the page keeps at most; the oldest goes first. */
export const MAX_NOTICES = 20;

/**
 * The page's list of errors and notices, each with a stable error code where there is one
 * (`ErrorCode`), so a notice can be cleared when what it says is no longer true.
 */
export class Notices {
  private readonly list: Notice[] = [];
  private nextId = 1;

  /** `added` hears of every notice that was not already on the list. */
  constructor(private readonly added: (notice: Notice) => void = () => {}) {}

  /** Adds a notice, unless one with the same text is already there. */
  add(level: Notice['level'], text: string, code?: string): void {
    if (this.list.some((n) => n.text === text)) return;
    const notice: Notice = { id: this.nextId++, level, text, ...(code ? { code } : {}) };
    this.list.push(notice);
    if (this.list.length > MAX_NOTICES) this.list.shift();
    this.added(notice);
  }

  /** Drops every notice with one of these codes (what they said is over). */
  clear(...codes: string[]): void {
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (codes.includes(this.list[i]?.code ?? '')) this.list.splice(i, 1);
    }
  }

  /** Drops the notice the person dismissed. */
  dismiss(id: number): void {
    const i = this.list.findIndex((n) => n.id === id);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** The notices, oldest first (a copy). */
  all(): Notice[] {
    return [...this.list];
  }
}
