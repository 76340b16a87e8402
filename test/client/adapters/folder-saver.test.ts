import { describe, expect, it } from 'vitest';
import { browserFileSaver, type DownloadEnvironment } from '../../../client/src/adapters/file-saver.js';
import { downloadName, saveFolder } from '../../../client/src/adapters/folder-saver.js';
import { MemoryDirectory } from '../../../client/src/adapters/memory-directory.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';
import { bytes, entry, folderSaverContract } from './folder-saver.contract.js';

folderSaverContract('browser saver', () => browserFileSaver);
folderSaverContract('memory twin', () => new MemoryFileSaver());

function fakeDownloads(): { env: DownloadEnvironment; names: string[]; blobs: Promise<Uint8Array>[] } {
  const names: string[] = [];
  const blobs: Promise<Uint8Array>[] = [];
  const env: DownloadEnvironment = {
    document: {
      body: { append: () => undefined } as unknown as HTMLElement,
      createElement: (() => {
        const a = {
          href: '',
          download: '',
          style: {},
          click: () => names.push(a.download),
          remove: () => {},
        };
        return a;
      }) as unknown as Document['createElement'],
    },
    URL: {
      createObjectURL: (blob: Blob) => {
        blobs.push(blob.arrayBuffer().then((b) => new Uint8Array(b)));
        return `blob:${blobs.length}`;
      },
      revokeObjectURL: () => undefined,
    },
    revokeAfterMs: 0,
  };
  return { env, names, blobs };
}

describe('saveFolder', () => {
  it('without a folder or a picker, downloads each file named by its path', async () => {
    const { env, names, blobs } = fakeDownloads();
    const outcome = await saveFolder([entry('T/a.txt', bytes(10, 1)), entry('T/s/b', bytes(5, 2))], {
      download: env,
      window: {},
    });
    expect(outcome).toBe('download');
    expect(names).toEqual(['T - a.txt', 'T - s - b']);
    expect(await Promise.all(blobs)).toEqual([bytes(10, 1), bytes(5, 2)]);
    expect(downloadName(['a', 'b'])).toBe('a - b');
  });

  it('saves into the folder the person picks, or nothing when they cancel', async () => {
    const dir = new MemoryDirectory();
    const picked = await saveFolder([entry('T/a', bytes(3, 1))], {
      usePicker: true,
      window: { showDirectoryPicker: () => Promise.resolve(dir) },
    });
    expect(picked).toBe('folder');
    expect(dir.list().get('T/a')).toEqual(bytes(3, 1));
    const cancelled = await saveFolder([entry('T/a', bytes(3, 1))], {
      usePicker: true,
      window: {
        showDirectoryPicker: () => Promise.reject(Object.assign(new Error('no'), { name: 'AbortError' })),
      },
    });
    expect(cancelled).toBe('cancelled');
  });

  it('opens each folder once for many files in it', async () => {
    const dir = new MemoryDirectory();
    let opened = 0;
    const counting = {
      getDirectoryHandle: (name: string, opts: { create: boolean }) => {
        opened++;
        return dir.getDirectoryHandle(name, opts);
      },
      getFileHandle: dir.getFileHandle.bind(dir),
    };
    const entries = Array.from({ length: 200 }, (_, i) => entry(`T/f${i}`, bytes(1, i)));
    await saveFolder(entries, { directory: counting });
    expect(opened).toBe(1);
    expect(dir.list().size).toBe(200);
  });
});
