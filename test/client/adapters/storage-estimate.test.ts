import { describe, expect, it } from 'vitest';
import { estimateStorage } from '../../../client/src/adapters/storage-estimate.js';

describe('estimateStorage', () => {
  it('passes on the figures the browser gives', async () => {
    expect(await estimateStorage({ estimate: async () => ({ usage: 10, quota: 1000 }) })).toEqual({
      usage: 10,
      quota: 1000,
    });
    expect(await estimateStorage({ estimate: async () => ({ usage: 10 }) })).toEqual({ usage: 10 });
  });

  it('knows nothing without the API, when it throws, or when the figures are not numbers', async () => {
    expect(await estimateStorage(undefined)).toEqual({});
    expect(await estimateStorage({})).toEqual({});
    expect(await estimateStorage({ estimate: () => Promise.reject(new Error('no')) })).toEqual({});
    const odd = { usage: Number.NaN, quota: -1 } as { usage?: number; quota?: number };
    expect(await estimateStorage({ estimate: async () => odd })).toEqual({});
  });
});
