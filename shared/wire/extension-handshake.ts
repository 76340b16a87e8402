import { bdecode, bencode, isBytes, isDict, isInt } from '../bencode.js';
import type { BEncodable, BValue } from '../bencode.js';
import { fromUtf8 } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { MAX_METADATA_SIZE } from './ut-metadata.js';

/**
 * BEP 10 extension handshake: the bencoded dictionary carried by extended message id 0
 * (this module sees the payload after the extended-message id byte).
 */

/** The fields of an extension handshake this app uses. */
export interface ExtensionHandshake {
  /**
   * Extension name -> message id the sender wants to receive it on (1..255). Parsed maps have a
   * null prototype, so a hostile key such as `__proto__` is just a key.
   */
  m: Record<string, number>;
  /** Size of the info dictionary in bytes (BEP 9 `metadata_size`), when the sender has it. */
  metadataSize?: number;
  /** Client name and version (`v`). */
  client?: string;
  /** How many outstanding requests the sender queues (`reqq`). */
  reqq?: number;
}

/** Encodes a handshake dictionary. */
export function encodeExtensionHandshake(h: ExtensionHandshake): Uint8Array {
  // Null prototype: an extension named `__proto__` stays an ordinary key.
  const m = Object.create(null) as Record<string, BEncodable>;
  for (const [name, id] of Object.entries(h.m)) m[name] = id;
  return bencode({ m, metadata_size: h.metadataSize, v: h.client, reqq: h.reqq });
}

/**
 * Parses a handshake payload; throws TabswarmError(PROTOCOL_VIOLATION) if it is not a bencoded
 * dictionary, if an `m` id is not an integer in 0..255, or if `metadata_size` is not in
 * 1..8 MiB. Id 0 means "disabled" and is dropped. Unknown keys are ignored, and so are a
 * malformed `v` or `reqq` (advisory fields).
 */
export function parseExtensionHandshake(payload: Uint8Array): ExtensionHandshake {
  let value: BValue;
  try {
    value = bdecode(payload);
  } catch (err) {
    return violation(`not bencoded: ${(err as Error).message}`);
  }
  if (!isDict(value)) return violation('not a dictionary');

  const m: Record<string, number> = Object.create(null) as Record<string, number>;
  const rawM = value['m'];
  if (rawM !== undefined) {
    if (!isDict(rawM)) violation('"m" is not a dictionary');
    for (const [name, id] of Object.entries(rawM)) {
      if (!isInt(id) || id < 0 || id > 255) violation(`"m.${name}" is not an id in 0..255`);
      if (id !== 0) m[name] = id;
    }
  }
  const h: ExtensionHandshake = { m };

  const size = value['metadata_size'];
  if (size !== undefined) {
    if (!isInt(size) || size < 1 || size > MAX_METADATA_SIZE)
      violation(`metadata_size ${String(size)} out of range`);
    h.metadataSize = size;
  }
  const v = value['v'];
  if (isBytes(v)) h.client = fromUtf8(v);
  const reqq = value['reqq'];
  if (isInt(reqq) && reqq > 0) h.reqq = reqq;
  return h;
}

function violation(why: string): never {
  throw new TabswarmError(ErrorCode.ProtocolViolation, `extension handshake: ${why}`);
}
