import { describe, expect, it } from 'vitest';
import { requestPersistentStorage } from '../../../client/src/adapters/persistent-storage.js';

describe('requestPersistentStorage', () => {
  it('asks only when storage is not persistent yet, and reports the answer', async () => {
    let asked = 0;
    const ask = (answer: boolean) => async () => {
      asked++;
      return answer;
    };
    expect(await requestPersistentStorage({ persisted: async () => true, persist: ask(false) })).toBe(true);
    expect(asked).toBe(0);
    expect(await requestPersistentStorage({ persisted: async () => false, persist: ask(true) })).toBe(true);
    expect(await requestPersistentStorage({ persist: ask(false) })).toBe(false);
    expect(asked).toBe(2);
  });

  it('is false without the API or when the browser throws', async () => {
    expect(await requestPersistentStorage(undefined)).toBe(false);
    expect(await requestPersistentStorage({})).toBe(false);
    expect(
      await requestPersistentStorage({
        persist: () => Promise.reject(new Error('denied')),
      }),
    ).toBe(false);
  });
});
