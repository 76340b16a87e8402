import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { pieceCount, pieceSize, readPiece, readRange } from '../../../client/src/adapters/file-reader.js';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
const file = new Blob([bytes]);

describe('file-reader', () => {
  it('counts and sizes pieces, the last one short', () => {
    expect(pieceCount(1000, 256)).toBe(4);
    expect(pieceCount(1024, 256)).toBe(4);
    expect(pieceCount(0, 256)).toBe(0);
    expect([0, 1, 2, 3, 4].map((i) => pieceSize(1000, 256, i))).toEqual([256, 256, 256, 232, 0]);
    expect(() => pieceCount(10, 0)).toThrow(expect.objectContaining({ code: ErrorCode.FileUnreadable }));
  });

  it('reads pieces and ranges of a Blob', async () => {
    expect(await readPiece(file, 0, 256)).toEqual(bytes.slice(0, 256));
    expect(await readPiece(file, 3, 256)).toEqual(bytes.slice(768));
    expect(await readRange(file, 10, 20)).toEqual(bytes.slice(10, 20));
    expect(await readRange(file, 5, 5)).toEqual(new Uint8Array(0));
  });

  it('rejects pieces and ranges outside the file with FILE_UNREADABLE', async () => {
    const unreadable = expect.objectContaining({ code: ErrorCode.FileUnreadable });
    await expect(readPiece(file, 4, 256)).rejects.toEqual(unreadable);
    await expect(readPiece(file, -1, 256)).rejects.toEqual(unreadable);
    await expect(readRange(file, 900, 1001)).rejects.toEqual(unreadable);
    await expect(readRange(file, 20, 10)).rejects.toEqual(unreadable);
  });

  it('turns a read failure (file changed on disk) into FILE_UNREADABLE', async () => {
    const broken = {
      size: 100,
      slice: () => ({ arrayBuffer: () => Promise.reject(new DOMException('changed', 'NotReadableError')) }),
    } as unknown as Blob;
    await expect(readPiece(broken, 0, 64)).rejects.toMatchObject({ code: ErrorCode.FileUnreadable });
  });
});
