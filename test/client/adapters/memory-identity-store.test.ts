import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { MemoryIdentityProfile, MemoryLocks } from '../../../client/src/adapters/memory-identity-store.js';
import { identityStoreContract } from './identity-store.contract.js';

let seed = 1;
identityStoreContract('memory twin', () => {
  const random = seededRandom(seed++);
  const profile = new MemoryIdentityProfile((n) => random.bytes(n));
  return { tab: () => profile.store() };
});

describe('MemoryLocks', () => {
  it('grants an ifAvailable lock once until it is released', async () => {
    const locks = new MemoryLocks();
    let release!: () => void;
    const granted = await new Promise<unknown>((resolve) => {
      void locks.request('x', { ifAvailable: true }, (lock) => {
        resolve(lock);
        return new Promise<void>((r) => (release = r));
      });
    });
    expect(granted).not.toBeNull();
    expect(await locks.request('x', { ifAvailable: true }, (lock) => void expect(lock).toBeNull()));
    release();
    await Promise.resolve();
    await locks.request('x', { ifAvailable: true }, (lock) => void expect(lock).not.toBeNull());
  });
});
