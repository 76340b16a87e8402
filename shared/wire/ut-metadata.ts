import { bdecodePrefix, bencode, isDict, isInt } from '../bencode.js';
import type { BValue } from '../bencode.js';
import { concatBytes } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { MAX_INFO_BYTES } from '../info-dictionary.js';

/**
 * BEP 9 ut_metadata messages: a bencoded dictionary `{msg_type, piece[, total_size]}`, followed
 * for `data` messages by the raw metadata piece. This module sees the payload after the
 * extended-message id byte.
 */

/** Metadata is exchanged in 16 KiB pieces; only the last one may be shorter. */
export const METADATA_PIECE_SIZE = 16384;
/** Largest info dictionary fetched over ut_metadata. */
export const MAX_METADATA_SIZE = MAX_INFO_BYTES;
const MAX_PIECE_INDEX = MAX_METADATA_SIZE / METADATA_PIECE_SIZE - 1;

/** One ut_metadata message. */
export type UtMetadataMessage =
  | { type: 'request'; piece: number }
  | { type: 'data'; piece: number; totalSize: number; data: Uint8Array }
  | { type: 'reject'; piece: number };

const MSG_TYPE = { request: 0, data: 1, reject: 2 } as const;

/** Encodes a message payload. */
export function encodeUtMetadata(msg: UtMetadataMessage): Uint8Array {
  if (msg.type === 'data') {
    const dict = bencode({ msg_type: MSG_TYPE.data, piece: msg.piece, total_size: msg.totalSize });
    return concatBytes([dict, msg.data]);
  }
  return bencode({ msg_type: MSG_TYPE[msg.type], piece: msg.piece });
}

/**
 * Parses a message payload. Throws TabswarmError(PROTOCOL_VIOLATION) on a malformed dictionary,
 * an unknown `msg_type`, a piece index past the 8 MiB cap, trailing bytes after a request or
 * reject, or `data` whose size is not exactly that of the piece (16 KiB, or the remainder for
 * the last piece of `total_size`). The returned `data` is a view into `payload`.
 */
export function parseUtMetadata(payload: Uint8Array): UtMetadataMessage {
  let value: BValue;
  let end: number;
  try {
    ({ value, end } = bdecodePrefix(payload));
  } catch (err) {
    return violation(`not bencoded: ${(err as Error).message}`);
  }
  if (!isDict(value)) return violation('not a dictionary');
  const msgType = value['msg_type'];
  const piece = value['piece'];
  if (!isInt(piece) || piece < 0 || piece > MAX_PIECE_INDEX)
    return violation(`piece ${String(piece)} out of range`);
  const trailing = payload.length - end;

  if (msgType === MSG_TYPE.request || msgType === MSG_TYPE.reject) {
    if (trailing !== 0) violation(`${trailing} bytes after a ${msgType === 0 ? 'request' : 'reject'}`);
    return { type: msgType === MSG_TYPE.request ? 'request' : 'reject', piece };
  }
  if (msgType !== MSG_TYPE.data) return violation(`unknown msg_type ${String(msgType)}`);

  const totalSize = value['total_size'];
  if (!isInt(totalSize) || totalSize < 1 || totalSize > MAX_METADATA_SIZE) {
    return violation(`total_size ${String(totalSize)} out of range`);
  }
  if (piece >= metadataPieceCount(totalSize)) return violation(`piece ${piece} past total_size ${totalSize}`);
  const expected = metadataPieceLength(totalSize, piece);
  if (trailing !== expected)
    return violation(`piece ${piece} carries ${trailing} bytes, expected ${expected}`);
  return { type: 'data', piece, totalSize, data: payload.subarray(end) };
}

/** Number of 16 KiB pieces in metadata of `totalSize` bytes. */
export function metadataPieceCount(totalSize: number): number {
  return Math.ceil(totalSize / METADATA_PIECE_SIZE);
}

/** Byte length of metadata piece `piece` of `totalSize` bytes (the last is the remainder). */
export function metadataPieceLength(totalSize: number, piece: number): number {
  return Math.min(METADATA_PIECE_SIZE, totalSize - piece * METADATA_PIECE_SIZE);
}

/**
 * The slice of `infoBytes` to serve for `piece` (a view, not a copy). Throws
 * TabswarmError(PROTOCOL_VIOLATION) for a piece index past the end; callers serving a peer's
 * request check `piece < metadataPieceCount(infoBytes.length)` first and reject otherwise.
 */
export function metadataPiece(infoBytes: Uint8Array, piece: number): Uint8Array {
  if (!Number.isInteger(piece) || piece < 0 || piece >= metadataPieceCount(infoBytes.length)) {
    violation(`metadata piece ${piece} out of range`);
  }
  const start = piece * METADATA_PIECE_SIZE;
  return infoBytes.subarray(start, start + METADATA_PIECE_SIZE);
}

function violation(why: string): never {
  throw new TabswarmError(ErrorCode.ProtocolViolation, `ut_metadata: ${why}`);
}
