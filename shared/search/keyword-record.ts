import { bdecode, bencode, isBytes, isDict, isInt, isList } from '../bencode.js';
import { bytesEqual, fromUtf8, toHex, utf8 } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { domainMessage, peerIdOf, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../identity/index.js';
import type { KeySigner } from '../identity/index.js';
import { sha1 } from '../sha1.js';
import { MAX_KEYWORDS, normalizeWords } from './keywords.js';

/** Largest encoded record: the DHT carries up to MAX_RECORDS_IN_ANSWER of them in one message. */
export const MAX_RECORD_BYTES = 560;
/** Largest title, in UTF-8 bytes. */
export const MAX_TITLE_BYTES = 120;
/** Largest file count a record may claim. */
export const MAX_RECORD_FILES = 100_000;
/** Domain of a record's signature (see shared/identity domainMessage). */
export const RECORD_DOMAIN = 'tabswarm-keyword-record';

/** What a publisher says about a file it shares, under each of its keywords. */
export interface RecordFields {
  /** 20-byte info-hash. */
  readonly infoHash: Uint8Array;
  readonly title: string;
  /** Total bytes. */
  readonly size: number;
  readonly files: number;
  /** Normalised keywords it is published under (keywordsOf). */
  readonly keywords: readonly string[];
}

/** A decoded record: its fields, the publisher's key and id, and its bytes as they travel. */
export interface KeywordRecord extends RecordFields {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
  /** 40-hex id of the publisher: SHA-1 of its key, as every tab id. */
  readonly publisher: string;
  /** 40-hex info-hash. */
  readonly infoHashHex: string;
  /** The encoded record. */
  readonly bytes: Uint8Array;
  /** 40-hex SHA-1 of `bytes`: identifies one record version (dedup, verification cache). */
  readonly digest: string;
}

/** Whether `signature` is `publicKey`'s signature of `message` (the DHT's verifier). */
export type RecordVerifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

function invalid(why: string): never {
  throw new TabswarmError(ErrorCode.SearchRecordInvalid, `search record: ${why}`);
}

function body(f: RecordFields): Uint8Array {
  return bencode({
    ih: f.infoHash,
    t: utf8(f.title),
    l: f.size,
    n: f.files,
    w: f.keywords.map((w) => utf8(w)),
  });
}

/** The bytes a record's signature signs: domain, then its bencoded body. */
export function recordSignedMessage(f: RecordFields): Uint8Array {
  return domainMessage(RECORD_DOMAIN, body(f));
}

/** Checks the fields a publisher may put in a record; throws SEARCH_RECORD_INVALID. */
function checkFields(f: RecordFields): void {
  if (f.infoHash.length !== 20) invalid('info-hash must be 20 bytes');
  if (utf8(f.title).length > MAX_TITLE_BYTES) invalid(`title over ${MAX_TITLE_BYTES} bytes`);
  if (!Number.isSafeInteger(f.size) || f.size < 0) invalid('size is not a byte count');
  if (!Number.isSafeInteger(f.files) || f.files < 1 || f.files > MAX_RECORD_FILES) invalid('bad file count');
  if (f.keywords.length === 0 || f.keywords.length > MAX_KEYWORDS) invalid(`1 to ${MAX_KEYWORDS} keywords`);
  for (const w of f.keywords) {
    const n = normalizeWords(w);
    if (n.length !== 1 || n[0] !== w) invalid(`keyword "${w.slice(0, 32)}" is not normalised`);
  }
  if (new Set(f.keywords).size !== f.keywords.length) invalid('repeated keyword');
}

/** Cuts a title to MAX_TITLE_BYTES of UTF-8 (on a character boundary). */
export function clampTitle(title: string): string {
  let out = title.trim();
  while (utf8(out).length > MAX_TITLE_BYTES) out = [...out].slice(0, -1).join('');
  return out;
}

/**
 * Signs and encodes a record; throws SEARCH_RECORD_INVALID for fields over a cap. Keywords are
 * dropped from the end while the record would be over MAX_RECORD_BYTES (long non-Latin words).
 */
export function encodeKeywordRecord(f: RecordFields, signer: KeySigner): Uint8Array {
  checkFields(f);
  for (let n = f.keywords.length; n > 1; n--) {
    const out = encodeOnce({ ...f, keywords: f.keywords.slice(0, n) }, signer);
    if (out.length <= MAX_RECORD_BYTES) return out;
  }
  const out = encodeOnce({ ...f, keywords: f.keywords.slice(0, 1) }, signer);
  if (out.length > MAX_RECORD_BYTES) invalid(`record of ${out.length} bytes`);
  return out;
}

function encodeOnce(f: RecordFields, signer: KeySigner): Uint8Array {
  const sig = signer.sign(recordSignedMessage(f));
  return bencode({
    ih: f.infoHash,
    t: utf8(f.title),
    l: f.size,
    n: f.files,
    w: f.keywords.map((w) => utf8(w)),
    k: signer.publicKey,
    sig,
  });
}

/**
 * Decodes a record and checks its shape and caps (not its signature: {@link verifyKeywordRecord}).
 * Throws SEARCH_RECORD_INVALID (or BENCODE_INVALID).
 */
export function decodeKeywordRecord(bytes: Uint8Array): KeywordRecord {
  if (bytes.length > MAX_RECORD_BYTES) invalid(`record of ${bytes.length} bytes`);
  const d = bdecode(bytes, { maxDepth: 3 });
  if (!isDict(d)) return invalid('not a dictionary');
  const { ih, t, l, n, w, k, sig } = d;
  if (!isBytes(ih) || !isBytes(t) || !isInt(l) || !isInt(n) || !isList(w) || !isBytes(k) || !isBytes(sig))
    return invalid('missing or mistyped field');
  if (k.length !== PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES) invalid('key or signature size');
  if (!w.every(isBytes)) invalid('keyword is not a string');
  const fields: RecordFields = {
    infoHash: ih,
    title: fromUtf8(t),
    size: l,
    files: n,
    keywords: (w as Uint8Array[]).map((x) => fromUtf8(x)),
  };
  checkFields(fields);
  // Canonical bytes only: the digest then names one record whatever way it was written.
  if (!bytesEqual(bencode(d), bytes)) invalid('not canonical bencode');
  return {
    ...fields,
    publicKey: k,
    signature: sig,
    publisher: toHex(peerIdOf(k)),
    infoHashHex: toHex(ih),
    bytes,
    digest: toHex(sha1(bytes)),
  };
}

/** Whether the record's signature is its publisher's over its fields. */
export function verifyKeywordRecord(r: KeywordRecord, verifier: RecordVerifier): boolean {
  return verifier(r.signature, recordSignedMessage(r), r.publicKey);
}

/** Whether `r` is published under `keyword` and under every one of `filters`. */
export function recordMatches(r: RecordFields, keyword: string, filters: readonly string[] = []): boolean {
  return r.keywords.includes(keyword) && filters.every((f) => r.keywords.includes(f));
}
