import { bdecode, isBytes, isDict, isInt, isList } from '../bencode.js';
import type { BDict, BValue } from '../bencode.js';
import { fromUtf8 } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../identity/index.js';
import { bencode } from '../bencode.js';
import { ID_BYTES } from './node-id.js';
import { MAX_KEYWORD_BYTES, MAX_QUERY_WORDS } from '../search/keywords.js';
import { MAX_RECORD_BYTES } from '../search/keyword-record.js';
import { MAX_RECORDS_IN_ANSWER } from '../search/search-results.js';

/**
 * KRPC (BEP 5) messages: bencoded dictionaries with `t` (transaction id), `y` (q/r/e), and `q`+`a`,
 * `r` or `e`. Contacts are bare 20-byte node ids (a tab has no IP:port), so `nodes` is a
 * concatenation of 20-byte ids and `values` a list of 20-byte node ids.
 */

/** Largest DHT message (frame) accepted or produced. */
export const MAX_DHT_MESSAGE = 64 * 1024;
/** BEP 44: the bencoded `v` of a stored value is at most 1000 bytes. */
export const MAX_VALUE_BENCODED = 1000;
/** Largest opaque WebRTC signal carried by a `signal` query (with its 96-byte proof, far below the cap). */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/** Caps on lists read off the wire. */
export const MAX_NODES_IN_RESPONSE = 64;
export const MAX_VALUES_IN_RESPONSE = 100;
const MAX_TID_BYTES = 16;
const MAX_TOKEN_BYTES = 64;

/** KRPC error codes (BEP 5). */
export const KrpcErrorCode = { Generic: 201, Server: 202, Protocol: 203, MethodUnknown: 204 } as const;

export type QueryName =
  'ping' | 'find_node' | 'get_peers' | 'announce_peer' | 'put' | 'get' | 'signal' | 'kw_get' | 'kw_put';

/**
 * The origin's proof on a query the receiver acts on for the origin (signal, announce_peer, put):
 * `k`, its public key, and `sig`, its signature. Optional on the wire, required by a node with a
 * verifier (see OriginAuth).
 */
export interface Proof {
  k?: Uint8Array;
  sig?: Uint8Array;
}

/**
 * A validated query, one variant per method. Any query's optional `sp` (1) says the asker is a
 * super-peer, as BEP 43's `ro` says it is read-only: a super-peer puts it in every query (see
 * LinkOptions.anchorLinks). A ping's optional `ln` is the asker's live link count, sent by a node
 * with few links (see LinkManager).
 */
export type KrpcQuery = { y: 'q'; t: Uint8Array; a: { sp?: 1 } } & (
  | { q: 'ping'; a: { id: Uint8Array; ln?: number } }
  | { q: 'find_node'; a: { id: Uint8Array; target: Uint8Array } }
  | { q: 'get_peers'; a: { id: Uint8Array; info_hash: Uint8Array } }
  /** `peer` (optional) names the announcing node when a store hands an announcement on. */
  | {
      q: 'announce_peer';
      a: { id: Uint8Array; info_hash: Uint8Array; token: Uint8Array; peer?: Uint8Array } & Proof;
    }
  | { q: 'put'; a: { id: Uint8Array; v: Uint8Array; token: Uint8Array } & Proof }
  | { q: 'get'; a: { id: Uint8Array; target: Uint8Array } }
  | { q: 'signal'; a: { id: Uint8Array; p: Uint8Array } & Proof }
  /**
   * Keyword search (shared/search): records stored under keyword `w` (target = SHA-1 of `w`) that
   * are also under every keyword of `f`, at most `n` of them, plus a token and closer contacts.
   */
  | { q: 'kw_get'; a: { id: Uint8Array; target: Uint8Array; w: Uint8Array; n: number; f: Uint8Array[] } }
  /** Stores a signed keyword record under the keyword whose SHA-1 is `target`; needs a token. */
  | { q: 'kw_put'; a: { id: Uint8Array; target: Uint8Array; token: Uint8Array; rec: Uint8Array } }
  /** Well-formed query with a method we do not know: answered with error 204. */
  | { q: 'unknown'; method: string; a: { id: Uint8Array } }
);

