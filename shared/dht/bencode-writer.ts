import type { BEncodable } from '../bencode.js';
import { compareBytes, utf8 } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';

/**
 * Canonical bencode (BEP 3) written into one buffer: the same bytes as `bencode` in
 * shared/bencode.ts, without its intermediate buffers. Every DHT query, answer and relay hop
 * encodes a message, and the generic encoder's allocations showed in CPU profiles. Two passes
 * (size, then write) with plain functions: no closures or part lists per call.
 */
export function encodeBencode(value: BEncodable): Uint8Array {
  const out = new Uint8Array(sizeOf(value));
  write(value, out, 0);
  return out;
}

type Dict = { [key: string]: BEncodable | undefined };

/** Keys and short strings as bytes: DHT messages use a handful of them ('q', 'find_node'...) over and over. */
const keyCache = new Map<string, Uint8Array>();
function keyBytes(k: string): Uint8Array {
  let raw = keyCache.get(k);
  if (raw === undefined) {
    raw = utf8(k);
    if (keyCache.size < 256 && k.length <= 32) keyCache.set(k, raw);
  }
  return raw;
}

/** Keys present (value not undefined), in raw byte order as BEP 3 requires. */
function sortedKeys(d: Dict): string[] {
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
    if (!Number.isSafeInteger(v)) throw new TabswarmError(ErrorCode.BencodeInvalid, `not an integer: ${v}`);
    return digits(v) + 2;
  }
  if (typeof v === 'string') return sizeOfBytes(keyBytes(v).length);
  if (v instanceof Uint8Array) return sizeOfBytes(v.length);
  let size = 2;
  if (Array.isArray(v)) {
    for (const x of v) size += sizeOf(x);
    return size;
  }
  const d = v as Dict;
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
  const d = v as Dict;
  out[at++] = 0x64; // 'd'
  for (const k of sortedKeys(d)) {
    at = writeBytes(keyBytes(k), out, at);
    at = write(d[k] as BEncodable, out, at);
  }
  out[at++] = 0x65;
  return at;
}
