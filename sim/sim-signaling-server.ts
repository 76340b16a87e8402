import type { Random } from '../shared/random.js';
import { shuffle } from '../shared/random.js';
import type { VirtualClock } from './clock.js';
import type { Distribution } from './distributions.js';

/**
 * The signaling/bootstrap server as the simulator sees it: a registry of live peers that hands a
 * newcomer a random set of up to `bootstrapSize` of them, and relays offers/answers with one
 * client-to-server latency each way.
 */
export class SimSignalingServer {
  private readonly registered: string[] = [];
  private readonly index = new Map<string, number>();
  /** Signals relayed (each offer or answer counts one). */
  relayed = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: Random,
    private readonly latency: Distribution,
    readonly bootstrapSize = 20,
  ) {}

  /** Registers `id` and returns its bootstrap set (drawn before it is added). */
  register(id: string): string[] {
    const set = this.sample(this.bootstrapSize, id);
    if (!this.index.has(id)) {
      this.index.set(id, this.registered.length);
      this.registered.push(id);
    }
    return set;
  }

  unregister(id: string): void {
    const at = this.index.get(id);
    if (at === undefined) return;
    const last = this.registered.pop() as string;
    if (last !== id) {
      this.registered[at] = last;
      this.index.set(last, at);
    }
    this.index.delete(id);
  }

  isRegistered(id: string): boolean {
    return this.index.has(id);
  }

  get size(): number {
    return this.registered.length;
  }

  /** Up to `n` random registered peers other than `except`. */
  sample(n: number, except?: string): string[] {
    const pool = this.registered.length;
    if (pool <= n + 1)
      return shuffle(
        this.registered.filter((x) => x !== except),
        this.random,
      ).slice(0, n);
    const picked = new Set<string>();
    while (picked.size < n) {
      const id = this.registered[this.random.int(pool)] as string;
      if (id !== except) picked.add(id);
    }
    return [...picked];
  }

  /** Relays a signal from `from` to `to` (client -> server -> client). False if `to` is not registered. */
  relay(from: string, to: string, deliver: () => void): boolean {
    if (!this.index.has(to)) return false;
    this.relayed++;
    const delay = this.latency(this.random) + this.latency(this.random);
    this.clock.after(delay, () => {
      if (this.index.has(to) && this.index.has(from)) deliver();
    });
    return true;
  }
}
