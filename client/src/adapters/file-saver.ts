import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { toStorageError } from './piece-store.js';
import {
  saveFolder,
  type FolderSaveOutcome,
  type SaveEntry,
  type SaveFolderOptions,
} from './folder-saver.js';

/** Reads one stored piece (e.g. `(i) => store.getPiece(infoHash, i)`). */
export type GetPiece = (index: number) => Promise<Uint8Array | undefined>;

/** How a save ended: streamed to a picked file, downloaded as a Blob, or cancelled by the person. */
export type SaveOutcome = 'picker' | 'download' | 'cancelled';

/** Saves completed files assembled from their pieces. The page uses {@link browserFileSaver}. */
export interface FileSaver {
  /** Saves the `pieceCount` pieces read through `getPiece`, in order, as `name`. */
  save(
    name: string,
    pieceCount: number,
    getPiece: GetPiece,
    opts?: { length?: number; usePicker?: boolean },
  ): Promise<SaveOutcome>;
  /**
   * Saves several files with their folders (the files of a multi-file torrent): into
   * `opts.directory`, else a folder the person picks (`usePicker`), else each as a download.
   */
  saveFiles(
    entries: readonly SaveEntry[],
    opts?: Pick<SaveFolderOptions, 'directory' | 'usePicker'>,
  ): Promise<FolderSaveOutcome>;
}

/** The File System Access API parts used here (Chromium; absent elsewhere). */
interface SaveFilePickerWindow {
  showSaveFilePicker?: (opts: { suggestedName: string }) => Promise<{
    createWritable(): Promise<{
      write(data: Uint8Array): Promise<void>;
      close(): Promise<void>;
      abort(): Promise<void>;
    }>;
  }>;
}

/** Where downloads are triggered; defaults to the page's globals (tests inject fakes). */
export interface DownloadEnvironment {
  document: Pick<Document, 'createElement' | 'body'>;
  URL: Pick<typeof URL, 'createObjectURL' | 'revokeObjectURL'>;
  /** Delay before the object URL is revoked; revoking at once can cancel the download. */
  revokeAfterMs?: number;
}

/** Options of {@link saveFile}. */
export interface SaveFileOptions {
  /** Expected total length; a mismatch fails with STORAGE_FAILED. */
  length?: number;
  /** MIME type of the downloaded Blob. */
  type?: string;
  /** Try `showSaveFilePicker` (streams to disk). Needs a user gesture: call from a click handler. */
  usePicker?: boolean;
  /** Page globals with `showSaveFilePicker`; defaults to `globalThis`. */
  window?: SaveFilePickerWindow;
  download?: DownloadEnvironment;
}

/** A name safe to suggest for saving: no path parts, control characters or leading dots. */
export function safeFileName(name: string): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 200);
  return cleaned || 'download';
}

async function requirePiece(getPiece: GetPiece, index: number): Promise<Uint8Array> {
  const data = await getPiece(index);
  if (!data) throw new TabswarmError(ErrorCode.StorageFailed, `piece ${index} is missing`);
  return data;
}

function checkLength(actual: number, expected: number | undefined): void {
  if (expected !== undefined && actual !== expected) {
    throw new TabswarmError(ErrorCode.StorageFailed, `assembled ${actual} bytes, expected ${expected}`);
  }
}

/**
 * A Blob of the pieces in order, read one at a time: each piece becomes its own Blob at once,
 * which Chromium pages to disk when large, so the whole file never has to sit in JS memory.
 */
export async function assembleBlob(
  pieceCount: number,
  getPiece: GetPiece,
  opts: { type?: string; length?: number } = {},
): Promise<Blob> {
  const parts: Blob[] = [];
  let total = 0;
  for (let i = 0; i < pieceCount; i++) {
    const data = await requirePiece(getPiece, i);
    total += data.byteLength;
    parts.push(new Blob([data as Uint8Array<ArrayBuffer>]));
  }
  checkLength(total, opts.length);
  return new Blob(parts, { type: opts.type ?? 'application/octet-stream' });
}

/** Starts a browser download of `blob` as `name` through an `<a download>` object URL. */
export function triggerDownload(blob: Blob, name: string, env?: DownloadEnvironment): void {
  const { document: doc, URL: urls, revokeAfterMs = 60_000 } = env ?? { document: globalThis.document, URL };
  const url = urls.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = safeFileName(name);
  a.style.display = 'none';
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => urls.revokeObjectURL(url), revokeAfterMs);
}

/**
 * Saves the file assembled from its pieces under `name`. With `usePicker` and the File System
 * Access API it streams piece by piece to the chosen file ('picker', or 'cancelled' if the person
 * cancels); otherwise, or when the picker is refused (no user gesture), it downloads a Blob.
 */
export async function saveFile(
  name: string,
  pieceCount: number,
  getPiece: GetPiece,
  opts: SaveFileOptions = {},
): Promise<SaveOutcome> {
  const win = opts.window ?? (globalThis as SaveFilePickerWindow);
  if (opts.usePicker && typeof win.showSaveFilePicker === 'function') {
    let handle: Awaited<ReturnType<NonNullable<SaveFilePickerWindow['showSaveFilePicker']>>> | undefined;
    try {
      handle = await win.showSaveFilePicker({ suggestedName: safeFileName(name) });
    } catch (err) {
      if ((err as { name?: unknown }).name === 'AbortError') return 'cancelled';
      handle = undefined; // SecurityError (no user gesture) and the like: use a download instead
    }
    if (handle) {
      let writable: Awaited<ReturnType<typeof handle.createWritable>> | undefined;
      try {
        writable = await handle.createWritable();
        let total = 0;
        for (let i = 0; i < pieceCount; i++) {
          const data = await requirePiece(getPiece, i);
          total += data.byteLength;
          await writable.write(data);
        }
        checkLength(total, opts.length);
        await writable.close();
      } catch (err) {
        await writable?.abort().catch(() => undefined);
        throw toStorageError(err, 'cannot write the file');
      }
      return 'picker';
    }
  }
  const blob = await assembleBlob(pieceCount, getPiece, {
    ...(opts.length !== undefined ? { length: opts.length } : {}),
    ...(opts.type !== undefined ? { type: opts.type } : {}),
  });
  triggerDownload(blob, name, opts.download);
  return 'download';
}

/**
 * The page's {@link FileSaver}: a save dialog (a folder picker for several files) when asked and
 * allowed, else browser downloads.
 */
export const browserFileSaver: FileSaver = {
  save: saveFile,
  saveFiles: (entries, opts) => saveFolder(entries, opts),
};
