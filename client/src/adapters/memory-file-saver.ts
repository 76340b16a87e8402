import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { assembleBlob, safeFileName, type FileSaver, type GetPiece, type SaveOutcome } from './file-saver.js';
import {
  downloadName,
  saveToDirectory,
  type DirectoryHandle,
  type FolderSaveOutcome,
  type SaveEntry,
} from './folder-saver.js';

/** A file saved by a {@link MemoryFileSaver}. */
export interface SavedFile {
  /** The name a download would suggest. */
  name: string;
  data: Uint8Array;
}

/**
 * In-memory twin of {@link FileSaver}: assembles the pieces as a download would (failing the same
 * way on a missing piece or a wrong length) and keeps the bytes instead of handing them to the browser.
 */
export class MemoryFileSaver implements FileSaver {
  readonly saved: SavedFile[] = [];

  async save(
    name: string,
    pieceCount: number,
    getPiece: GetPiece,
    opts: { length?: number } = {},
  ): Promise<SaveOutcome> {
    const blob = await assembleBlob(
      pieceCount,
      getPiece,
      opts.length !== undefined ? { length: opts.length } : {},
    );
    this.saved.push({ name: safeFileName(name), data: new Uint8Array(await blob.arrayBuffer()) });
    return 'download';
  }

  /** Into `opts.directory` as the page would; else kept like downloads, each named by its path. */
  async saveFiles(
    entries: readonly SaveEntry[],
    opts: { directory?: DirectoryHandle } = {},
  ): Promise<FolderSaveOutcome> {
    if (opts.directory) {
      await saveToDirectory(opts.directory, entries);
      return 'folder';
    }
    const files: SavedFile[] = [];
    for (const entry of entries) {
      const parts: Uint8Array[] = [];
      for await (const chunk of entry.chunks()) parts.push(chunk.slice());
      const data = new Uint8Array(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
      if (data.length !== entry.length)
        throw new TabswarmError(
          ErrorCode.StorageFailed,
          `“${entry.path.join('/')}”: ${data.length} bytes, expected ${entry.length}`,
        );
      files.push({ name: downloadName(entry.path), data });
    }
    this.saved.push(...files);
    return 'download';
  }
}
