/**
 * The one contract of every sans-I/O state machine in `shared/` (swarm, wire, DHT node, and
 * whatever comes next), in the spirit of quinn-proto and str0m:
 *
 * - **Inputs** are methods that take the current time last (`receive(peer, bytes, now)`). They
 *   may return a synchronous answer (a query id, "admitted or not"), never work for the host.
 * - **Outputs** — bytes to send, connections to open or close, events — are queued inside the
 *   machine, in the order they arose, as one typed union, and taken with {@link Machine.poll}.
 * - **Timers** are named and kept in one {@link TimerTable} per machine: `nextTimeout()` is the
 *   earliest of them, `handleTimeout(now)` runs those that are due (and queues their outputs).
 *
 * A machine never reads a clock, draws randomness it was not given, or touches I/O. The host
 * loop is {@link MachineDriver}: the client, the simulator and the tests all run that one.
 */
export interface Machine<Output> {
  /** Takes every output queued since the last call, oldest first (empty when there is none). */
  poll(): Output[];
  /** The earliest time `handleTimeout` has work, or undefined while no timer is set. */
  nextTimeout(): number | undefined;
  /** Runs every timer due at `now`; what they produce is queued for `poll`. */
  handleTimeout(now: number): void;
}

/**
 * An output queue for a machine: `push` while handling an input, `poll` hands them all over.
 * Kept as a tiny class so every machine queues the same way.
 */
export class Outbox<Output> {
  private items: Output[] = [];

  push(output: Output): void {
    this.items.push(output);
  }

  /** Takes everything queued, oldest first. */
  poll(): Output[] {
    if (this.items.length === 0) return [];
    const out = this.items;
    this.items = [];
    return out;
  }

  get size(): number {
    return this.items.length;
  }
}
