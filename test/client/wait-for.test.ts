import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves once the condition holds', async () => {
    let n = 0;
    await waitFor('three checks', () => ++n >= 3, { everyMs: 1 });
    expect(n).toBe(3);
  });

  it('throws, naming what it waited for, when the condition never holds', async () => {
    await expect(waitFor('the impossible', () => false, { timeoutMs: 20, everyMs: 5 })).rejects.toThrow(
      /the impossible/,
    );
  });
});
