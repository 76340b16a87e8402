import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { FileSequence, folderShare } from '../../../client/src/app/folder-share.js';
import { readPiece } from '../../../client/src/adapters/file-reader.js';

const bytes = (n: number, seed: number): Uint8Array => seededRandom(seed).bytes(n);

describe('FileSequence', () => {
  it('reads any range across parts, Blobs and byte arrays alike, as one joined file would', async () => {
    const parts = [bytes(10, 1), bytes(0, 2), bytes(25, 3), bytes(7, 4)];
    const joined = concatBytes(parts);
    const seq = new FileSequence([
      new Blob([parts[0] as Uint8Array<ArrayBuffer>]),
      parts[1]!,
      parts[2]!,
      new Blob([parts[3] as Uint8Array<ArrayBuffer>]),
    ]);
    expect(seq.size).toBe(42);
    for (const [s, e] of [
      [0, 42],
      [0, 10],
      [9, 11],
      [10, 35],
      [34, 42],
      [41, 42],
      [20, 20],
    ] as const) {
      const got = new Uint8Array(await seq.slice(s, e).arrayBuffer());
      expect(got).toEqual(joined.slice(s, e));
    }
  });

  it('serves pieces through the file reader, across file ends', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => bytes(100 + i, i));
    const joined = concatBytes(parts);
    const seq = new FileSequence(parts);
    const pieceLength = 1024;
    for (let i = 0; i < Math.ceil(joined.length / pieceLength); i++)
      expect(await readPiece(seq, i, pieceLength)).toEqual(
        joined.slice(i * pieceLength, (i + 1) * pieceLength),
      );
  });
});

describe('folderShare', () => {
  it('lays files out by path and reads them end to end in that order', async () => {
    const share = folderShare([
      { path: ['F', 'b'], file: new Uint8Array([2, 2]) },
      { path: ['F', 'a'], file: new Blob([new Uint8Array([1])]) },
    ]);
    expect(share.name).toBe('F');
    expect(share.files).toEqual([
      { path: ['a'], length: 1 },
      { path: ['b'], length: 2 },
    ]);
    expect(new Uint8Array(await share.blob.slice(0, 3).arrayBuffer())).toEqual(new Uint8Array([1, 2, 2]));
  });
});
