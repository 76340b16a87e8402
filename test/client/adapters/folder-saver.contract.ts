import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import type { FileSaver } from '../../../client/src/adapters/file-saver.js';
import type { SaveEntry } from '../../../client/src/adapters/folder-saver.js';
import { MemoryDirectory } from '../../../client/src/adapters/memory-directory.js';

/** An entry whose bytes come in chunks of `chunk` bytes, counting how many are out at once. */
export function entry(path: string, data: Uint8Array, chunk = 100): SaveEntry {
  return {
    path: path.split('/'),
    length: data.length,
    chunks: async function* () {
      for (let o = 0; o < data.length; o += chunk) yield data.slice(o, o + chunk);
    },
  };
}

export function bytes(n: number, salt: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + salt) & 0xff);
}

/** What every FileSaver does with several files saved into a directory. */
export function folderSaverContract(name: string, make: () => FileSaver): void {
  describe(`${name}: saving files into a folder`, () => {
    it('writes each file at its path, creating folders, with identical bytes', async () => {
      const dir = new MemoryDirectory();
      const files = {
        'Trip/a.txt': bytes(250, 1),
        'Trip/photos/b.jpg': bytes(1000, 2),
        'Trip/photos/raw/c.cr2': bytes(0, 3),
      };
      const outcome = await make().saveFiles(
        Object.entries(files).map(([p, d]) => entry(p, d)),
        { directory: dir },
      );
      expect(outcome).toBe('folder');
      expect(dir.list()).toEqual(new Map(Object.entries(files)));
    });

    it('fails naming the file when its bytes do not add up, leaving no half file', async () => {
      const dir = new MemoryDirectory();
      const short = { ...entry('T/x.bin', bytes(300, 1)), length: 301 };
      await expect(make().saveFiles([short], { directory: dir })).rejects.toMatchObject({
        code: ErrorCode.StorageFailed,
        message: expect.stringContaining('T/x.bin'),
      });
      expect(dir.list().get('T/x.bin')).toEqual(new Uint8Array());
    });

    it('reports a full disk as STORAGE_FULL', async () => {
      const dir = new MemoryDirectory();
      dir.failAfter = 500;
      await expect(
        make().saveFiles([entry('T/a', bytes(400, 1)), entry('T/b', bytes(400, 2))], { directory: dir }),
      ).rejects.toMatchObject({ code: ErrorCode.StorageFull, message: expect.stringContaining('T/b') });
      expect(dir.list().get('T/a')).toEqual(bytes(400, 1));
    });

    it('cannot write outside the folder: a name like `..` is refused by the directory', async () => {
      const dir = new MemoryDirectory();
      await expect(
        make().saveFiles([entry('../evil', bytes(1, 1))], { directory: dir }),
      ).rejects.toMatchObject({
        code: ErrorCode.StorageFailed,
      });
      expect(dir.list().size).toBe(0);
    });
  });
}
