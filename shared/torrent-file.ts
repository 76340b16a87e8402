import { bdecodePrefix, bencode, isBytes, isDict, isInt, isList } from './bencode.js';
import type { BEncodable, BValue } from './bencode.js';
import { ErrorCode, TabswarmError, isTabswarmError } from './errors.js';
import { MAX_INFO_BYTES, infoHashOf, parseInfoDictionary } from './info-dictionary.js';
import type { InfoDictionary } from './info-dictionary.js';
import { isTrackerUrl } from './magnet.js';

/**
 * .torrent files (BEP 3 metainfo, with BEP 12 `announce-list`): a bencoded dictionary holding
 * the info dictionary and the trackers. The info-hash is SHA-1 over the `info` value's exact
 * bytes as they stand in the file, never a re-encoding of them.
 */

/** Largest .torrent file accepted: the info dictionary's cap plus room for trackers and comments. */
export const MAX_TORRENT_FILE_BYTES = MAX_INFO_BYTES + 1024 * 1024;
/** Most tracker URLs kept from one file (the rest are dropped). */
export const MAX_TORRENT_TRACKERS = 64;
/** Longest tracker URL kept. */
export const MAX_TRACKER_URL_LENGTH = 2048;
/** What tabswarm writes as `created by`. */
export const CREATED_BY = 'tabswarm';

/** What a .torrent file says. */
export interface TorrentFile {
  info: InfoDictionary;
  /** The `info` value's bytes, exactly as in the file. */
  infoBytes: Uint8Array;
  infoHash: Uint8Array;
  /**
   * Tracker URLs: the `announce-list` tiers flattened in order, then `announce`, deduplicated;
   * only ws/wss/http/https/udp URLs (others are dropped, as in magnet links).
   */
  trackers: string[];
  /** `created by`, when it is text. */
  createdBy?: string;
  /** `creation date` in seconds since 1970, when it is a non-negative integer. */
  creationDate?: number;
  /** `comment`, when it is text. */
  comment?: string;
}

/**
 * Parses a .torrent file. Throws TabswarmError(TORRENT_INVALID) when it is not a bencoded
 * dictionary with an `info` dictionary, or a tracker field has the wrong shape; the info
 * dictionary's own faults keep INFO_INVALID. Fields it does not know are ignored.
 */
export function parseTorrentFile(bytes: Uint8Array): TorrentFile {
  if (bytes.length > MAX_TORRENT_FILE_BYTES) invalid(`${bytes.length} bytes, over the cap`);
  const { value, infoBytes } = decodeWithInfoSpan(bytes);
  const info = parseInfoDictionary(infoBytes);
  const torrent: TorrentFile = { info, infoBytes, infoHash: infoHashOf(infoBytes), trackers: [] };
  const add = (url: BValue | undefined, field: string): void => {
    if (!isBytes(url)) invalid(`${field} is not a string`);
    if (torrent.trackers.length >= MAX_TORRENT_TRACKERS || url.length > MAX_TRACKER_URL_LENGTH) return;
    const text = utf8Text.decode(url);
    if (isTrackerUrl(text) && !torrent.trackers.includes(text)) torrent.trackers.push(text);
  };
  const list = value['announce-list'];
  if (list !== undefined) {
    if (!isList(list)) invalid('announce-list is not a list');
    list.forEach((tier, t) => {
      if (!isList(tier)) invalid(`announce-list[${t}] is not a list`);
      tier.forEach((url, i) => add(url, `announce-list[${t}][${i}]`));
    });
  }
  if (value['announce'] !== undefined) add(value['announce'], 'announce');
  const createdBy = value['created by'];
  if (isBytes(createdBy)) torrent.createdBy = utf8Text.decode(createdBy);
  const date = value['creation date'];
  if (isInt(date) && date >= 0) torrent.creationDate = date;
  const comment = value['comment'];
  if (isBytes(comment)) torrent.comment = utf8Text.decode(comment);
  return torrent;
}

