import { MAX_BENCODE_INT, bdecode, bencode, isBytes, isDict, isInt, isList } from './bencode.js';
import type { BDict, BValue } from './bencode.js';
import { bytesEqual, toHex } from './bytes.js';
import { ErrorCode, TabswarmError } from './errors.js';
import { sha1 } from './sha1.js';

/**
 * BitTorrent v1 info dictionary (BEP 3). The info-hash is SHA-1 over the exact bencoded bytes,
 * so parsing hashes what was received, never a re-encoding of it.
 */

/** A parsed, validated v1 info dictionary. */
export interface InfoDictionary {
  /** File name (single-file) or top directory name (multi-file); never contains a path separator. */
  name: string;
  /** Total content length in bytes (sum of `files` for multi-file torrents). */
  length: number;
  /**
   * Bytes per piece, any whole number in [MIN_PIECE_LENGTH, MAX_PIECE_LENGTH]: ours are powers of
   * two, but other clients (WebTorrent's create-torrent with `pieceLength`) may write any length.
   */
  pieceLength: number;
  /** Concatenated 20-byte SHA-1 piece hashes, `20 * pieceCount` bytes. */
  pieces: Uint8Array;
  /** Number of pieces: ceil(length / pieceLength). */
  pieceCount: number;
  /** Files of a multi-file torrent in order, each path relative to the `name` folder. */
  files?: { path: string[]; length: number }[];
}

export const MIN_PIECE_LENGTH = 16 * 1024;
export const MAX_PIECE_LENGTH = 16 * 1024 * 1024;
export const DEFAULT_PIECE_LENGTH = 256 * 1024;
/** Piece count above which choosePieceLength doubles the piece length (keeps metadata ~40 KB). */
export const TARGET_MAX_PIECES = 2000;
/** Largest info dictionary accepted; equals the ut_metadata cap. */
export const MAX_INFO_BYTES = 8 * 1024 * 1024;
const HASH_LENGTH = 20;

/**
 * Piece length for a new torrent: 256 KiB, doubled while the torrent would have more than
 * TARGET_MAX_PIECES pieces, up to 16 MiB (beyond ~32 GiB the piece count grows instead).
 */
export function choosePieceLength(fileLength: number): number {
  let pieceLength = DEFAULT_PIECE_LENGTH;
  while (pieceLength < MAX_PIECE_LENGTH && Math.ceil(fileLength / pieceLength) > TARGET_MAX_PIECES) {
    pieceLength *= 2;
  }
  return pieceLength;
}

/** SHA-1 of the bencoded info dictionary bytes. */
export function infoHashOf(infoBytes: Uint8Array): Uint8Array {
  return sha1(infoBytes);
}

/**
 * Builds an info dictionary: single-file, or multi-file with `files` (BEP 3: `name` is the folder,
 * each path relative to it, the files' bytes end to end in this order; `length` must be their
 * sum). Keys are bencoded in sorted order, so equal inputs always give the same info-hash. Throws
 * TabswarmError(INFO_INVALID) on inputs a parser would reject.
 */
export function createInfoDictionary(opts: {
  name: string;
  length: number;
  pieceLength: number;
  pieceHashes: Uint8Array;
  files?: readonly { path: readonly string[]; length: number }[];
}): { info: InfoDictionary; infoBytes: Uint8Array; infoHash: Uint8Array } {
  checkName(opts.name, 'name');
  const pieceCount = checkSizes(opts.length, opts.pieceLength, opts.pieceHashes.length);
  const pieces = opts.pieceHashes.slice();
  const files = opts.files?.map((f, i) => {
    if (!Number.isSafeInteger(f.length) || f.length < 0)
      invalid(`files[${i}].length is not a non-negative integer`);
    if (f.path.length === 0) invalid(`files[${i}].path is not a non-empty list`);
    for (const part of f.path) checkName(part, `files[${i}].path`);
    return { path: [...f.path], length: f.length };
  });
  if (files !== undefined) {
    if (files.length === 0) invalid('files is not a non-empty list');
    const sum = files.reduce((total, f) => total + f.length, 0);
    if (sum !== opts.length) invalid(`files add up to ${sum} bytes, not ${opts.length}`);
  }
  const infoBytes = bencode({
    ...(files ? { files: files.map((f) => ({ length: f.length, path: f.path })) } : { length: opts.length }),
    name: opts.name,
    'piece length': opts.pieceLength,
    pieces,
  });
  if (infoBytes.length > MAX_INFO_BYTES)
    invalid(`info dictionary is ${infoBytes.length} bytes, over the cap`);
  const info: InfoDictionary = {
    name: opts.name,
    length: opts.length,
    pieceLength: opts.pieceLength,
    pieces,
    pieceCount,
    ...(files ? { files } : {}),
  };
  return { info, infoBytes, infoHash: infoHashOf(infoBytes) };
}

/**
 * Parses and validates bencoded info dictionary bytes. With `expectedInfoHash`, first checks
 * that the bytes hash to it (TabswarmError(METADATA_INVALID) if not). Anything else wrong
 * throws TabswarmError(INFO_INVALID). Unknown keys (e.g. `private`) are ignored.
 */
