import { describe, expect, it } from 'vitest';
import { parseRange, rangeHeaders } from '../../../shared/files/byte-range.js';

const LENGTH = 1000;

describe('parseRange', () => {
  it('answers the whole file (200) without a Range header', () => {
    expect(parseRange(null, LENGTH)).toEqual({ status: 200, start: 0, end: LENGTH });
    expect(parseRange(undefined, LENGTH)).toEqual({ status: 200, start: 0, end: LENGTH });
  });

  it('answers one range with 206, clipped to the file, end exclusive', () => {
    expect(parseRange('bytes=0-', LENGTH)).toEqual({ status: 206, start: 0, end: LENGTH });
    expect(parseRange('bytes=10-19', LENGTH)).toEqual({ status: 206, start: 10, end: 20 });
    expect(parseRange('bytes=990-5000', LENGTH)).toEqual({ status: 206, start: 990, end: LENGTH });
    expect(parseRange(' bytes = 5 - 5 ', LENGTH)).toEqual({ status: 206, start: 5, end: 6 });
  });

  it('answers a suffix range with the last bytes', () => {
    expect(parseRange('bytes=-100', LENGTH)).toEqual({ status: 206, start: 900, end: LENGTH });
    expect(parseRange('bytes=-5000', LENGTH)).toEqual({ status: 206, start: 0, end: LENGTH });
  });

  it('answers 416 for a range past the end, an empty suffix, or any range of an empty file', () => {
    expect(parseRange(`bytes=${LENGTH}-`, LENGTH)).toEqual({ status: 416 });
    expect(parseRange('bytes=5000-6000', LENGTH)).toEqual({ status: 416 });
    expect(parseRange('bytes=-0', LENGTH)).toEqual({ status: 416 });
    expect(parseRange('bytes=0-', 0)).toEqual({ status: 416 });
  });

  it('ignores what does not parse, and several ranges, with the whole file', () => {
    for (const header of [
      'items=0-5',
      'bytes=5-2',
      'bytes=a-b',
      'bytes=-',
      'bytes=0-1,5-6',
      'bytes=99999999999999999999-',
    ])
      expect(parseRange(header, LENGTH)).toEqual({ status: 200, start: 0, end: LENGTH });
  });
});

describe('rangeHeaders', () => {
  it('names the range, its length and type for 206', () => {
    const h = rangeHeaders({ status: 206, start: 10, end: 20 }, LENGTH, 'audio/wav');
    expect(h).toMatchObject({
      'Content-Range': `bytes 10-19/${LENGTH}`,
      'Content-Length': '10',
      'Content-Type': 'audio/wav',
      'Accept-Ranges': 'bytes',
      'Content-Security-Policy': 'sandbox',
    });
  });

  it('gives no Content-Range for 200, and `*` with the length for 416', () => {
    expect(
      rangeHeaders({ status: 200, start: 0, end: LENGTH }, LENGTH, 'video/mp4')['Content-Range'],
    ).toBeUndefined();
    const h = rangeHeaders({ status: 416 }, LENGTH, 'video/mp4');
    expect(h['Content-Range']).toBe(`bytes */${LENGTH}`);
    expect(h['Content-Length']).toBe('0');
  });
});
