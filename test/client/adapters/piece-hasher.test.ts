import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../../../shared/bytes.js';
import { sha1 } from '../../../shared/sha1.js';
import { createPieceHasher, hashFile } from '../../../client/src/adapters/piece-hasher.js';

/** Deterministic pseudo-random bytes (xorshift), so tests need no fixtures. */
function bytesOf(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('piece-hasher', () => {
  const native = createPieceHasher();
  const fallback = createPieceHasher({ subtle: null });

  it('uses WebCrypto when present and the pure fallback otherwise', () => {
    expect(native.native).toBe(true);
    expect(fallback.native).toBe(false);
  });

  it('gives the known SHA-1 of "abc" both ways', async () => {
    const want = 'a9993e364706816aba3e25717850c26c9cd0d89d';
    expect(toHex(await native.hash(utf8('abc')))).toBe(want);
    expect(toHex(await fallback.hash(utf8('abc')))).toBe(want);
  });

  it('agrees between WebCrypto and the fallback, including views into larger buffers', async () => {
    for (const size of [0, 1, 63, 64, 65, 16 * 1024, 256 * 1024 + 3]) {
      const data = bytesOf(size, size + 1);
      expect(toHex(await native.hash(data))).toBe(toHex(await fallback.hash(data)));
    }
    const backing = bytesOf(5000);
    const view = backing.subarray(1000, 3000);
    expect(toHex(await native.hash(view))).toBe(toHex(sha1(view.slice())));
    expect(toHex(await fallback.hash(view))).toBe(toHex(sha1(view.slice())));
  });

  it('falls back for good when WebCrypto refuses SHA-1', async () => {
    const refusing = {
      digest: () => Promise.reject(new DOMException('no', 'NotSupportedError')),
    } as unknown as SubtleCrypto;
    const hasher = createPieceHasher({ subtle: refusing });
    expect(hasher.native).toBe(true);
    expect(toHex(await hasher.hash(utf8('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hasher.native).toBe(false);
  });

  it('hashes a file piece by piece into BEP 3 `pieces`, same result both ways', async () => {
    const pieceLength = 64 * 1024;
    const data = bytesOf(pieceLength * 5 + 123, 7);
    const file = new Blob([data]);
    const want = concatBytes(
      Array.from({ length: 6 }, (_, i) => sha1(data.subarray(i * pieceLength, (i + 1) * pieceLength))),
    );
    const progress: number[] = [];
    const viaNative = await hashFile(file, pieceLength, (done, total) => {
      expect(total).toBe(data.length);
      progress.push(done);
    });
    expect(toHex(viaNative)).toBe(toHex(want));
    expect(progress).toHaveLength(6);
    expect(progress.at(-1)).toBe(data.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    const viaFallback = await hashFile(file, pieceLength, undefined, { hasher: fallback, concurrency: 1 });
    expect(toHex(viaFallback)).toBe(toHex(want));
    expect(await hashFile(new Blob([]), pieceLength)).toEqual(new Uint8Array(0));
  });

  it('keeps at most `concurrency` pieces in flight and reads only slices', async () => {
    const pieceLength = 1024;
    const data = bytesOf(pieceLength * 20);
    let inFlight = 0;
    let maxInFlight = 0;
    const sliceSizes: number[] = [];
    const blob = new Blob([data]);
    const file = {
      size: blob.size,
      slice: (start: number, end: number) => {
        sliceSizes.push(end - start);
        return blob.slice(start, end);
      },
    } as unknown as Blob;
    const slowHasher = {
      native: false,
      async hash(piece: Uint8Array) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return sha1(piece);
      },
    };
    await hashFile(file, pieceLength, undefined, { hasher: slowHasher, concurrency: 3 });
    expect(maxInFlight).toBe(3);
    expect(Math.max(...sliceSizes)).toBe(pieceLength);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const data = bytesOf(1024 * 10);
    const run = hashFile(
      new Blob([data]),
      1024,
      (done) => {
        if (done >= 2048) controller.abort();
      },
      { signal: controller.signal, concurrency: 1 },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
