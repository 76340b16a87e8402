import type { BEncodable, BValue } from '../../shared/bencode.js';
import { toHex, utf8 } from '../../shared/bytes.js';

/** A comparable form of a bencode value: byte strings as hex, dictionaries as sorted entries. */
export type Plain = number | string | Plain[] | { dict: [string, Plain][] };

/** Converts a decoded value, or an encodable one (text encoded as UTF-8), to {@link Plain}. */
export function plain(v: BValue | BEncodable): Plain {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return toHex(utf8(v));
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(plain);
  const entries: [string, Plain][] = [];
  for (const key of Object.keys(v)) {
    const x = (v as Record<string, BEncodable | undefined>)[key];
    if (x !== undefined) entries.push([key, plain(x)]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { dict: entries };
}

/** Nesting depth of lists and dictionaries (0 for a scalar). */
export function depthOf(v: BValue): number {
  if (typeof v === 'number' || v instanceof Uint8Array) return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  let max = 0;
  for (const c of children) max = Math.max(max, depthOf(c));
  return max + 1;
}

/** Every byte string inside `v`. */
export function* byteStrings(v: BValue): Generator<Uint8Array> {
  if (typeof v === 'number') return;
  if (v instanceof Uint8Array) {
    yield v;
    return;
  }
  for (const c of Array.isArray(v) ? v : Object.values(v)) yield* byteStrings(c);
}
