import { describe, expect, it } from 'vitest';
import { fileSpans, piecesForFiles, piecesOf, piecesOfRange } from '../../../shared/files/file-layout.js';
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
