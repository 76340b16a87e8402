import { describe, expect, it } from 'vitest';
import { LINK_ADMISSION_DEFAULTS, RemoteBackoff } from '../../../shared/links/index.js';

const OPTS = LINK_ADMISSION_DEFAULTS.backoff;

describe('RemoteBackoff', () => {
  it('ignores a remote for a time that doubles with each failure, up to the cap', () => {
    const b = new RemoteBackoff(OPTS);
    expect(b.blocked('x', 0)).toBe(false);
    let now = 0;
    let expected = OPTS.baseMs;
    for (let i = 1; i <= 8; i++) {
      const until = b.failed('x', now);
      expect(until - now).toBe(Math.min(expected, OPTS.maxMs));
      expect(b.failures('x', now)).toBe(i);
      expect(b.blocked('x', until - 1)).toBe(true);
      expect(b.blocked('x', until)).toBe(false);
      now = until;
      expected *= 2;
    }
    expect(b.failed('x', now) - now).toBe(OPTS.maxMs);
  });

  it('wipes the record on success, and forgets it after a quiet spell', () => {
    const b = new RemoteBackoff(OPTS);
    b.failed('x', 0);
    b.succeeded('x');
    expect(b.failures('x', 0)).toBe(0);
    expect(b.blocked('x', 0)).toBe(false);
    b.failed('y', 0);
    b.failed('y', 1);
    expect(b.failures('y', OPTS.forgetAfterMs)).toBe(2);
    expect(b.failures('y', OPTS.forgetAfterMs + 1)).toBe(0);
    expect(b.failed('y', OPTS.forgetAfterMs + 1) - (OPTS.forgetAfterMs + 1)).toBe(OPTS.baseMs);
  });

  it('remembers a bounded number of remotes, forgetting the least recently failed', () => {
    const maxRemotes = 3;
    const b = new RemoteBackoff({ ...OPTS, maxRemotes });
    for (let i = 0; i < 10; i++) b.failed(`r${i}`, i);
    expect(b.size).toBe(maxRemotes);
    expect(b.failures('r0', 10)).toBe(0);
    expect(b.failures('r9', 10)).toBe(1);
    // A remote that fails again moves to the back of the line.
    b.failed('r7', 11);
    b.failed('r10', 12);
    expect(b.failures('r7', 12)).toBe(2);
    expect(b.failures('r8', 12)).toBe(0);
  });
});
