import type { KeySlots, SlotLocks } from './identity-store.js';
import { PooledIdentityStore } from './identity-store.js';

/** Key slots in a Map: one browser profile's storage, for tests and the twin. */
export class MemoryKeySlots implements KeySlots {
  readonly keys = new Map<number, Uint8Array>();

  get(slot: number): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.keys.get(slot));
  }

  put(slot: number, secretKey: Uint8Array): Promise<void> {
    this.keys.set(slot, Uint8Array.from(secretKey));
    return Promise.resolve();
  }
}

/** The Web Locks API's exclusive `ifAvailable` requests, in memory: one profile's lock manager. */
export class MemoryLocks implements SlotLocks {
  readonly held = new Set<string>();

  async request(
    name: string,
    _options: { ifAvailable: true },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown> {
    if (this.held.has(name)) return callback(null);
    this.held.add(name);
    try {
      return await callback({ name });
    } finally {
      this.held.delete(name);
    }
  }
}

/** One browser profile in memory: every `store()` is a tab of it, sharing its slots and locks. */
export class MemoryIdentityProfile {
  readonly slots = new MemoryKeySlots();
  readonly locks = new MemoryLocks();

  constructor(private readonly randomBytes: (n: number) => Uint8Array) {}

  /** The identity store one tab of this profile sees. */
  store(): PooledIdentityStore {
    return new PooledIdentityStore(this.slots, this.locks, this.randomBytes);
  }
}
