import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { readPiece, type ByteSource, type FilePieceReader } from './file-reader.js';

/**
 * In-memory twin of {@link FilePieceReader}: reads in-memory Blobs, counts the reads, and can make
 * a file unreadable, as when the person changes or deletes it on disk after picking it.
 */
export class MemoryFileReader implements FilePieceReader {
  /** Pieces read so far, every file together. */
  reads = 0;
  private readonly unreadable = new Set<ByteSource>();

  /** Later reads of `file` fail with FILE_UNREADABLE. */
  break(file: ByteSource): void {
    this.unreadable.add(file);
  }

  readPiece(file: ByteSource, index: number, pieceLength: number): Promise<Uint8Array> {
    this.reads++;
    if (this.unreadable.has(file)) {
      return Promise.reject(new TabswarmError(ErrorCode.FileUnreadable, 'cannot read the file: it changed'));
    }
    return readPiece(file, index, pieceLength);
  }
}