export function parseInfoDictionary(infoBytes: Uint8Array, expectedInfoHash?: Uint8Array): InfoDictionary {
  if (infoBytes.length > MAX_INFO_BYTES)
    invalid(`info dictionary is ${infoBytes.length} bytes, over the cap`);
  if (expectedInfoHash !== undefined) {
    const actual = infoHashOf(infoBytes);
    if (!bytesEqual(actual, expectedInfoHash)) {
      throw new TabswarmError(
        ErrorCode.MetadataInvalid,
        `info dictionary hashes to ${toHex(actual)}, expected ${toHex(expectedInfoHash)}`,
      );
    }
  }
  let value: BValue;
  try {
    value = bdecode(infoBytes);
  } catch (err) {
    return invalid(`not bencoded: ${(err as Error).message}`);
  }
  if (!isDict(value)) return invalid('not a dictionary');

  const name = text(value['name'], 'name');
  checkName(name, 'name');
  const pieceLength = value['piece length'];
  if (!isInt(pieceLength)) return invalid('piece length missing or not an integer');
  const pieces = value['pieces'];
  if (!isBytes(pieces)) return invalid('pieces missing or not a byte string');

  let length: number;
  let files: InfoDictionary['files'];
  if (value['files'] !== undefined) {
    if (value['length'] !== undefined) invalid('has both length and files');
    files = parseFiles(value['files']);
    length = files.reduce((sum, f) => sum + f.length, 0);
  } else {
    const l = value['length'];
    if (!isInt(l)) return invalid('length missing or not an integer');
    length = l;
  }
  const pieceCount = checkSizes(length, pieceLength, pieces.length);
  const info: InfoDictionary = { name, length, pieceLength, pieces: pieces.slice(), pieceCount };
  if (files !== undefined) info.files = files;
  return info;
}

/** Size in bytes of piece `index`; the last piece holds the remainder. */
export function pieceSize(info: InfoDictionary, index: number): number {
  checkIndex(info, index);
  return index === info.pieceCount - 1 ? info.length - info.pieceLength * index : info.pieceLength;
}

/** The 20-byte SHA-1 of piece `index` (a view into `info.pieces`; do not modify). */
export function pieceHash(info: InfoDictionary, index: number): Uint8Array {
  checkIndex(info, index);
  return info.pieces.subarray(index * HASH_LENGTH, (index + 1) * HASH_LENGTH);
}

function checkIndex(info: InfoDictionary, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= info.pieceCount) {
    throw new TabswarmError(
      ErrorCode.ProtocolViolation,
      `piece index ${index} out of range 0..${info.pieceCount - 1}`,
    );
  }
}

/** Validates length, piece length and hash bytes together; returns the piece count. */
function checkSizes(length: number, pieceLength: number, hashBytes: number): number {
  if (!Number.isSafeInteger(length) || length <= 0) invalid(`length ${length} is not a positive integer`);
  // Said plainly here rather than as an encoding error: no tab could parse the dictionary.
  if (length > MAX_BENCODE_INT)
    invalid(`length ${length} is over ${MAX_BENCODE_INT}, the most bencode carries`);
  if (
    !Number.isSafeInteger(pieceLength) ||
    pieceLength < MIN_PIECE_LENGTH ||
    pieceLength > MAX_PIECE_LENGTH
  ) {
    invalid(`piece length ${pieceLength} is not a whole number of bytes from 16 KiB to 16 MiB`);
  }
  const pieceCount = Math.ceil(length / pieceLength);
  if (hashBytes !== HASH_LENGTH * pieceCount) {
    invalid(`pieces is ${hashBytes} bytes, expected ${HASH_LENGTH * pieceCount} for ${pieceCount} pieces`);
  }
  return pieceCount;
}

function parseFiles(raw: BValue | undefined): { path: string[]; length: number }[] {
  if (!isList(raw) || raw.length === 0) return invalid('files is not a non-empty list');
  return raw.map((entry, i) => {
    if (!isDict(entry)) return invalid(`files[${i}] is not a dictionary`);
    const length = (entry as BDict)['length'];
    if (!isInt(length) || length < 0) return invalid(`files[${i}].length is not a non-negative integer`);
    const path = entry['path'];
    if (!isList(path) || path.length === 0) return invalid(`files[${i}].path is not a non-empty list`);
    const parts = path.map((p) => text(p, `files[${i}].path`));
    for (const part of parts) checkName(part, `files[${i}].path`);
    return { path: parts, length };
  });
}

// ignoreBOM: by default TextDecoder drops a leading U+FEFF, and a name U+FEFF `x` would read as
// `x`, unlike in other clients and unlike what createInfoDictionary wrote.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function text(v: BValue | undefined, field: string): string {
  if (!isBytes(v)) return invalid(`${field} missing or not a byte string`);
  try {
    return strictUtf8.decode(v);
  } catch {
    return invalid(`${field} is not valid UTF-8`);
  }
}

/** A file or directory name must be safe to use as one path component. */
function checkName(name: string, field: string): void {
  if (name.length === 0) invalid(`${field} is empty`);
  if (name === '.' || name === '..') invalid(`${field} is "${name}"`);
  if (/[/\\\0]/.test(name)) invalid(`${field} contains a path separator or NUL`);
}

function invalid(why: string): never {
  throw new TabswarmError(ErrorCode.InfoInvalid, `info dictionary: ${why}`);
}
