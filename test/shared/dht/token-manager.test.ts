import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { TokenManager } from '../../../shared/dht/token-manager.js';
import { testSeed } from './helpers/seed.js';

const MIN = 60_000;

describe('TokenManager', () => {
  const random = seededRandom(testSeed('token-manager', 21));
  const alice = random.bytes(20);
  const bob = random.bytes(20);

  it('accepts a token now and after one rotation, refuses it after two', () => {
    const tokens = new TokenManager(seededRandom(1), 5 * MIN, 0);
    const t = tokens.issue(alice, 1000);
    expect(tokens.verify(alice, t, 1000)).toBe(true);
    expect(tokens.verify(alice, t, 5 * MIN - 1)).toBe(true); // same period
    expect(tokens.verify(alice, t, 5 * MIN + 1)).toBe(true); // one rotation
    expect(tokens.verify(alice, t, 10 * MIN - 1)).toBe(true);
    expect(tokens.verify(alice, t, 10 * MIN + 1)).toBe(false); // two rotations
  });

  it('refuses after a long silence that skipped several rotations', () => {
    const tokens = new TokenManager(seededRandom(2), 5 * MIN, 0);
    const t = tokens.issue(alice, 0);
    expect(tokens.verify(alice, t, 60 * MIN)).toBe(false);
    const fresh = tokens.issue(alice, 60 * MIN);
    expect(tokens.verify(alice, fresh, 60 * MIN + 1)).toBe(true);
  });

  it('binds a token to the asking node id', () => {
    const tokens = new TokenManager(seededRandom(3), 5 * MIN, 0);
    const t = tokens.issue(alice, 0);
    expect(tokens.verify(bob, t, 0)).toBe(false);
    expect(tokens.verify(alice, tokens.issue(bob, 0), 0)).toBe(false);
    expect(tokens.verify(alice, new Uint8Array(8), 0)).toBe(false);
    expect(tokens.verify(alice, t.subarray(0, 4), 0)).toBe(false);
  });

  it('issues different tokens from different secrets', () => {
    const a = new TokenManager(seededRandom(4), 5 * MIN, 0);
    const b = new TokenManager(seededRandom(5), 5 * MIN, 0);
    expect(b.verify(alice, a.issue(alice, 0), 0)).toBe(false);
    const before = a.issue(alice, 0);
    const after = a.issue(alice, 5 * MIN);
    expect(after).not.toEqual(before);
  });
});
