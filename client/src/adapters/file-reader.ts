import { ErrorCode, TabswarmError } from '../../../shared/errors.js';

/**
 * What pieces are read from: a Blob or File, or anything that slices into Blobs the same way
 * (a FileSequence: many files end to end without joining them into one Blob).
 */
export type ByteSource = Pick<Blob, 'size' | 'slice'>;

/**
 * Reads a file the person picked, one piece at a time (never the whole file). The page reads
 * through `Blob.slice` ({@link blobFileReader}); tests may pass a twin.
 */
export interface FilePieceReader {
  /** Piece `index` of `file`; fails with FILE_UNREADABLE if the file changed or vanished. */
  readPiece(file: ByteSource, index: number, pieceLength: number): Promise<Uint8Array>;
}

/** Number of pieces of a `length`-byte file (0 for an empty file). */
export function pieceCount(length: number, pieceLength: number): number {
  checkPieceLength(pieceLength);
  return Math.ceil(length / pieceLength);
}

/** Byte length of piece `index` (the last one may be short). */
export function pieceSize(length: number, pieceLength: number, index: number): number {
  return Math.max(0, Math.min(pieceLength, length - index * pieceLength));
}

/**
 * Reads bytes `[start, end)` of `file` through `Blob.slice`, so only that range is in memory.
 * A file that changed or vanished since it was picked fails with FILE_UNREADABLE.
 */
export async function readRange(file: ByteSource, start: number, end: number): Promise<Uint8Array> {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start ||
    end > file.size
  ) {
    throw new TabswarmError(
      ErrorCode.FileUnreadable,
      `range [${start}, ${end}) outside a ${file.size}-byte file`,
    );
  }
  try {
    return new Uint8Array(await file.slice(start, end).arrayBuffer());
  } catch (err) {
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new TabswarmError(ErrorCode.FileUnreadable, `cannot read the file: ${detail}`);
  }
}

/** Reads piece `index` of `file`. */
export function readPiece(file: ByteSource, index: number, pieceLength: number): Promise<Uint8Array> {
  const count = pieceCount(file.size, pieceLength);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    return Promise.reject(
      new TabswarmError(ErrorCode.FileUnreadable, `piece ${index} outside 0..${count - 1}`),
    );
  }
  const start = index * pieceLength;
  return readRange(file, start, Math.min(start + pieceLength, file.size));
}

function checkPieceLength(pieceLength: number): void {
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) {
    throw new TabswarmError(ErrorCode.FileUnreadable, `invalid piece length ${pieceLength}`);
  }
}

/** The page's {@link FilePieceReader}: `Blob.slice`, one piece in memory at a time. */
export const blobFileReader: FilePieceReader = { readPiece };
