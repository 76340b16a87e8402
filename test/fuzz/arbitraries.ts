import fc from 'fast-check';
import { MAX_BENCODE_INT } from '../../shared/bencode.js';
import type { BEncodable } from '../../shared/bencode.js';
import { toHex } from '../../shared/bytes.js';

/**
 * Generators shared by the properties: raw bytes, mutations of valid encodings, bencode values
 * and node ids.
 */

/** Bytes that steer a mutation into bencode, JSON and wire syntax. */
const INTERESTING = [...'ield:-0123456789{}[]",']
  .map((c) => c.charCodeAt(0))
  .concat([0x00, 0x13, 0x7f, 0xff]);
const mutationByte = fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 }));

const mutation = fc.record({
  op: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'duplicate', 'swap'),
  at: fc.nat(),
  byte: mutationByte,
  bit: fc.integer({ min: 0, max: 7 }),
  length: fc.integer({ min: 1, max: 16 }),
});
/** One byte-level edit; applied with {@link applyMutations}. */
export type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
/** One to four edits, for inputs only known at run time (a machine's own frames). */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, { minLength: 1, maxLength: 4 });

/** `data` with `ms` applied in order (a new array; `data` is not changed). */
export function applyMutations(data: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  return ms.reduce(applyMutation, data);
}

function applyMutation(data: Uint8Array, m: Mutation): Uint8Array {
  const n = data.length;
  const at = n === 0 ? 0 : m.at % (n + 1);
  const out = (parts: Uint8Array[]): Uint8Array => {
    const total = parts.reduce((s, p) => s + p.length, 0);
    const r = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      r.set(p, o);
      o += p.length;
    }
    return r;
  };
  switch (m.op) {
    case 'flip':
    case 'set': {
      if (n === 0) return Uint8Array.of(m.byte);
      const r = data.slice();
      const i = at % n;
      r[i] = m.op === 'flip' ? (r[i] as number) ^ (1 << m.bit) : m.byte;
      return r;
    }
    case 'insert':
      return out([data.subarray(0, at), new Uint8Array(m.length).fill(m.byte), data.subarray(at)]);
    case 'delete':
      return out([data.subarray(0, at), data.subarray(at + m.length)]);
    case 'truncate':
      return data.slice(0, at);
    case 'duplicate':
      return out([data.subarray(0, at + m.length), data.subarray(at)]);
    case 'swap': {
      const r = data.slice();
      const j = Math.min(n, at + m.length);
      r.subarray(at, j).reverse();
      return r;
    }
  }
}

/** `valid` with one to four byte-level mutations (flip, set, insert, delete, truncate, ...). */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, mutations).map(([data, ms]) => applyMutations(data, ms));
}

/** Remote input: arbitrary bytes, or valid encodings (as given), or mutations of them. */
export function hostileBytes(valid: fc.Arbitrary<Uint8Array>, maxLength = 256): fc.Arbitrary<Uint8Array> {
  return fc.oneof(fc.uint8Array({ maxLength }), valid, mutated(valid));
}

/** `text` as UTF-8 bytes, mutated at the byte level, read back as (possibly broken) text. */
export function mutatedText(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return mutated(valid.map((s) => encoder.encode(s))).map((b) => decoder.decode(b));
}

/**
 * Code points that trip UTF-8 / UTF-16 handling: NUL, a BOM, private use, the last BMP code
 * point, the first and last astral ones.
 */
export const TRICKY_CHARS = [
  '\u0000',
  '\uFEFF',
  '\uE000',
  '\uFFFF',
  '\u{10000}',
  '\u{10FFFF}',
  '\u00e9',
  'a',
];

/** Short text: mostly ASCII, sometimes any Unicode, sometimes built from {@link TRICKY_CHARS}. */
export function text(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...TRICKY_CHARS), minLength, maxLength }) },
  );
}

/** Dictionary keys: any text, a leading U+FEFF included. */
export const bencodeKey = text(6);

/** Integers bencode carries: as many digits as the decoder reads. */
export const bencodeInt = fc.integer({ min: -MAX_BENCODE_INT, max: MAX_BENCODE_INT });

/** Any safe integer, mostly ones bencode carries: the rest the encoder must refuse. */
export const safeInt = fc.oneof(
  { weight: 3, arbitrary: bencodeInt },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
);

/** A bencode value with integers from `ints` (by default those the decoder reads) and text keys. */
export function bencodeValue(
  keys: fc.Arbitrary<string> = bencodeKey,
  ints: fc.Arbitrary<number> = bencodeInt,
): fc.Arbitrary<BEncodable> {
  const { value } = fc.letrec<{ value: BEncodable }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 6, withCrossShrink: true },
      ints,
      fc.uint8Array({ maxLength: 24 }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
    ),
  }));
  return value;
}

/** A 20-byte id. */
export const idBytes20 = fc.uint8Array({ minLength: 20, maxLength: 20 });

/** `min` to `max` distinct 20-byte ids. */
export function distinctIds(min: number, max: number): fc.Arbitrary<Uint8Array[]> {
  return fc.uniqueArray(idBytes20, { minLength: min, maxLength: max, selector: toHex });
}
