import { describe, expect, it } from 'vitest';
import { RateWindow } from '../../../shared/dht/rate-window.js';

const LIMIT = 3;
const WINDOW_MS = 1000;

describe('RateWindow', () => {
  it('allows `limit` events per key per window, then refuses until the next window', () => {
    const w = new RateWindow<string>(LIMIT, WINDOW_MS);
    const burst = (key: string, now: number): boolean[] =>
      Array.from({ length: LIMIT + 2 }, () => w.allow(key, now));
    const allowed = [...Array<boolean>(LIMIT).fill(true), false, false];
    expect(burst('a', 10)).toEqual(allowed);
    expect(burst('b', 20)).toEqual(allowed); // keys are counted apart
    expect(w.allow('a', WINDOW_MS - 1)).toBe(false);
    expect(burst('a', WINDOW_MS)).toEqual(allowed);
    w.forget('b');
    expect(w.allow('b', 30)).toBe(true);
  });

  it('refuses everything with a limit of zero', () => {
    expect(new RateWindow<string>(0, WINDOW_MS).allow('a', 0)).toBe(false);
  });
});
