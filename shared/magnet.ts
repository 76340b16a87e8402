import { fromHex, toHex } from './bytes.js';
import { ErrorCode, TabswarmError } from './errors.js';

/**
 * Magnet links (BEP 9): `magnet:?xt=urn:btih:<hash>&dn=<name>&xl=<bytes>&tr=<tracker>`.
 * The page also accepts `<page url>#magnet:?...` so a shared link opens the app directly.
 */

/** What a magnet link says about a torrent. */
export interface MagnetLink {
  /** 20-byte v1 info-hash. */
  infoHash: Uint8Array;
  /** The info-hash as 40 lower-case hex characters. */
  infoHashHex: string;
  /** Display name (`dn`), if given. */
  name?: string;
  /** Exact length in bytes (`xl`), if given. */
  length?: number;
  /** Tracker URLs (`tr`), deduplicated, in link order; only ws/wss/http/https/udp URLs. */
  trackers: string[];
}

/** Longest input accepted; real magnets are a few hundred bytes. */
export const MAX_MAGNET_LENGTH = 64 * 1024;
const TRACKER_PROTOCOLS = new Set(['ws:', 'wss:', 'http:', 'https:', 'udp:']);
const PREFIX = 'magnet:?';

/** Parses a magnet link; throws TabswarmError(MAGNET_INVALID) saying what is wrong. */
export function parseMagnet(input: string): MagnetLink {
  const query = magnetQuery(input.trim());
  const params = parseQuery(query);

  const xts = params.get('xt') ?? [];
  if (xts.length === 0) fail('it has no "xt" (info-hash) parameter');
  const btihs = xts.filter((xt) => /^urn:btih:/i.test(xt)).map((xt) => xt.slice('urn:btih:'.length));
  if (btihs.length === 0) {
    fail(
      xts.some((xt) => /^urn:btmh:/i.test(xt))
        ? 'it only has a BitTorrent v2 hash (urn:btmh); a v1 "urn:btih:" hash is needed'
        : 'its "xt" is not a BitTorrent info-hash (expected "urn:btih:")',
    );
  }
  const hashes = btihs.map(decodeInfoHash);
  const infoHash = hashes[0] as Uint8Array;
  const infoHashHex = toHex(infoHash);
  if (hashes.some((h) => toHex(h) !== infoHashHex)) fail('it has two different "urn:btih:" info-hashes');

  const link: MagnetLink = { infoHash, infoHashHex, trackers: [] };
  const dn = params.get('dn')?.[0];
  if (dn !== undefined && dn !== '') link.name = dn;
  const xl = params.get('xl')?.[0];
  if (xl !== undefined) {
    const length = /^[0-9]{1,16}$/.test(xl) ? Number(xl) : NaN;
    if (!Number.isSafeInteger(length) || length <= 0)
      fail(`its length "xl=${xl}" is not a positive whole number of bytes`);
    link.length = length;
  }
  // A bad tracker URL is dropped rather than failing the link: the DHT can still find peers.
  for (const tr of params.get('tr') ?? []) {
    if (isTrackerUrl(tr) && !link.trackers.includes(tr)) link.trackers.push(tr);
  }
  return link;
}

/** Builds `magnet:?xt=urn:btih:<40 lower-case hex>&dn=..&xl=..&tr=..` with values percent-encoded. */
export function createMagnet(link: {
  infoHash: Uint8Array;
  name?: string;
  length?: number;
  trackers?: string[];
}): string {
  if (link.infoHash.length !== 20) fail(`the info-hash is ${link.infoHash.length} bytes, expected 20`);
  let out = `${PREFIX}xt=urn:btih:${toHex(link.infoHash)}`;
  if (link.name !== undefined && link.name !== '') out += `&dn=${encodeURIComponent(link.name)}`;
  if (link.length !== undefined) {
    if (!Number.isSafeInteger(link.length) || link.length <= 0)
      fail(`length ${link.length} is not a positive integer`);
    out += `&xl=${link.length}`;
  }
  for (const tr of new Set(link.trackers ?? [])) out += `&tr=${encodeURIComponent(tr)}`;
  return out;
}

/** The query part after `magnet:?`, from a bare magnet or a page URL whose fragment holds one. */
function magnetQuery(input: string): string {
  if (input.length > MAX_MAGNET_LENGTH) fail(`it is ${input.length} characters long, over the limit`);
  let candidate = input;
  if (!candidate.toLowerCase().startsWith('magnet:')) {
    const hash = candidate.indexOf('#');
    if (hash < 0) fail('it is not a magnet link (it should start with "magnet:?")');
    candidate = candidate.slice(hash + 1);
    // Some apps percent-encode the whole fragment.
    if (/^magnet%3a/i.test(candidate)) candidate = decode(candidate, 'the link');
  }
  if (!candidate.toLowerCase().startsWith(PREFIX))
    fail('it is not a magnet link (it should start with "magnet:?")');
  return candidate.slice(PREFIX.length);
}

/** Splits `a=1&b=2&a=3` into decoded values per key; `tr.1`-style numbered keys count as `tr`. */
function parseQuery(query: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part
      .slice(0, eq)
      .toLowerCase()
      .replace(/\.\d+$/, '');
    const value = decode(part.slice(eq + 1).replace(/\+/g, ' '), `"${key}"`);
    const list = params.get(key);
    if (list) list.push(value);
    else params.set(key, [value]);
  }
  return params;
}

function decode(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return fail(`${what} has broken percent-encoding`);
  }
}

/** 40 hex characters or 32 base32 characters (RFC 4648) to 20 bytes. */
function decodeInfoHash(hash: string): Uint8Array {
  if (hash.length === 40) {
    const bytes = fromHex(hash);
    if (bytes) return bytes;
    fail('its info-hash has 40 characters but is not hex');
  }
  if (hash.length === 32) {
    const bytes = fromBase32(hash);
    if (bytes) return bytes;
    fail('its info-hash has 32 characters but is not base32');
  }
  return fail(`its info-hash has ${hash.length} characters; expected 40 hex or 32 base32`);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function fromBase32(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let buffer = 0;
  let o = 0;
  for (const ch of text.toUpperCase()) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return undefined;
    buffer = ((buffer << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}

/** True for a tracker URL tabswarm keeps (a magnet's `tr`, a .torrent's announce): ws, wss, http, https or udp with a host. */
export function isTrackerUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return TRACKER_PROTOCOLS.has(url.protocol) && url.host !== '';
  } catch {
    return false;
  }
}

function fail(why: string): never {
  throw new TabswarmError(ErrorCode.MagnetInvalid, `Not a usable magnet link: ${why}.`);
}
