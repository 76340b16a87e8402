import { describe, expect, it } from 'vitest';
import { PieceCache } from '../../../shared/swarm/piece-cache.js';

describe('PieceCache', () => {
  it('evicts the least recently used pieces beyond its byte bound', () => {
    const c = new PieceCache(300);
    c.set(1, new Uint8Array(100));
    c.set(2, new Uint8Array(100));
    c.set(3, new Uint8Array(100));
    c.get(1);
    c.set(4, new Uint8Array(100));
    expect([c.has(1), c.has(2), c.has(3), c.has(4)]).toEqual([true, false, true, true]);
    expect(c.byteSize).toBe(300);
    c.set(5, new Uint8Array(1000)); // larger than the bound: not cached
    expect(c.has(5)).toBe(false);
  });
});