/** True if `bytes` parse as a .torrent file (for a dropped file whose name does not say). */
export function isTorrentFile(bytes: Uint8Array): boolean {
  try {
    parseTorrentFile(bytes);
    return true;
  } catch (err) {
    if (isTabswarmError(err)) return false;
    throw err;
  }
}

/** What {@link createTorrentFile} writes besides the info dictionary. */
export interface TorrentFileOptions {
  /** The info dictionary's exact bytes (its hash is the torrent's identity). */
  infoBytes: Uint8Array;
  /** Tracker URLs: the first is `announce`, all of them one tier each in `announce-list`. */
  trackers: readonly string[];
  /** `creation date`, seconds since 1970 (the caller's clock: this module has none). */
  creationDate: number;
  /** `created by` (default CREATED_BY). */
  createdBy?: string;
  comment?: string;
}

/**
 * Builds a .torrent file: `info` (the given bytes, verbatim), `announce`, `announce-list`,
 * `created by` and `creation date`, keys in canonical order. Throws INFO_INVALID if the bytes
 * are not a valid info dictionary.
 */
export function createTorrentFile(opts: TorrentFileOptions): Uint8Array {
  parseInfoDictionary(opts.infoBytes);
  const trackers = [...new Set(opts.trackers)];
  // Every key but `info`, encoded canonically; `info` ("info" sorts after all of them but
  // none) is spliced in as raw bytes so its hash cannot change.
  const rest: { [key: string]: BEncodable | undefined } = {
    announce: trackers[0],
    'announce-list': trackers.length > 0 ? trackers.map((t) => [t]) : undefined,
    comment: opts.comment,
    'created by': opts.createdBy ?? CREATED_BY,
    'creation date': Math.floor(opts.creationDate),
  };
  const head = bencode(rest);
  const key = bencode('info');
  const out = new Uint8Array(head.length + key.length + opts.infoBytes.length);
  // `head` is d...e: keep all but its final `e`, add info, close.
  out.set(head.subarray(0, head.length - 1), 0);
  out.set(key, head.length - 1);
  out.set(opts.infoBytes, head.length - 1 + key.length);
  out[out.length - 1] = 0x65;
  return out;
}

/**
 * Decodes the top-level dictionary one entry at a time, so the `info` value's byte span is
 * known. A duplicate key or trailing bytes are refused.
 */
function decodeWithInfoSpan(bytes: Uint8Array): { value: Record<string, BValue>; infoBytes: Uint8Array } {
  if (bytes[0] !== 0x64) invalid('not a bencoded dictionary');
  const value = Object.create(null) as Record<string, BValue>;
  let infoBytes: Uint8Array | undefined;
  let pos = 1;
  try {
    while (pos < bytes.length && bytes[pos] !== 0x65) {
      const key = bdecodePrefix(bytes.subarray(pos));
      if (!isBytes(key.value)) invalid('a key is not a string');
      const name = utf8Text.decode(key.value);
      pos += key.end;
      const entry = bdecodePrefix(bytes.subarray(pos));
      if (name in value) invalid(`key "${name}" appears twice`);
      value[name] = entry.value;
      if (name === 'info') infoBytes = bytes.subarray(pos, pos + entry.end);
      pos += entry.end;
    }
  } catch (err) {
    if (isTabswarmError(err, ErrorCode.BencodeInvalid)) invalid(err.message);
    throw err;
  }
  if (pos >= bytes.length) invalid('unterminated dictionary');
  if (pos !== bytes.length - 1) invalid(`${bytes.length - 1 - pos} trailing bytes`);
  if (!infoBytes || !isDict(value['info'])) invalid('no info dictionary');
  return { value, infoBytes };
}

/** Keeps a leading U+FEFF (the default decoder drops it, so text would not read back as written). */
const utf8Text = new TextDecoder('utf-8', { ignoreBOM: true });

function invalid(why: string): never {
  throw new TabswarmError(ErrorCode.TorrentInvalid, `.torrent file: ${why}`);
}
