import { compareBytes, utf8 } from './bytes.js';
import { ErrorCode, TabswarmError } from './errors.js';

/**
 * Bencode (BEP 3), our own encoder and strict decoder. Input comes from hostile peers: the
 * decoder rejects negative string lengths, non-canonical integers and oversized numbers, bounds
 * nesting depth, and never reads past the input. The encoder writes canonical bencode (keys in
 * raw byte order) and nothing the decoder would refuse. The `bencode` package is not used: its
 * decoder accepts what this one rejects (a negative length can loop forever; a `__proto__` key),
 * and its encoder sorts keys by UTF-16 code units, not bytes.
 */
export type BValue = number | Uint8Array | BValue[] | BDict;
/** A decoded dictionary; a null-prototype object keyed by the UTF-8 (or hex, if not UTF-8) key. */
export interface BDict {
  [key: string]: BValue;
}

/** Encodable values: strings are encoded as UTF-8 byte strings. */
export type BEncodable =
  number | string | Uint8Array | BEncodable[] | { [key: string]: BEncodable | undefined };

/** Most digits the decoder reads in a number: enough for any safe integer below 10^15. */
export const MAX_INT_DIGITS = 15;
/**
 * Largest integer magnitude bencode carries here: the decoder reads at most
 * {@link MAX_INT_DIGITS} digits, so the encoder refuses more rather than write what no tab reads.
 */
export const MAX_BENCODE_INT = 10 ** MAX_INT_DIGITS - 1;

/**
 * Encodes `value` as canonical bencode: dictionary keys sorted by their raw UTF-8 bytes as BEP 3
 * requires, undefined values skipped. Throws TabswarmError(BENCODE_INVALID) for a number that
 * is not an integer or beyond {@link MAX_BENCODE_INT}.
 */
export function bencode(value: BEncodable): Uint8Array {
  // Two passes (size, then write) into one buffer: no intermediate parts per value.
  const out = new Uint8Array(sizeOf(value));
  write(value, out, 0);
  return out;
}

type EncodableDict = { [key: string]: BEncodable | undefined };

/** Keys and short strings as bytes: messages use a handful of them ('q', 'msg_type'...) over and over. */
const keyCache = new Map<string, Uint8Array>();
function keyBytes(k: string): Uint8Array {
  let raw = keyCache.get(k);
  if (raw === undefined) {
    raw = utf8(k);
    if (keyCache.size < 256 && k.length <= 32) keyCache.set(k, raw);
  }
  return raw;
}

/** Keys present (value not undefined), in raw byte order: UTF-16 order differs past U+E000. */
function sortedKeys(d: EncodableDict): string[] {
  const keys: string[] = [];
  for (const k in d) if (d[k] !== undefined) keys.push(k);
  return keys.sort((a, b) => compareBytes(keyBytes(a), keyBytes(b)));
}

function digits(n: number): number {
  let len = n < 0 ? 2 : 1;
  for (let x = Math.abs(n); x >= 10; x = Math.floor(x / 10)) len++;
  return len;
}

function sizeOf(v: BEncodable): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > MAX_BENCODE_INT) {
      throw new TabswarmError(
        ErrorCode.BencodeInvalid,
        `bencode: ${v} is not an integer of at most ${MAX_INT_DIGITS} digits`,
      );
    }
    return digits(v) + 2;
  }
  if (typeof v === 'string') return sizeOfBytes(keyBytes(v).length);
  if (v instanceof Uint8Array) return sizeOfBytes(v.length);
  let size = 2;
  if (Array.isArray(v)) {
    for (const x of v) size += sizeOf(x);
    return size;
  }
  const d = v as EncodableDict;
  for (const k in d) {
    const x = d[k];
    if (x !== undefined) size += sizeOfBytes(keyBytes(k).length) + sizeOf(x);
  }
  return size;
}

function sizeOfBytes(length: number): number {
  return digits(length) + 1 + length;
}

/** Writes the decimal digits of `n` at `at`; returns the offset after them. */
function writeNumber(n: number, out: Uint8Array, at: number): number {
  const text = String(n);
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

function writeBytes(b: Uint8Array, out: Uint8Array, at: number): number {
  at = writeNumber(b.length, out, at);
  out[at++] = 0x3a; // ':'
  out.set(b, at);
  return at + b.length;
}

function write(v: BEncodable, out: Uint8Array, at: number): number {
  if (typeof v === 'number') {
    out[at++] = 0x69; // 'i'
    at = writeNumber(v, out, at);
    out[at++] = 0x65; // 'e'
    return at;
  }
  if (typeof v === 'string') return writeBytes(keyBytes(v), out, at);
  if (v instanceof Uint8Array) return writeBytes(v, out, at);
  if (Array.isArray(v)) {
    out[at++] = 0x6c; // 'l'
    for (const x of v) at = write(x, out, at);
    out[at++] = 0x65;
    return at;
  }
  const d = v as EncodableDict;
  out[at++] = 0x64; // 'd'
  for (const k of sortedKeys(d)) {
    at = writeBytes(keyBytes(k), out, at);
    at = write(d[k] as BEncodable, out, at);
  }
  out[at++] = 0x65;
  return at;
}

export interface DecodeOptions {
  /** Deepest nesting of lists and dictionaries allowed (default 32). */
  maxDepth?: number;
}

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
    if (digits > MAX_INT_DIGITS) fail('number too large');
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
