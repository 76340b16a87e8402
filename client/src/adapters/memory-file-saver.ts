import { assembleBlob, safeFileName, type FileSaver, type GetPiece, type SaveOutcome } from './file-saver.js';

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
}
