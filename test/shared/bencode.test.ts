import { describe, expect, it } from 'vitest';
import {
  MAX_BENCODE_INT,
  MAX_INT_DIGITS,
  bdecode,
  bdecodePrefix,
  bencode,
  isDict,
} from '../../shared/bencode.js';
import { utf8 } from '../../shared/bytes.js';
import { ErrorCode } from '../../shared/errors.js';

const text = (s: string) => utf8(s);
const fails = (s: string | Uint8Array, why?: RegExp) => {
  const bytes = typeof s === 'string' ? text(s) : s;
  expect(() => bdecode(bytes)).toThrow(expect.objectContaining({ code: ErrorCode.BencodeInvalid }));
  if (why) expect(() => bdecode(bytes)).toThrow(why);
};

describe('bencode', () => {
  it('encodes the BEP 3 examples', () => {
    expect(new TextDecoder().decode(bencode('spam'))).toBe('4:spam');
    expect(new TextDecoder().decode(bencode(3))).toBe('i3e');
    expect(new TextDecoder().decode(bencode(-3))).toBe('i-3e');
    expect(new TextDecoder().decode(bencode(['spam', 'eggs']))).toBe('l4:spam4:eggse');
    expect(new TextDecoder().decode(bencode({ spam: ['a', 'b'] }))).toBe('d4:spaml1:a1:bee');
    // Keys are sorted as raw strings; undefined values are left out.
    expect(new TextDecoder().decode(bencode({ b: 1, a: 2, c: undefined }))).toBe('d1:ai2e1:bi1ee');
  });

  it('sorts keys by their UTF-8 bytes, as BEP 3 requires, not by UTF-16 code units', () => {
    // U+E000 is EE 80 80 and U+10FFFF is F4 8F BF BF: bytes put U+E000 first, while UTF-16
    // (U+E000 against the surrogate DBFF) puts it last, as the bencode package did.
    const value = { '\u{10FFFF}': 0, '\uE000': 1 };
    expect(bencode(value)).toEqual(text('d3:\uE000i1e4:\u{10FFFF}i0ee'));
    expect(bencode(bdecode(bencode(value)))).toEqual(bencode(value));
  });

  it('refuses to encode integers the decoder cannot read back', () => {
    const limit = '9'.repeat(MAX_INT_DIGITS);
    expect(bencode(MAX_BENCODE_INT)).toEqual(text(`i${limit}e`));
    expect(bencode(-MAX_BENCODE_INT)).toEqual(text(`i-${limit}e`));
    expect(bdecode(bencode(MAX_BENCODE_INT))).toBe(MAX_BENCODE_INT);
    for (const bad of [MAX_BENCODE_INT + 1, -MAX_BENCODE_INT - 1, Number.MAX_SAFE_INTEGER, 1.5, Number.NaN]) {
      expect(() => bencode({ length: bad })).toThrow(
        expect.objectContaining({
          code: ErrorCode.BencodeInvalid,
          message: expect.stringContaining(`${MAX_INT_DIGITS} digits`),
        }),
      );
    }
  });

  it('round-trips nested values with binary strings', () => {
    const value = {
      info: { length: 1234, name: 'x', pieces: new Uint8Array([0, 255, 10, 58]) },
      list: [0, -7, [], {}],
    };
    const decoded = bdecode(bencode(value));
    expect(isDict(decoded)).toBe(true);
    const d = decoded as Record<string, unknown>;
    expect((d.info as Record<string, unknown>).length).toBe(1234);
    expect((d.info as Record<string, unknown>).pieces).toEqual(new Uint8Array([0, 255, 10, 58]));
    expect(d.list).toEqual([0, -7, [], Object.create(null)]);
    expect(bencode(decoded as never)).toEqual(bencode(value));
  });

  it('reports where a value ends, so trailing raw data can be taken', () => {
    const bytes = text('d8:msg_typei1e5:piecei0ee' + 'RAWDATA');
    const { value, end } = bdecodePrefix(bytes);
    expect(isDict(value)).toBe(true);
    expect(new TextDecoder().decode(bytes.subarray(end))).toBe('RAWDATA');
  });

  it('rejects malformed input with BENCODE_INVALID', () => {
    fails('', /unexpected end/);
    fails('i12', /unterminated/);
    fails('ie', /empty number/);
    fails('i03e', /leading zero/);
    fails('i-0e', /negative zero/);
    fails('i1.5e', /non-digit/);
    fails('i99999999999999999e', /too large/);
    fails(`i1${'0'.repeat(MAX_INT_DIGITS)}e`, /too large/);
    fails('5:abc', /longer than input/);
    fails('-3:abc');
    fails('l-3:ae');
    fails('03:abc', /leading zero/);
    fails('l4:spam', /unterminated list/);
    fails('d3:keyi1e', /unterminated dictionary/);
    fails('di1ei2ee', /not a string/);
    fails('x', /unexpected byte/);
    fails('i1ei2e', /trailing/);
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    fails('l'.repeat(100_000) + 'e'.repeat(100_000), /too deep/);
    expect(() => bdecode(text('l'.repeat(10) + 'e'.repeat(10)))).not.toThrow();
  });

  it('treats a __proto__ key as data, not as a prototype', () => {
    const d = bdecode(text('d9:__proto__d1:xi1eee')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(d)).toBe(null);
    expect(Object.keys(d)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('keeps a leading U+FEFF in a key, so distinct keys stay distinct', () => {
    // TextDecoder drops a leading byte order mark unless told not to: the two keys merged.
    const d = bdecode(text('d1:ai1e4:\uFEFFai2ee'));
    expect(Object.keys(d as object)).toEqual(['a', '\uFEFFa']);
    expect(bencode(d)).toEqual(text('d1:ai1e4:\uFEFFai2ee'));
  });

  it('keys that are not UTF-8 become hex', () => {
    const bytes = new Uint8Array([...text('d2:'), 0xff, 0xfe, ...text('i1ee')]);
    expect(Object.keys(bdecode(bytes) as object)).toEqual(['fffe']);
  });
});
