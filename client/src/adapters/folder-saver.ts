import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { triggerDownload, type DownloadEnvironment } from './file-saver.js';
import { toStorageError } from './piece-store.js';

/**
 * Saving the files of a multi-file torrent with their folders: into a directory through the File
 * System Access API (a folder the person picks, or any FileSystemDirectoryHandle such as OPFS),
 * each file streamed chunk by chunk; where the browser has no such API, each file as a download.
 */

/** One file to save: where it goes (folders, then its name; already made safe), and its bytes in order. */
export interface SaveEntry {
  path: readonly string[];
  length: number;
  /** The file's bytes, a piece's share at a time (never the whole file at once). */
  chunks: () => AsyncIterable<Uint8Array>;
}

/** The part of `FileSystemWritableFileStream` used here. */
export interface WritableFile {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * The part of `FileSystemDirectoryHandle` used here; Chromium's handles (picked, or OPFS from
 * `navigator.storage.getDirectory()`) have it, and MemoryDirectory is its twin.
 */
export interface DirectoryHandle {
  getDirectoryHandle(name: string, opts: { create: boolean }): Promise<DirectoryHandle>;
  getFileHandle(
    name: string,
    opts: { create: boolean },
  ): Promise<{ createWritable(): Promise<WritableFile> }>;
}

/** Page globals with `showDirectoryPicker` (Chromium; absent elsewhere). */
export interface DirectoryPickerWindow {
  showDirectoryPicker?: (opts: { mode: 'readwrite' }) => Promise<DirectoryHandle>;
}

/** How a save of several files ended: into a folder, as downloads, or cancelled at the folder picker. */
export type FolderSaveOutcome = 'folder' | 'download' | 'cancelled';

/** Options of {@link saveFolder}. */
export interface SaveFolderOptions {
  /** Save into this directory (no picker). */
  directory?: DirectoryHandle;
  /** Ask the person for a folder (`showDirectoryPicker`; needs a user gesture). */
  usePicker?: boolean;
  window?: DirectoryPickerWindow;
  download?: DownloadEnvironment;
}

/**
 * Writes every entry under `dir`, creating its folders, streaming each file chunk by chunk. A file
 * whose bytes do not add up to its length, or that cannot be written, fails with STORAGE_FAILED
 * (or STORAGE_FULL) naming it; the writable is aborted, so no half file is left under its name.
 */
export async function saveToDirectory(dir: DirectoryHandle, entries: readonly SaveEntry[]): Promise<void> {
  // Folder handles by path, so 10,000 files in a few folders open each folder once.
  const folders = new Map<string, Promise<DirectoryHandle>>([['', Promise.resolve(dir)]]);
  const folder = (parts: readonly string[]): Promise<DirectoryHandle> => {
    const key = parts.join('/');
    let handle = folders.get(key);
    if (!handle) {
      handle = folder(parts.slice(0, -1)).then((parent) =>
        parent.getDirectoryHandle(parts[parts.length - 1] as string, { create: true }),
      );
      folders.set(key, handle);
    }
    return handle;
  };
  for (const entry of entries) {
    const name = entry.path.join('/');
    let writable: WritableFile | undefined;
    try {
      const parent = await folder(entry.path.slice(0, -1));
      const file = await parent.getFileHandle(entry.path[entry.path.length - 1] as string, { create: true });
      writable = await file.createWritable();
      let total = 0;
      for await (const chunk of entry.chunks()) {
        total += chunk.byteLength;
        await writable.write(chunk as Uint8Array<ArrayBuffer>);
      }
      if (total !== entry.length)
        throw new TabswarmError(
          ErrorCode.StorageFailed,
          `“${name}”: ${total} bytes, expected ${entry.length}`,
        );
      await writable.close();
    } catch (err) {
      await writable?.abort().catch(() => undefined);
      const e = toStorageError(err, `cannot write “${name}”`);
      throw e.message.includes(name) ? e : new TabswarmError(e.code, `“${name}”: ${e.message}`);
    }
  }
}

/** The name a file of a folder gets as a plain download: its path, folders joined by ` - `. */
export function downloadName(path: readonly string[]): string {
  return path.join(' - ');
}

/** Saves each entry as its own browser download (no folders without the File System Access API). */
export async function downloadEach(entries: readonly SaveEntry[], env?: DownloadEnvironment): Promise<void> {
  for (const entry of entries) {
    const parts: Blob[] = [];
    let total = 0;
    // Each chunk becomes its own Blob at once, which Chromium keeps on disk when large.
    for await (const chunk of entry.chunks()) {
      total += chunk.byteLength;
      parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]));
    }
    if (total !== entry.length)
      throw new TabswarmError(
        ErrorCode.StorageFailed,
        `“${entry.path.join('/')}”: ${total} bytes, expected ${entry.length}`,
      );
    triggerDownload(new Blob(parts), downloadName(entry.path), env);
  }
}

/**
 * Saves several files with their folders: into `opts.directory`; else, with `usePicker` and the
 * API, into a folder the person picks ('cancelled' if they cancel); else each file as a download.
 */
export async function saveFolder(
  entries: readonly SaveEntry[],
  opts: SaveFolderOptions = {},
): Promise<FolderSaveOutcome> {
  let dir = opts.directory;
  const win = opts.window ?? (globalThis as DirectoryPickerWindow);
  if (!dir && opts.usePicker && typeof win.showDirectoryPicker === 'function') {
    try {
      dir = await win.showDirectoryPicker({ mode: 'readwrite' });
    } catch (err) {
      if ((err as { name?: unknown }).name === 'AbortError') return 'cancelled';
      dir = undefined; // no user gesture and the like: downloads instead
    }
  }
  if (dir) {
    await saveToDirectory(dir, entries);
    return 'folder';
  }
  await downloadEach(entries, opts.download);
  return 'download';
}
