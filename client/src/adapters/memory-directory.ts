import { concatBytes } from '../../../shared/bytes.js';
import type { DirectoryHandle, WritableFile } from './folder-saver.js';

/**
 * In-memory twin of a FileSystemDirectoryHandle: folders and files in Maps. Like Chromium it
 * refuses names that are empty, `.`, `..` or hold a separator (TypeError), keeps a file's old bytes
 * until its writable closes, and drops what was written when it is aborted. `failAfter` makes
 * writes fail after that many bytes, as a full disk would.
 */
export class MemoryDirectory implements DirectoryHandle {
  readonly folders = new Map<string, MemoryDirectory>();
  readonly files = new Map<string, Uint8Array>();
  /** Writes fail once this many bytes went through the writables of this directory and its folders. */
  failAfter: number | undefined;
  private written = 0;

  constructor(private readonly root?: MemoryDirectory) {}

  getDirectoryHandle(name: string, opts: { create: boolean }): Promise<MemoryDirectory> {
    if (!allowed(name)) return Promise.reject(badName(name));
    let dir = this.folders.get(name);
    if (!dir) {
      if (!opts.create || this.files.has(name)) return Promise.reject(notFound(name));
      dir = new MemoryDirectory(this.root ?? this);
      this.folders.set(name, dir);
    }
    return Promise.resolve(dir);
  }

  getFileHandle(
    name: string,
    opts: { create: boolean },
  ): Promise<{ createWritable(): Promise<WritableFile> }> {
    if (!allowed(name)) return Promise.reject(badName(name));
    if (this.folders.has(name) || (!opts.create && !this.files.has(name)))
      return Promise.reject(notFound(name));
    if (!this.files.has(name)) this.files.set(name, new Uint8Array());
    const root = this.root ?? this;
    return Promise.resolve({
      createWritable: () => {
        const parts: Uint8Array[] = [];
        let open = true;
        const writable: WritableFile = {
          write: (data) => {
            if (!open) return Promise.reject(new TypeError('closed'));
            root.written += data.byteLength;
            if (root.failAfter !== undefined && root.written > root.failAfter)
              return Promise.reject(Object.assign(new Error('disk full'), { name: 'QuotaExceededError' }));
            parts.push(data.slice());
            return Promise.resolve();
          },
          close: () => {
            open = false;
            this.files.set(name, concatBytes(parts));
            return Promise.resolve();
          },
          abort: () => {
            open = false;
            return Promise.resolve();
          },
        };
        return Promise.resolve(writable);
      },
    });
  }

  /** Every file under this directory as `path -> bytes`, paths `/`-joined. */
  list(prefix = ''): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [name, data] of this.files) out.set(prefix + name, data);
    for (const [name, dir] of this.folders) for (const [p, d] of dir.list(`${prefix}${name}/`)) out.set(p, d);
    return out;
  }
}

function allowed(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\]/.test(name);
}

function badName(name: string): TypeError {
  return new TypeError(`Name is not allowed: ${JSON.stringify(name)}`);
}

function notFound(name: string): Error {
  return Object.assign(new Error(`${name} not found`), { name: 'NotFoundError' });
}
