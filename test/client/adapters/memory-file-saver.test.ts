import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';

const pieces = [new Uint8Array(100).fill(1), new Uint8Array(100).fill(2), new Uint8Array(30).fill(3)];
const getPiece = (i: number): Promise<Uint8Array | undefined> => Promise.resolve(pieces[i]);

describe('MemoryFileSaver', () => {
  it('keeps the assembled bytes under a safe name', async () => {
    const saver = new MemoryFileSaver();
    expect(await saver.save('../a.bin', pieces.length, getPiece, { length: 230 })).toBe('download');
    expect(saver.saved).toEqual([{ name: '_a.bin', data: concatBytes(pieces) }]);
  });

  it('fails like a download on a missing piece or a wrong length', async () => {
    const saver = new MemoryFileSaver();
    const failed = { code: ErrorCode.StorageFailed };
    await expect(saver.save('a', 4, getPiece)).rejects.toMatchObject(failed);
    await expect(saver.save('a', 3, getPiece, { length: 231 })).rejects.toMatchObject(failed);
    expect(saver.saved).toEqual([]);
  });
});
