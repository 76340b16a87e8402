import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { ID_CACHE_SIZE, idBytes, toNodeId, toNodeIdAt } from '../../../shared/dht/node-id.js';
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

describe('node id cache under chosen ids', () => {
  /** Fastest of a few runs of `fn`, in ms: timing on a loaded machine is noisy, the minimum less so. */
  function fastest(fn: () => void): number {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      fn();
      best = Math.min(best, performance.now() - start);
    }
    return best;
  }
  /** Reads every id in `ids` (20 bytes each) off the buffer, as a frame decoder does. */
  function readAll(ids: Uint8Array, count: number): void {
    for (let i = 0; i < count; i++) toNodeIdAt(ids, i * 20);
  }

  it('does not slow down when the ids share their first 30 bits (or more)', () => {
    const random = seededRandom(testSeed('node-id-collisions', 43));
    // Nearly a cache full of ids, so every id of each set is still cached when read again.
    const count = ID_CACHE_SIZE - 1000;
    const probes = 2000;
    const plain = random.bytes(count * 20);
    const chosen = random.bytes(count * 20);
    const prefix = random.bytes(4);
    for (let i = 0; i < count; i++) chosen.set(prefix, i * 20);
    readAll(plain, count);
    const plainMs = fastest(() => readAll(plain, probes));
    readAll(chosen, count);
    const chosenMs = fastest(() => readAll(chosen, probes));
    console.log(
      `[node-id-collisions] ${probes} reads: random ids ${plainMs.toFixed(2)} ms, one prefix ${chosenMs.toFixed(2)} ms`,
    );
    // Hash-map reads are a fraction of a microsecond either way; the old prefix lists made the
    // chosen ids thousands of times slower. 5x (plus 2 ms of timer noise) leaves room for jitter.
    expect(chosenMs).toBeLessThan(5 * plainMs + 2);
    expect(toNodeIdAt(chosen, 7 * 20)).toBe(toHex(chosen.subarray(140, 160)));
  });
});
