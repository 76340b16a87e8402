import { describe, expect, it } from 'vitest';
import {
  fileSlices,
  fileSpans,
  fileVerifiedBytes,
  piecesForFiles,
  piecesOf,
  piecesOfRange,
} from '../../../shared/files/file-layout.js';
import { MIN_PIECE_LENGTH, type InfoDictionary } from '../../../shared/info-dictionary.js';

const P = MIN_PIECE_LENGTH;

function info(lengths: number[] | number): InfoDictionary {
  const total = typeof lengths === 'number' ? lengths : lengths.reduce((a, b) => a + b, 0);
  const pieceCount = Math.ceil(total / P);
  const base: InfoDictionary = {
    name: 'top',
    length: total,
    pieceLength: P,
    pieces: new Uint8Array(20 * pieceCount),
    pieceCount,
  };
  if (typeof lengths !== 'number')
    base.files = lengths.map((length, i) => ({ path: ['dir', `f${i}`], length }));
  return base;
}

describe('fileSpans', () => {
  it('gives a single-file torrent one span over every piece', () => {
    const spans = fileSpans(info(3 * P + 5));
    expect(spans).toEqual([
      { index: 0, path: ['top'], offset: 0, length: 3 * P + 5, firstPiece: 0, lastPiece: 3 },
    ]);
  });

  it('puts files end to end, sharing the pieces they meet in', () => {
    const spans = fileSpans(info([P + 10, P - 10, 2 * P]));
    expect(spans.map((s) => [s.offset, s.firstPiece, s.lastPiece])).toEqual([
      [0, 0, 1],
      [P + 10, 1, 1],
      [2 * P, 2, 3],
    ]);
    expect(spans[1]!.path).toEqual(['top', 'dir', 'f1']);
  });

  it('gives an empty file no pieces', () => {
    const spans = fileSpans(info([P, 0, P]));
    expect(piecesOf(spans[1]!)).toEqual([]);
    expect(spans[2]!.firstPiece).toBe(1);
  });
});

describe('piecesForFiles', () => {
  it('takes the selected files with the pieces they share at a boundary', () => {
    const spans = fileSpans(info([P + 10, P - 10, 2 * P]));
    expect([...piecesForFiles(spans, [0])].sort()).toEqual([0, 1]);
    expect([...piecesForFiles(spans, [2])].sort()).toEqual([2, 3]);
    expect([...piecesForFiles(spans, [1, 7])].sort()).toEqual([1]);
  });
});

describe('piecesOfRange', () => {
  it('maps a byte range to the pieces it touches', () => {
    const i = info(4 * P);
    expect(piecesOfRange(i, 0, 1)).toEqual({ first: 0, last: 0 });
    expect(piecesOfRange(i, P - 1, P + 1)).toEqual({ first: 0, last: 1 });
    expect(piecesOfRange(i, 2 * P, 4 * P)).toEqual({ first: 2, last: 3 });
    expect(piecesOfRange(i, 5, 5).last).toBeLessThan(piecesOfRange(i, 5, 5).first);
  });
});

describe('fileSlices', () => {
  it('cuts a file at piece boundaries, starting and ending mid-piece', () => {
    const spans = fileSpans(info([P + 10, P - 10, 2 * P]));
    expect(fileSlices(spans[0]!, P)).toEqual([
      { piece: 0, start: 0, end: P },
      { piece: 1, start: 0, end: 10 },
    ]);
    expect(fileSlices(spans[1]!, P)).toEqual([{ piece: 1, start: 10, end: P }]);
    expect(fileSlices(spans[2]!, P)).toEqual([
      { piece: 2, start: 0, end: P },
      { piece: 3, start: 0, end: P },
    ]);
  });

  it('gives many small files in one piece their own ranges, and an empty file none', () => {
    const spans = fileSpans(info([100, 0, 200, P]));
    expect(fileSlices(spans[0]!, P)).toEqual([{ piece: 0, start: 0, end: 100 }]);
    expect(fileSlices(spans[1]!, P)).toEqual([]);
    expect(fileSlices(spans[2]!, P)).toEqual([{ piece: 0, start: 100, end: 300 }]);
    expect(fileSlices(spans[3]!, P)).toEqual([
      { piece: 0, start: 300, end: P },
      { piece: 1, start: 0, end: 300 },
    ]);
  });

  it('covers every byte of every file exactly once', () => {
    const lengths = [1, P - 1, 3 * P + 7, 0, 5, P];
    const spans = fileSpans(info(lengths));
    spans.forEach((span, i) => {
      const total = fileSlices(span, P).reduce((sum, s) => sum + s.end - s.start, 0);
      expect(total).toBe(lengths[i]);
    });
  });
});

describe('fileVerifiedBytes', () => {
  it('counts the bytes of each file inside stored pieces, a shared boundary piece for both', () => {
    const spans = fileSpans(info([P + 10, P - 10, 2 * P]));
    expect(fileVerifiedBytes(spans, P, (p) => p === 1)).toEqual([10, P - 10, 0]);
    expect(fileVerifiedBytes(spans, P, () => true)).toEqual([P + 10, P - 10, 2 * P]);
    expect(fileVerifiedBytes(spans, P, (p) => p === 0 || p === 3)).toEqual([P, 0, P]);
  });
});

describe('boundaries', () => {
  it('puts a file that ends exactly on a piece boundary in no piece of the next file', () => {
    const spans = fileSpans(info([P, P, 1]));
    expect(spans.map((s) => [s.firstPiece, s.lastPiece])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect([...piecesForFiles(spans, [1])]).toEqual([1]);
  });

  it('gives an empty file at the very end no piece, even past the last one', () => {
    const spans = fileSpans(info([P, 0]));
    expect(piecesOf(spans[1]!)).toEqual([]);
    expect([...piecesForFiles(spans, [1])]).toEqual([]);
  });
});
