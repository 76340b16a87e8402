import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { TokenManager } from '../../../shared/dht/token-manager.js';
import { testSeed } from './helpers/seed.js';

const MIN = 60_000;

describe('TokenManager', () => {
  const random = seededRandom(testSeed('token-manager', 21));
  const alice = random.bytes(20);
  const bob = random.bytes(20);
  const ih = random.bytes(20);
  const other = random.bytes(20);

  it('accepts a token now and after one rotation, refuses it after two', () => {
    const tokens = new TokenManager(seededRandom(1), 5 * MIN, 0);
    const t = tokens.issue(alice, ih, 1000);
    expect(tokens.verify(alice, ih, t, 1000)).toBe(true);
    expect(tokens.verify(alice, ih, t, 5 * MIN - 1)).toBe(true); // same period
    expect(tokens.verify(alice, ih, t, 5 * MIN + 1)).toBe(true); // one rotation
    expect(tokens.verify(alice, ih, t, 10 * MIN - 1)).toBe(true);
    expect(tokens.verify(alice, ih, t, 10 * MIN + 1)).toBe(false); // two rotations
  });

  it('refuses after a long silence that skipped several rotations', () => {
    const tokens = new TokenManager(seededRandom(2), 5 * MIN, 0);
    const t = tokens.issue(alice, ih, 0);
    expect(tokens.verify(alice, ih, t, 60 * MIN)).toBe(false);
    const fresh = tokens.issue(alice, ih, 60 * MIN);
    expect(tokens.verify(alice, ih, fresh, 60 * MIN + 1)).toBe(true);
  });

  it('binds a token to the asking node id', () => {
    const tokens = new TokenManager(seededRandom(3), 5 * MIN, 0);
    const t = tokens.issue(alice, ih, 0);
    expect(tokens.verify(bob, ih, t, 0)).toBe(false);
    expect(tokens.verify(alice, ih, tokens.issue(bob, ih, 0), 0)).toBe(false);
    expect(tokens.verify(alice, ih, new Uint8Array(8), 0)).toBe(false);
    expect(tokens.verify(alice, ih, t.subarray(0, 4), 0)).toBe(false);
  });

  it('binds a token to the key it was issued for', () => {
    const tokens = new TokenManager(seededRandom(6), 5 * MIN, 0);
    const t = tokens.issue(alice, ih, 0);
    expect(tokens.verify(alice, ih, t, 0)).toBe(true);
    expect(tokens.verify(alice, other, t, 0)).toBe(false);
    expect(tokens.verify(bob, other, t, 0)).toBe(false);
  });

  it('issues different tokens from different secrets', () => {
    const a = new TokenManager(seededRandom(4), 5 * MIN, 0);
    const b = new TokenManager(seededRandom(5), 5 * MIN, 0);
    expect(b.verify(alice, ih, a.issue(alice, ih, 0), 0)).toBe(false);
    const before = a.issue(alice, ih, 0);
    const after = a.issue(alice, ih, 5 * MIN);
    expect(after).not.toEqual(before);
  });
});
