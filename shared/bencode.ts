import bencodeLib from 'bencode';
import { ErrorCode, TabswarmError } from './errors.js';

/**
 * Bencode (BEP 3). Encoding uses the `bencode` package. Decoding is our own strict parser:
 * input comes from hostile peers, and the package's decoder accepts negative string lengths
 * (which can loop forever), non-canonical integers and a `__proto__` key. This one rejects
 * them, bounds nesting depth, and never reads past the input.
 */
export type BValue = number | Uint8Array | BValue[] | BDict;
/** A decoded dictionary; a null-prototype object keyed by the UTF-8 (or hex, if not UTF-8) key. */
export interface BDict {
  [key: string]: BValue;
}

/** Encodable values: strings are encoded as UTF-8 byte strings. */
export type BEncodable =
  number | string | Uint8Array | BEncodable[] | { [key: string]: BEncodable | undefined };

/** Encodes `value`; dictionary keys are sorted as BEP 3 requires, undefined values skipped. */
export function bencode(value: BEncodable): Uint8Array {
  return bencodeLib.encode(value) as Uint8Array;
}

export interface DecodeOptions {
  /** Deepest nesting of lists and dictionaries allowed (default 32). */
  maxDepth?: number;
}

const MAX_SAFE_DIGITS = 15;

/**
 * Decodes the one value at the start of `data`; returns it and the offset just past it, so a
 * caller can take trailing bytes (ut_metadata appends raw data after its dictionary).
 * Throws TabswarmError(BENCODE_INVALID) on anything malformed.
 */
export function bdecodePrefix(data: Uint8Array, options: DecodeOptions = {}): { value: BValue; end: number } {
  const maxDepth = options.maxDepth ?? 32;
  let pos = 0;
  const fail = (why: string): never => {
    throw new TabswarmError(ErrorCode.BencodeInvalid, `bencode: ${why} at byte ${pos}`);
  };
  const readDigits = (terminator: number, allowSign: boolean): number => {
    const start = pos;
    let negative = false;
    if (allowSign && data[pos] === 0x2d) {
      negative = true;
      pos++;
    }
    const digitsStart = pos;
    while (pos < data.length && data[pos] !== terminator) {
      const c = data[pos] as number;
      if (c < 0x30 || c > 0x39) fail('non-digit in number');
      pos++;
    }
    if (pos >= data.length) fail('unterminated number');
    const digits = pos - digitsStart;
    if (digits === 0) fail('empty number');
    if (digits > MAX_SAFE_DIGITS) fail('number too large');
    if (data[digitsStart] === 0x30 && digits > 1) fail('leading zero');
    if (negative && digits === 1 && data[digitsStart] === 0x30) fail('negative zero');
    let n = 0;
    for (let i = digitsStart; i < pos; i++) n = n * 10 + ((data[i] as number) - 0x30);
    pos++; // terminator
    void start;
    return negative ? -n : n;
  };
  const readString = (): Uint8Array => {
    const length = readDigits(0x3a, false);
    if (length > data.length - pos) fail('string longer than input');
    const out = data.subarray(pos, pos + length);
    pos += length;
    return out;
  };
  const readValue = (depth: number): BValue => {
    if (pos >= data.length) fail('unexpected end');
    const c = data[pos] as number;
    if (c === 0x69) {
      pos++;
      return readDigits(0x65, true);
    }
    if (c === 0x6c || c === 0x64) {
      if (depth >= maxDepth) fail('nested too deep');
      pos++;
      if (c === 0x6c) {
        const list: BValue[] = [];
        while (true) {
          if (pos >= data.length) fail('unterminated list');
          if (data[pos] === 0x65) break;
          list.push(readValue(depth + 1));
        }
        pos++;
        return list;
      }
      const dict: BDict = Object.create(null) as BDict;
      while (true) {
        if (pos >= data.length) fail('unterminated dictionary');
        if (data[pos] === 0x65) break;
        const c0 = data[pos] as number;
        if (c0 < 0x30 || c0 > 0x39) fail('dictionary key is not a string');
        const key = keyText(readString());
        dict[key] = readValue(depth + 1);
      }
      pos++;
      return dict;
    }
    if (c >= 0x30 && c <= 0x39) return readString();
    return fail(`unexpected byte 0x${c.toString(16)}`);
  };
  const value = readValue(0);
  return { value, end: pos };
}

/** Decodes exactly one value that fills `data`; trailing bytes are an error. */
export function bdecode(data: Uint8Array, options: DecodeOptions = {}): BValue {
  const { value, end } = bdecodePrefix(data, options);
  if (end !== data.length) {
    throw new TabswarmError(ErrorCode.BencodeInvalid, `bencode: ${data.length - end} trailing bytes`);
  }
  return value;
}

// ignoreBOM: by default TextDecoder drops a leading U+FEFF, so the keys `a` and U+FEFF `a` would
// merge; other clients keep it, and must read the same dictionary from the same bytes.
const keyDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function keyText(bytes: Uint8Array): string {
  try {
    return keyDecoder.decode(bytes);
  } catch {
    let hex = '';
    for (const b of bytes) hex += b.toString(16).padStart(2, '0');
    return hex;
  }
}

/** Type guards for picking fields out of decoded values. */
export function isDict(v: BValue | undefined): v is BDict {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}
export function isBytes(v: BValue | undefined): v is Uint8Array {
  return v instanceof Uint8Array;
}
export function isInt(v: BValue | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}
export function isList(v: BValue | undefined): v is BValue[] {
  return Array.isArray(v);
}
