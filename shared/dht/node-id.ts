import { ErrorCode, TabswarmError } from '../errors.js';
import type { Random } from '../random.js';

/** A Kademlia node id (or info-hash / key) as 40 lower-case hex characters: easy map keys. */
export type NodeId = string;
/** Accepted wherever an id is an input: hex (either case) or 20 raw bytes. */
export type IdLike = NodeId | Uint8Array;

/** Ids are 160 bits, as in BEP 5. */
export const ID_BYTES = 20;
export const ID_BITS = ID_BYTES * 8;

/**
 * Parsed ids by lower-case hex. Ids are map keys everywhere, but distances, envelopes and KRPC
 * arguments need the 20 bytes: parsing hex on every use was the node's main CPU cost. The cache
 * also interns the hex strings: an id decoded off the wire comes back as the one string already
 * known, so the routes and tables that keep it share it instead of holding a copy per message
 * (routes were most of a node's memory). Bounded; the oldest entries go first. The cached arrays
 * are shared: callers must not modify them.
 */
export const ID_CACHE_SIZE = 1 << 16;
interface CachedId {
  readonly id: NodeId;
  readonly bytes: Uint8Array;
}
const idCache = new Map<NodeId, CachedId>();
/**
 * The same entries keyed by their 20 bytes packed into a 10-character string (two bytes per
 * UTF-16 code unit), so an id read off the wire is found from its bytes without building its hex
 * first (ids arrive by the million in a big simulation). The key is the whole id, so ids an
 * attacker picks to share a prefix cannot collide: an earlier key of the first 30 bits filed ids
 * in lists, and 65,000 ids with one prefix made every lookup a linear scan.
 */
const byBytes = new Map<string, CachedId>();
const keyScratch: number[] = new Array<number>(ID_BYTES / 2).fill(0);

/** The 20 bytes at `buf[at]` as a 10-code-unit string: an exact, collision-free map key. */
function bytesKey(buf: Uint8Array, at: number): string {
  for (let i = 0; i < ID_BYTES / 2; i++)
    keyScratch[i] = ((buf[at + 2 * i] as number) << 8) | (buf[at + 2 * i + 1] as number);
  return String.fromCharCode(...keyScratch);
}

/** The cached entry for the 20 bytes at `buf[at]`, if any. */
function findBytes(buf: Uint8Array, at: number): CachedId | undefined {
  return byBytes.get(bytesKey(buf, at));
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const hexScratch: number[] = new Array<number>(ID_BYTES * 2).fill(0);

/** Lower-case hex of the 20 bytes at `buf[at]`, built flat (not as a rope of concatenations). */
function hexAt(buf: Uint8Array, at: number): string {
  for (let i = 0; i < ID_BYTES; i++) {
    const b = buf[at + i] as number;
    hexScratch[2 * i] = HEX_CODES[b >> 4] as number;
    hexScratch[2 * i + 1] = HEX_CODES[b & 15] as number;
  }
  return String.fromCharCode(...hexScratch);
}

/** Hex digit values by char code (-1: not a hex digit). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

function remember(id: NodeId, bytes: Uint8Array): CachedId {
  if (idCache.size >= ID_CACHE_SIZE) {
    const oldest = idCache.values().next().value;
    if (oldest !== undefined) {
      idCache.delete(oldest.id);
      byBytes.delete(bytesKey(oldest.bytes, 0));
    }
  }
  const entry = { id, bytes };
  idCache.set(id, entry);
  byBytes.set(bytesKey(bytes, 0), entry);
  return entry;
}

/** Parses 40 hex characters (either case) into 20 bytes, or undefined. */
function parseId(hex: string): Uint8Array | undefined {
  if (hex.length !== ID_BYTES * 2) return undefined;
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) {
    const hi = HEX_VALUE[hex.charCodeAt(2 * i)] ?? -1;
    const lo = HEX_VALUE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** The cached bytes of a hex id (parsed and cached on a miss), or undefined if it is not one. */
function lookupHex(id: string): CachedId | undefined {
  const hit = idCache.get(id);
  if (hit) return hit;
  const bytes = parseId(id);
  if (!bytes) return undefined;
  const lower = id.toLowerCase();
  return idCache.get(lower) ?? remember(lower, bytes);
}

function invalidHex(id: string): never {
  throw new TabswarmError(ErrorCode.DhtInvalid, `not a 40-hex node id: ${id.slice(0, 48)}`);
}

/** Normalises an id to lower-case hex; throws TabswarmError(DHT_INVALID) if it is not 20 bytes. */
export function toNodeId(id: IdLike): NodeId {
  if (typeof id === 'string') return (lookupHex(id) ?? invalidHex(id)).id;
  if (id.length !== ID_BYTES) throw new TabswarmError(ErrorCode.DhtInvalid, `node id of ${id.length} bytes`);
  return toNodeIdAt(id, 0);
}

/** The id held in the 20 bytes at `buf[at]` (the caller checked they are there), as interned hex. */
export function toNodeIdAt(buf: Uint8Array, at: number): NodeId {
  const hit = findBytes(buf, at);
  if (hit !== undefined) return hit.id;
  const hex = hexAt(buf, at);
  return (idCache.get(hex) ?? remember(hex, buf.slice(at, at + ID_BYTES))).id;
}

/**
 * 20 raw bytes of an id. For a hex id these are shared, cached bytes: read them, never modify
 * them (copy with slice() first).
 */
export function idBytes(id: IdLike): Uint8Array {
  if (typeof id !== 'string') {
    if (id.length !== ID_BYTES)
      throw new TabswarmError(ErrorCode.DhtInvalid, `node id of ${id.length} bytes`);
    return id;
  }
  return (idCache.get(id) ?? lookupHex(id) ?? invalidHex(id)).bytes;
}

/** XOR distance of two ids, as bytes (compare with compareBytes). */
export function xorDistance(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** Negative if `a` is closer to `target` than `b`, positive if farther, 0 if equal. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const da = (a[i] as number) ^ (target[i] as number);
    const db = (b[i] as number) ^ (target[i] as number);
    if (da !== db) return da - db;
  }
  return 0;
}

/** Number of leading bits `a` and `b` share (160 if equal). */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = (a[i] as number) ^ (b[i] as number);
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/** A random id sharing exactly `prefixBits` leading bits with `id` (bit `prefixBits` differs). */
export function randomIdAtPrefix(id: Uint8Array, prefixBits: number, random: Random): Uint8Array {
  const out = random.bytes(ID_BYTES);
  if (prefixBits >= ID_BITS) return id.slice();
  const byte = prefixBits >> 3;
  const bit = 7 - (prefixBits & 7);
  for (let i = 0; i < byte; i++) out[i] = id[i] as number;
  const keepMask = (0xff << (bit + 1)) & 0xff; // bits above the differing one
  const own = id[byte] as number;
  let b = (own & keepMask) | ((out[byte] as number) & ~keepMask & 0xff);
  b = (b & ~(1 << bit)) | (~own & (1 << bit));
  out[byte] = b & 0xff;
  return out;
}
