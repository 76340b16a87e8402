import { describe, expect, it } from 'vitest';
import { StorageStatus, type StorageManagerLike } from '../../../client/src/app/storage-status.js';

/** A `navigator.storage` that grants persistence when asked (or not), counting the asks. */
function fakeStorage(grant: boolean): StorageManagerLike & { asks: number } {
  let persisted = false;
  const fake = {
    asks: 0,
    estimate: async () => ({ usage: 2048, quota: 1 << 30 }),
    persisted: async () => persisted,
    persist: async () => {
      fake.asks++;
      persisted = grant;
      return grant;
    },
  };
  return fake;
}

describe('StorageStatus', () => {
  it('reads usage, quota and persistence', async () => {
    let changes = 0;
    const status = new StorageStatus(fakeStorage(true), () => changes++);
    expect(status.view()).toEqual({ asked: false, canPersist: true });
    await status.refresh();
    expect(status.view()).toEqual({
      usage: 2048,
      quota: 1 << 30,
      persisted: false,
      asked: false,
      canPersist: true,
    });
    expect(changes).toBe(1);
  });

  it('asks for persistence once, and shows the answer', async () => {
    const granted = fakeStorage(true);
    const status = new StorageStatus(granted, () => {});
    expect(await status.askOnce()).toBe(true);
    expect(await status.askOnce()).toBe(true);
    expect(granted.asks).toBe(1);
    expect(status.view()).toMatchObject({ asked: true, persisted: true });

    const refused = new StorageStatus(fakeStorage(false), () => {});
    expect(await refused.askOnce()).toBe(false);
    expect(refused.view()).toMatchObject({ asked: true, persisted: false });
  });

  it('without the API it knows nothing and never asks', async () => {
    const status = new StorageStatus(undefined, () => {});
    await status.refresh();
    expect(await status.askOnce()).toBeUndefined();
    expect(status.view()).toEqual({ asked: false, canPersist: false });
  });
});
