import { describe, expect, it } from 'vitest';
import { SERVICE_WORKER_URL, registerServiceWorker } from '../../../client/src/app/service-worker.js';

describe('registerServiceWorker', () => {
  it('registers the worker at the site root', async () => {
    const calls: unknown[][] = [];
    const host = { register: async (...args: unknown[]) => void calls.push(args) };
    expect(await registerServiceWorker(host)).toBe(true);
    expect(calls).toEqual([[SERVICE_WORKER_URL, { type: 'module', scope: '/' }]]);
  });

  it('is false without service workers or when registration fails', async () => {
    expect(await registerServiceWorker(undefined)).toBe(false);
    expect(await registerServiceWorker({ register: () => Promise.reject(new Error('SecurityError')) })).toBe(
      false,
    );
  });
});