/**
 * Response values; which fields are present depends on the query. An answer sent back through
 * relays by a node with a signer carries its `k` and `sig` (Proof) over `"tabswarm-answer" 0x00 ||
 * responder || asker || SHA-1 of the body || transaction id`, the body being {@link responseBody}
 * (see OriginAuth.proveAnswer); an answer over a direct link carries none.
 */
export interface KrpcResponseValues extends Proof {
  id: Uint8Array;
  /** Node ids, closest first. */
  nodes?: Uint8Array[];
  token?: Uint8Array;
  /** Peers (node ids) for get_peers. */
  values?: Uint8Array[];
  /** Stored immutable value for get. */
  v?: Uint8Array;
  /** Keyword records for kw_get (each checked by the asker: shared/search checkAnswer). */
  kw?: Uint8Array[];
  /**
   * Super-peers (supernodes) the responder knows of: itself if it is one, and those among `nodes`
   * that said so over their links to it. The asker may ask them for a link (an anchor).
   */
  sn?: Uint8Array[];
}

export type KrpcMessage =
  | KrpcQuery
  | { y: 'r'; t: Uint8Array; r: KrpcResponseValues }
  | { y: 'e'; t: Uint8Array; e: [number, string] };

export type KrpcResponse = Extract<KrpcMessage, { y: 'r' }>;
export type KrpcError = Extract<KrpcMessage, { y: 'e' }>;

/** Length of `v` once bencoded as a byte string. */
export function bencodedValueLength(v: Uint8Array): number {
  return String(v.length).length + 1 + v.length;
}

function invalid(why: string): never {
  throw new TabswarmError(ErrorCode.DhtInvalid, `krpc: ${why}`);
}

function bytesField(d: BDict, key: string, exact?: number, max?: number): Uint8Array {
  const v = d[key];
  if (!isBytes(v)) return invalid(`missing or non-string "${key}"`);
  if (exact !== undefined && v.length !== exact) invalid(`"${key}" must be ${exact} bytes`);
  if (max !== undefined && v.length > max) invalid(`"${key}" longer than ${max} bytes`);
  return v;
}

function optionalBytes(d: BDict, key: string, exact?: number, max?: number): Uint8Array | undefined {
  return d[key] === undefined ? undefined : bytesField(d, key, exact, max);
}

