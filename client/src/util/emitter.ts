/** The listener signature of each event, by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap<Events> = { [E in keyof Events]: (...args: any[]) => void };

/**
 * A minimal typed event emitter, used by the adapters and the app layer. Listeners run
 * synchronously in registration order; a listener that throws is reported to the console and does
 * not stop the others, so a bug in the app cannot wedge an adapter halfway through its own state
 * change.
 */
export class Emitter<Events extends EventMap<Events>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds `listener` for `event`. */
  on<E extends keyof Events>(event: E, listener: Events[E]): void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
  }

  /** Removes `listener` for `event` (no-op if absent). */
  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Calls every listener of `event` with `args`. */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        console.error(`tabswarm: '${String(event)}' listener threw`, err);
      }
    }
  }

  /** Drops every listener (after a final event). */
  clear(): void {
    this.listeners.clear();
  }
}
