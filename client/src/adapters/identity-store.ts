import { identityFromSecretKey, SECRET_KEY_BYTES, type Identity } from '../../../shared/identity/index.js';

/** A tab's claim on an identity, held until the tab goes away (or `release`). */
export interface IdentityClaim {
  readonly identity: Identity;
  /** True if the key is stored and comes back to a later tab (a reload); false for a key in memory only. */
  readonly kept: boolean;
  /**
   * Gives the identity back to the pool; resolves once another tab can claim it. A tab that
   * closes gives it back by itself.
   */
  release(): Promise<void>;
}

/** Where a tab gets its key pair. */
export interface IdentityStore {
  /** An identity no other live tab of this browser profile holds. */
  claim(): Promise<IdentityClaim>;
}

/** Numbered places for secret keys (IndexedDB, or a Map in the twin). */
export interface KeySlots {
  get(slot: number): Promise<Uint8Array | undefined>;
  put(slot: number, secretKey: Uint8Array): Promise<void>;
}

/**
 * Exclusive named locks held for a tab's life: the Web Locks API (`navigator.locks`) has this
 * shape. `callback` gets null when `ifAvailable` and the lock is taken; the lock is held until
 * the promise the callback returns settles, or the tab goes away.
 */
export interface SlotLocks {
  request(
    name: string,
    options: { ifAvailable: true },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>;
}

/** Most stored identities per browser profile; tabs beyond this many at once get keys in memory. */
export const MAX_IDENTITY_SLOTS = 64;
/** Prefix of the lock names, one per slot. */
export const SLOT_LOCK_PREFIX = 'tabswarm-identity-';

/**
 * A small pool of stored key pairs shared by the tabs of one profile. A tab takes the lowest
 * slot whose lock it can get at once, reads its key, or creates and stores one if the slot is
 * empty, and holds the lock for its life. So two live tabs never share a key (the server would
 * hand the id back and forth between them), and a reloaded tab gets its slot, hence its id,
 * back: the lock is released with the old page and the new page finds the lowest free slot.
 * A slot is only read or written under its lock, so racing tabs cannot both create it.
 */
export class PooledIdentityStore implements IdentityStore {
  constructor(
    private readonly slots: KeySlots,
    private readonly locks: SlotLocks,
    private readonly randomBytes: (n: number) => Uint8Array,
    private readonly maxSlots = MAX_IDENTITY_SLOTS,
  ) {}

  async claim(): Promise<IdentityClaim> {
    for (let slot = 0; slot < this.maxSlots; slot++) {
      const release = await holdIfAvailable(this.locks, `${SLOT_LOCK_PREFIX}${slot}`);
      if (release === undefined) continue;
      try {
        let secret = await this.slots.get(slot);
        if (secret?.length !== SECRET_KEY_BYTES) {
          secret = this.randomBytes(SECRET_KEY_BYTES);
          await this.slots.put(slot, secret);
        }
        return { identity: identityFromSecretKey(secret), kept: true, release };
      } catch (err) {
        void release();
        throw err;
      }
    }
    return freshClaim(this.randomBytes);
  }
}

/** A key of this tab's own, in memory: a new id on every load. */
export function freshClaim(randomBytes: (n: number) => Uint8Array): IdentityClaim {
  return {
    identity: identityFromSecretKey(randomBytes(SECRET_KEY_BYTES)),
    kept: false,
    release: () => Promise.resolve(),
  };
}

/**
 * Takes lock `name` if nobody holds it; resolves the function that releases it (resolving once
 * it is free), or undefined.
 */
function holdIfAvailable(locks: SlotLocks, name: string): Promise<(() => Promise<void>) | undefined> {
  return new Promise((resolve, reject) => {
    const held = locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null) return resolve(undefined);
        return new Promise<void>((release) =>
          resolve(() => {
            release();
            return held.then(() => {});
          }),
        );
      })
      .catch(reject);
  });
}
