import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { blobFileReader } from '../../../client/src/adapters/file-reader.js';
import { MemoryFileReader } from '../../../client/src/adapters/memory-file-reader.js';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);

describe('MemoryFileReader', () => {
  it('reads the pieces the page reader reads, and counts them', async () => {
    const file = new Blob([bytes]);
    const reader = new MemoryFileReader();
    for (const i of [0, 3]) {
      expect(await reader.readPiece(file, i, 256)).toEqual(await blobFileReader.readPiece(file, i, 256));
    }
    expect(reader.reads).toBe(2);
  });

  it('a broken file fails with FILE_UNREADABLE; others still read', async () => {
    const broken = new Blob([bytes]);
    const other = new Blob([bytes]);
    const reader = new MemoryFileReader();
    reader.break(broken);
    await expect(reader.readPiece(broken, 0, 256)).rejects.toMatchObject({ code: ErrorCode.FileUnreadable });
    expect(await reader.readPiece(other, 0, 256)).toEqual(bytes.slice(0, 256));
  });
});
