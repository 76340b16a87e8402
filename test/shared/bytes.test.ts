import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../shared/bytes.js';

describe('fromUtf8', () => {
  it('keeps a leading U+FEFF: decoded text is remote data, not a document with a byte order mark', () => {
    // By default TextDecoder drops it, and a KRPC method U+FEFF `ping` read as `ping`.
    expect(fromUtf8(utf8('\uFEFFping'))).toBe('\uFEFFping');
    expect(fromUtf8(utf8('\uFEFF'))).toBe('\uFEFF');
  });

  it('turns invalid sequences into U+FFFD', () => {
    expect(fromUtf8(new Uint8Array([0x61, 0xff, 0x62]))).toBe('a\uFFFDb');
  });
});
