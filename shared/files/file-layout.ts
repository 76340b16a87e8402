import type { InfoDictionary } from '../info-dictionary.js';

/**
 * Where each file of a torrent sits in the torrent's byte space (BEP 3: files are laid end to
 * end in `files` order, pieces cut across them), and which pieces hold it.
 */

/** One file of a torrent, with its place in the torrent's bytes and pieces. */
export interface FileSpan {
  /** Position in `info.files` (0 for a single-file torrent). */
  index: number;
  /** Path as the torrent gives it: `[name]` for a single file, else `[info.name, ...file.path]`. Untrusted. */
  path: string[];
  /** First byte of the file in the torrent's byte space. */
  offset: number;
  /** Bytes in the file (may be 0). */
  length: number;
  /** First piece holding a byte of the file; for an empty file, the piece its offset falls in. */
  firstPiece: number;
  /** Last piece holding a byte of the file (`firstPiece - 1` for an empty file: it needs no piece). */
  lastPiece: number;
}

/** The files of `info` in order, each with its byte offset and piece range. */
export function fileSpans(info: InfoDictionary): FileSpan[] {
  const files = info.files ?? [{ path: [], length: info.length }];
  const spans: FileSpan[] = [];
  let offset = 0;
  files.forEach((file, index) => {
    const firstPiece = Math.min(Math.floor(offset / info.pieceLength), info.pieceCount - 1);
    const lastPiece =
      file.length === 0 ? firstPiece - 1 : Math.floor((offset + file.length - 1) / info.pieceLength);
    spans.push({
      index,
      path: [info.name, ...file.path],
      offset,
      length: file.length,
      firstPiece,
      lastPiece,
    });
    offset += file.length;
  });
  return spans;
}

/** The pieces holding any byte of `span` (empty for an empty file). */
export function piecesOf(span: FileSpan): number[] {
  const pieces: number[] = [];
  for (let p = span.firstPiece; p <= span.lastPiece; p++) pieces.push(p);
  return pieces;
}

/**
 * The pieces a download of only the `selected` files needs: every piece holding a byte of a
 * selected file, which includes the pieces a selected file shares at a boundary with an
 * unselected one.
 */
export function piecesForFiles(spans: readonly FileSpan[], selected: Iterable<number>): Set<number> {
  const wanted = new Set<number>();
  for (const index of selected) {
    const span = spans[index];
    if (span === undefined) continue;
    for (let p = span.firstPiece; p <= span.lastPiece; p++) wanted.add(p);
  }
  return wanted;
}

/** A byte range of the torrent (`[start, end)`) as the pieces it touches, first to last. */
export function piecesOfRange(
  info: InfoDictionary,
  start: number,
  end: number,
): { first: number; last: number } {
  if (end <= start)
    return { first: Math.floor(start / info.pieceLength), last: Math.floor(start / info.pieceLength) - 1 };
  return { first: Math.floor(start / info.pieceLength), last: Math.floor((end - 1) / info.pieceLength) };
}

/** One piece's share of a file: bytes `[start, end)` of piece `piece`. */
export interface PieceSlice {
  piece: number;
  start: number;
  end: number;
}

/** Where a file's bytes sit in the pieces, first to last (none for an empty file). */
export function fileSlices(span: FileSpan, pieceLength: number): PieceSlice[] {
  const slices: PieceSlice[] = [];
  const end = span.offset + span.length;
  for (let p = span.firstPiece; p <= span.lastPiece; p++) {
    const pieceStart = p * pieceLength;
    slices.push({
      piece: p,
      start: Math.max(span.offset, pieceStart) - pieceStart,
      end: Math.min(end, pieceStart + pieceLength) - pieceStart,
    });
  }
  return slices;
}

/**
 * Verified bytes of each file: the bytes of it that lie in pieces `has` says are stored. Linear in
 * files plus pieces (a piece is looked at once per file it touches).
 */
export function fileVerifiedBytes(
  spans: readonly FileSpan[],
  pieceLength: number,
  has: (piece: number) => boolean,
): number[] {
  return spans.map((span) => {
    let bytes = 0;
    const end = span.offset + span.length;
    for (let p = span.firstPiece; p <= span.lastPiece; p++) {
      if (!has(p)) continue;
      bytes += Math.min(end, (p + 1) * pieceLength) - Math.max(span.offset, p * pieceLength);
    }
    return bytes;
  });
}
