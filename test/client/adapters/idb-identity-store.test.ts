import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { IdbIdentityStore } from '../../../client/src/adapters/idb-identity-store.js';
import { MAX_IDENTITY_SLOTS } from '../../../client/src/adapters/identity-store.js';
import { MemoryLocks } from '../../../client/src/adapters/memory-identity-store.js';
import { identityStoreContract } from './identity-store.contract.js';

let seed = 100;

/** A profile: one IndexedDB and one lock manager, shared by its tabs. */
function profile(): { indexedDB: IDBFactory; locks: MemoryLocks; tab: () => IdbIdentityStore } {
  const indexedDB = new IDBFactory();
  const locks = new MemoryLocks();
  const random = seededRandom(seed++);
  return {
    indexedDB,
    locks,
    tab: () => new IdbIdentityStore({ indexedDB, locks, randomBytes: (n) => random.bytes(n) }),
  };
}

identityStoreContract('IndexedDB (fake-indexeddb) + Web Locks twin', profile);

describe('IdbIdentityStore', () => {
  it('keeps keys in the database: a new page of the profile finds the same pool', async () => {
    const p = profile();
    const first = await p.tab().claim();
    await first.release();
    // A fresh store object, as after a browser restart: the key comes from IndexedDB.
    const again = await new IdbIdentityStore({ indexedDB: p.indexedDB, locks: new MemoryLocks() }).claim();
    expect(toHex(again.identity.peerId)).toBe(toHex(first.identity.peerId));
  });

  it('falls back to a fresh key in memory without locks or storage, or when storage fails', async () => {
    const noLocks = new IdbIdentityStore({ indexedDB: new IDBFactory(), locks: undefined });
    const a = await noLocks.claim();
    const b = await noLocks.claim();
    expect(a.kept).toBe(false);
    expect(toHex(a.identity.peerId)).not.toBe(toHex(b.identity.peerId));
    const noStorage = await new IdbIdentityStore({ indexedDB: undefined, locks: new MemoryLocks() }).claim();
    expect(noStorage.kept).toBe(false);
    const warnings: string[] = [];
    const broken = {
      open: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
    } as unknown as IDBFactory;
    const failing = await new IdbIdentityStore({
      indexedDB: broken,
      locks: new MemoryLocks(),
      warn: (m) => warnings.push(m),
    }).claim();
    expect(failing.kept).toBe(false);
    expect(warnings.join()).toMatch(/blocked/);
  });

  it(`gives tabs beyond ${MAX_IDENTITY_SLOTS} at once keys in memory`, async () => {
    const p = profile();
    const claims = [];
    for (let i = 0; i < MAX_IDENTITY_SLOTS; i++) claims.push(await p.tab().claim());
    const extra = await p.tab().claim();
    expect(extra.kept).toBe(false);
    expect(new Set([...claims, extra].map((c) => toHex(c.identity.peerId))).size).toBe(
      MAX_IDENTITY_SLOTS + 1,
    );
  });
});
