import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { idBytes, toNodeId, toNodeIdAt } from '../../../shared/dht/node-id.js';
import { testSeed } from './helpers/seed.js';

describe('node ids', () => {
  it('reads ids from bytes at any offset, as lower-case hex, past the cache size too', () => {
    const random = seededRandom(testSeed('node-id', 41));
    // More ids than the cache holds, each read twice (a hit and, after eviction, a miss).
    for (let i = 0; i < 70_000; i++) {
      const buf = random.bytes(45);
      const at = random.int(26);
      const hex = toHex(buf.subarray(at, at + 20));
      expect(toNodeIdAt(buf, at)).toBe(hex);
      if (i % 1000 === 0) {
        expect(toNodeId(buf.slice(at, at + 20))).toBe(hex);
        expect(toNodeId(hex.toUpperCase())).toBe(hex);
        expect(idBytes(hex)).toEqual(buf.subarray(at, at + 20));
      }
    }
  });

  it('keeps its own copy of the bytes', () => {
    const buf = new Uint8Array(20).fill(7);
    const id = toNodeIdAt(buf, 0);
    buf[0] = 8;
    expect(toHex(idBytes(id))).toBe(id);
    expect(toNodeIdAt(buf, 0)).toBe(`08${'07'.repeat(19)}`);
  });

  it('refuses what is not a 20-byte id', () => {
    expect(() => toNodeId(new Uint8Array(19))).toThrow(/19 bytes/);
    expect(() => toNodeId('xyz')).toThrow(/node id/);
    expect(() => idBytes('g'.repeat(40))).toThrow(/node id/);
  });
});