function splitIds(data: Uint8Array, max: number, what: string): Uint8Array[] {
  if (data.length % ID_BYTES !== 0) invalid(`"${what}" is not a multiple of ${ID_BYTES} bytes`);
  const count = data.length / ID_BYTES;
  if (count > max) invalid(`"${what}" has more than ${max} entries`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(data.subarray(i * ID_BYTES, (i + 1) * ID_BYTES));
  return out;
}

/** The proof fields of a query, those present (each of its exact size). */
function proofFields(a: BDict): Proof {
  const k = optionalBytes(a, 'k', PUBLIC_KEY_BYTES);
  const sig = optionalBytes(a, 'sig', SIGNATURE_BYTES);
  return { ...(k && { k }), ...(sig && { sig }) };
}

function parseQuery(t: Uint8Array, d: BDict): KrpcQuery {
  const a = d['a'];
  if (!isDict(a)) return invalid('query without "a" dictionary');
  const query = parseMethod(t, d, a);
  const sp = a['sp'];
  if (sp === undefined) return query;
  if (sp !== 1) return invalid('"sp" is not 1');
  query.a.sp = sp;
  return query;
}

function parseMethod(t: Uint8Array, d: BDict, a: BDict): KrpcQuery {
  const q = fromUtf8(bytesField(d, 'q', undefined, 32));
  const id = bytesField(a, 'id', ID_BYTES);
  switch (q) {
    case 'ping': {
      const ln = a['ln'];
      if (ln === undefined) return { y: 'q', t, q, a: { id } };
      if (!isInt(ln) || ln < 0 || ln > 0xffff) return invalid('"ln" is not a small count');
      return { y: 'q', t, q, a: { id, ln } };
    }
    case 'find_node':
      return { y: 'q', t, q, a: { id, target: bytesField(a, 'target', ID_BYTES) } };
    case 'get':
      return { y: 'q', t, q, a: { id, target: bytesField(a, 'target', ID_BYTES) } };
    case 'get_peers':
      return { y: 'q', t, q, a: { id, info_hash: bytesField(a, 'info_hash', ID_BYTES) } };
    case 'announce_peer': {
      const peer = optionalBytes(a, 'peer', ID_BYTES);
      const args = {
        id,
        info_hash: bytesField(a, 'info_hash', ID_BYTES),
        token: bytesField(a, 'token', undefined, MAX_TOKEN_BYTES),
        ...(peer && { peer }),
        ...proofFields(a),
      };
      return { y: 'q', t, q, a: args };
    }
    case 'put': {
      const v = bytesField(a, 'v');
      if (bencodedValueLength(v) > MAX_VALUE_BENCODED)
        invalid(`value over ${MAX_VALUE_BENCODED} bytes bencoded`);
      const token = bytesField(a, 'token', undefined, MAX_TOKEN_BYTES);
      return { y: 'q', t, q, a: { id, v, token, ...proofFields(a) } };
    }
    case 'kw_get': {
      const n = a['n'];
      if (!isInt(n) || n < 0 || n > MAX_RECORDS_IN_ANSWER) return invalid('"n" is not a record count');
      const f = a['f'] ?? [];
      if (!isList(f) || f.length >= MAX_QUERY_WORDS) return invalid('"f" is not a short list');
      const filters = f.map((x) => {
        if (!isBytes(x) || x.length > MAX_KEYWORD_BYTES) invalid('"f" entry is not a keyword');
        return x as Uint8Array;
      });
      const w = bytesField(a, 'w', undefined, MAX_KEYWORD_BYTES);
      return { y: 'q', t, q, a: { id, target: bytesField(a, 'target', ID_BYTES), w, n, f: filters } };
    }
    case 'kw_put': {
      const target = bytesField(a, 'target', ID_BYTES);
      const token = bytesField(a, 'token', undefined, MAX_TOKEN_BYTES);
      return {
        y: 'q',
        t,
        q,
        a: { id, target, token, rec: bytesField(a, 'rec', undefined, MAX_RECORD_BYTES) },
      };
    }
    case 'signal': {
      const p = bytesField(a, 'p', undefined, MAX_SIGNAL_BYTES);
      return { y: 'q', t, q, a: { id, p, ...proofFields(a) } };
    }
    default:
      return { y: 'q', t, q: 'unknown', method: q, a: { id } };
  }
}

function parseResponse(t: Uint8Array, d: BDict): KrpcMessage {
  const r = d['r'];
  if (!isDict(r)) return invalid('response without "r" dictionary');
  const out: KrpcResponseValues = { id: bytesField(r, 'id', ID_BYTES) };
  const nodes = optionalBytes(r, 'nodes');
  if (nodes) out.nodes = splitIds(nodes, MAX_NODES_IN_RESPONSE, 'nodes');
  const sn = optionalBytes(r, 'sn');
  if (sn) out.sn = splitIds(sn, MAX_NODES_IN_RESPONSE + 1, 'sn');
  const token = optionalBytes(r, 'token', undefined, MAX_TOKEN_BYTES);
  if (token) out.token = token;
  const values = r['values'];
  if (values !== undefined) {
    if (!isList(values) || values.length > MAX_VALUES_IN_RESPONSE) invalid('"values" is not a short list');
    out.values = (values as BValue[]).map((v) => {
      if (!isBytes(v) || v.length !== ID_BYTES) invalid('"values" entry is not a node id');
      return v as Uint8Array;
    });
  }
  const v = optionalBytes(r, 'v');
  if (v) {
    if (bencodedValueLength(v) > MAX_VALUE_BENCODED)
      invalid(`value over ${MAX_VALUE_BENCODED} bytes bencoded`);
    out.v = v;
  }
  const kw = r['kw'];
  if (kw !== undefined) {
    if (!isList(kw) || kw.length > MAX_RECORDS_IN_ANSWER) invalid('"kw" is not a short list');
    out.kw = (kw as BValue[]).map((x) => {
      if (!isBytes(x) || x.length > MAX_RECORD_BYTES) invalid('"kw" entry is not a record');
      return x as Uint8Array;
    });
  }
  return { y: 'r', t, r: { ...out, ...proofFields(r) } };
}

/** Validates an already-decoded bencode value as a KRPC message. Throws TabswarmError(DHT_INVALID). */
export function parseKrpc(value: BValue): KrpcMessage {
  if (!isDict(value)) return invalid('message is not a dictionary');
  const t = bytesField(value, 't', undefined, MAX_TID_BYTES);
  if (t.length === 0) invalid('empty transaction id');
  const y = value['y'];
  if (!isBytes(y) || y.length !== 1) return invalid('missing "y"');
  switch (y[0]) {
    case 0x71: // q
      return parseQuery(t, value);
    case 0x72: // r
      return parseResponse(t, value);
    case 0x65: {
      // e
      const e = value['e'];
      if (!isList(e) || e.length < 2 || !isInt(e[0]) || !isBytes(e[1])) return invalid('malformed "e"');
      return { y: 'e', t, e: [e[0], fromUtf8(e[1].subarray(0, 256))] };
    }
    default:
      return invalid('unknown "y"');
  }
}

/** Decodes and validates bytes; throws TabswarmError(MESSAGE_TOO_LARGE or DHT_INVALID / BENCODE_INVALID). */
export function decodeKrpc(data: Uint8Array): KrpcMessage {
  if (data.length > MAX_DHT_MESSAGE) {
    throw new TabswarmError(ErrorCode.MessageTooLarge, `DHT message of ${data.length} bytes`);
  }
  return parseKrpc(bdecode(data, { maxDepth: 8 }));
}

function concatIds(ids: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(ids.length * ID_BYTES);
  ids.forEach((id, i) => out.set(id, i * ID_BYTES));
  return out;
}

/** The fields of a response other than its proof, as bencode takes them. */
function bodyFields(r: KrpcResponseValues): Record<string, BValue | undefined> {
  return {
    id: r.id,
    nodes: r.nodes ? concatIds(r.nodes) : undefined,
    token: r.token,
    values: r.values ? [...r.values] : undefined,
    v: r.v,
    kw: r.kw ? [...r.kw] : undefined,
    sn: r.sn ? concatIds(r.sn) : undefined,
  };
}

/**
 * The body of a response: its `r` dictionary bencoded without `k` and `sig`. What an answer's
 * proof signs (a digest of). Built from the parsed values, so asker and responder get the same
 * bytes whatever order or extra keys the wire had: the parser keeps only these fields.
 */
export function responseBody(r: KrpcResponseValues): Uint8Array {
  return bencode(bodyFields(r));
}

/** Encodes a message; throws TabswarmError(MESSAGE_TOO_LARGE) if it would exceed the cap. */
export function encodeKrpc(msg: KrpcMessage): Uint8Array {
  let out: Uint8Array;
  if (msg.y === 'q') {
    const q = msg.q === 'unknown' ? msg.method : msg.q;
    out = bencode({ t: msg.t, y: 'q', q, a: { ...msg.a } });
  } else if (msg.y === 'r') {
    const r = msg.r;
    out = bencode({ t: msg.t, y: 'r', r: { ...bodyFields(r), k: r.k, sig: r.sig } });
  } else {
    out = bencode({ t: msg.t, y: 'e', e: [msg.e[0], msg.e[1]] });
  }
  if (out.length > MAX_DHT_MESSAGE)
    throw new TabswarmError(ErrorCode.MessageTooLarge, `DHT message of ${out.length} bytes`);
  return out;
}
