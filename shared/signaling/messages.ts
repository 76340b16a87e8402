import { z } from 'zod';
import { ErrorCode, TabswarmError } from '../errors.js';
import { utf8 } from '../bytes.js';

/**
 * The signaling protocol spoken between a tab and the signaling server over one WebSocket:
 * JSON text frames, one message each, validated against the schemas below on both ends.
 * See docs/signaling-protocol.md for the prose version with an example exchange.
 */

/** Largest frame either side accepts, in bytes (the server's `ws` maxPayload). */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Largest `data` of a `signal` message, measured as UTF-8 bytes of its JSON encoding. */
export const MAX_SIGNAL_DATA_BYTES = 32 * 1024;
/** Largest `rid` string. */
export const MAX_RID_LENGTH = 64;
/** Largest `numWant` a client may ask for (the server may give fewer). */
export const MAX_NUM_WANT = 200;

const HEX40 = /^[0-9a-fA-F]{40}$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const HEX128 = /^[0-9a-fA-F]{128}$/;

/**
 * Close code of a draining server (RFC 6455 registry: Service Restart): the tab reconnects after a
 * random wait, so the tabs of a restarted server do not all come back at once.
 */
export const SERVICE_RESTART_CLOSE = 1012;

/** Longest `retryAfterMs` the server may ask for (a day): a client clamps to its own cap anyway. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** A string field with "is required" / "must be a string" messages instead of zod's generic ones. */
const str = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });

/** A 20-byte id as 40 hex characters, normalised to lower case. */
const hex40 = () =>
  str()
    .regex(HEX40, { error: 'must be 40 hex characters (a 20-byte id)' })
    .transform((s) => s.toLowerCase());

/** Hex of a fixed length (`pattern`), normalised to lower case; `what` names it in errors. */
const hexBytes = (pattern: RegExp, what: string) =>
  str()
    .regex(pattern, { error: `must be ${what}` })
    .transform((s) => s.toLowerCase());

/** A request id as carried in `rid`. */
export type RequestId = string | number;

function isRequestId(value: unknown): value is RequestId {
  return (
    (typeof value === 'string' && value.length <= MAX_RID_LENGTH) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}

/** Request id, echoed in the replies to the message that carried it. A plain predicate: it is on the hot path. */
const ridSchema = z.custom<RequestId>(isRequestId, {
  error: `must be a string of at most ${MAX_RID_LENGTH} characters or a safe integer`,
});

const numWantSchema = z
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be >= 0' })
  .max(MAX_NUM_WANT, { error: `must be <= ${MAX_NUM_WANT}` });

/** Size of `value` as UTF-8 JSON, or undefined if it cannot be encoded (cycles, too deep). */
function jsonBytes(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return undefined;
    // Each UTF-16 unit is at most 3 UTF-8 bytes: skip the encode when it cannot matter.
    return text.length * 3 <= MAX_SIGNAL_DATA_BYTES ? text.length : utf8(text).length;
  } catch {
    return undefined;
  }
}

/** Opaque JSON (an SDP offer/answer, an ICE candidate...), present and size-capped. */
const signalDataSchema = z.unknown().superRefine((value, ctx) => {
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is required' });
    return;
  }
  const size = jsonBytes(value);
  if (size === undefined) ctx.addIssue({ code: 'custom', message: 'must be encodable as JSON' });
  else if (size > MAX_SIGNAL_DATA_BYTES)
    ctx.addIssue({ code: 'custom', message: `is ${size} bytes of JSON, limit ${MAX_SIGNAL_DATA_BYTES}` });
});

/** An ICE server entry as RTCPeerConnection takes it. */
export const iceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())], { error: 'must be a string or an array of strings' }),
  username: z.string().optional(),
  credential: z.string().optional(),
});
/** One STUN/TURN server; assignable to the DOM's RTCIceServer. */
export type IceServer = z.infer<typeof iceServerSchema>;

// ---- client -> server ----------------------------------------------------------------------

const registerSchema = z.object({
  type: z.literal('register'),
  peerId: hex40(),
  /** The Ed25519 public key whose SHA-1 is `peerId` (shared/identity/). */
  publicKey: hexBytes(HEX64, '64 hex characters (a 32-byte Ed25519 public key)').optional(),
  /** Signature of `"tabswarm-register" 0x00 || nonce || peerId` by that key. */
  signature: hexBytes(HEX128, '128 hex characters (a 64-byte Ed25519 signature)').optional(),
  numWant: numWantSchema.optional(),
  rid: ridSchema.optional(),
});
/**
 * First message on a socket: claims `peerId` (20 bytes, hex) for this socket's lifetime, proving
 * it with `publicKey` and `signature` over the socket's `challenge`. The proof fields are
 * optional in the schema so that a register without them gets PEER_ID_UNPROVEN, not a schema
 * error. Sending it again with the same id asks for a fresh bootstrap set (no proof needed: the
 * socket already holds the id).
 */
export type RegisterMessage = z.infer<typeof registerSchema>;

/** BitTorrent tracker events; no event is a plain re-announce (treated like `started`). */
export const ANNOUNCE_EVENTS = ['started', 'completed', 'stopped'] as const;
/** One of ANNOUNCE_EVENTS. */
export type AnnounceEvent = (typeof ANNOUNCE_EVENTS)[number];

const announceSchema = z.object({
  type: z.literal('announce'),
  infoHash: hex40(),
  event: z.enum(ANNOUNCE_EVENTS, { error: `must be one of ${ANNOUNCE_EVENTS.join(', ')}` }).optional(),
  numWant: numWantSchema.optional(),
  rid: ridSchema.optional(),
});
/** Joins (or leaves, with `stopped`) the swarm of `infoHash`; the reply lists other members. */
export type AnnounceMessage = z.infer<typeof announceSchema>;

const signalSchema = z.object({
  type: z.literal('signal'),
  to: hex40(),
  data: signalDataSchema,
  rid: ridSchema.optional(),
});
/** Asks the server to pass `data` to the registered peer `to`. No reply unless it fails. */
export type SignalMessage = z.infer<typeof signalSchema>;

/** Any message a tab sends to the server. */
export type ClientMessage = RegisterMessage | AnnounceMessage | SignalMessage;

// ---- server -> client ----------------------------------------------------------------------

const peerListSchema = z.array(hex40());

const challengeSchema = z.object({
  type: z.literal('challenge'),
  nonce: hexBytes(HEX64, '64 hex characters (a 32-byte nonce)'),
  /**
   * Always `announce` with the all-zero `info_hash` (20 NUL characters): the endpoint is also a
   * WebTorrent tracker, and a WebTorrent client reads this first frame as a tracker response; an
   * announce for a swarm it does not have it ignores. Tabs ignore both fields.
   */
  action: z.literal('announce').optional(),
  info_hash: z.string().optional(),
});
/**
 * First message the server sends on every socket: a fresh random nonce that this socket's
 * `register` must sign, so a proof cannot be replayed on another socket.
 */
export type ChallengeMessage = z.infer<typeof challengeSchema>;

const registeredSchema = z.object({
  type: z.literal('registered'),
  peerId: hex40(),
  peers: peerListSchema,
  iceServers: z.array(iceServerSchema),
  /**
   * Sent when the server had no other peer to give: ask for a bootstrap set again no sooner than
   * this. A newcomer is handed this tab and connects to it, so a lone tab need not ask at all.
   */
  retryAfterMs: z
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be >= 0' })
    .max(MAX_RETRY_AFTER_MS, { error: `must be <= ${MAX_RETRY_AFTER_MS}` })
    .optional(),
  rid: ridSchema.optional(),
});
/** Reply to `register`: a random bootstrap set of other registered peers and the ICE servers. */
export type RegisteredMessage = z.infer<typeof registeredSchema>;

const iceServersSchema = z.object({
  type: z.literal('ice-servers'),
  iceServers: z.array(iceServerSchema),
  /** When the TURN credentials in `iceServers` stop working, Unix milliseconds. */
  expiresAt: z.int({ error: 'must be an integer' }).min(0, { error: 'must be >= 0' }),
});
/**
 * Fresh TURN credentials (with the static ICE servers), sent before the previous ones expire:
 * the tab uses the newest for every link it makes from then on.
 */
export type IceServersMessage = z.infer<typeof iceServersSchema>;

const countSchema = z.int().min(0);

const announcedSchema = z.object({
  type: z.literal('announced'),
  infoHash: hex40(),
  peers: peerListSchema,
  /** Peers in the swarm that announced `completed` (seeders), announcer included. */
  complete: countSchema,
  /** The other members of the swarm (leechers), announcer included. */
  incomplete: countSchema,
  rid: ridSchema.optional(),
});
/** Reply to `announce`: up to numWant random other members of the swarm (never the announcer). */
export type AnnouncedMessage = z.infer<typeof announcedSchema>;

const relayedSignalSchema = z.object({
  type: z.literal('signal'),
  from: hex40(),
  data: signalDataSchema,
});
/** A `signal` relayed from peer `from`; `data` is exactly what `from` sent. */
export type RelayedSignalMessage = z.infer<typeof relayedSignalSchema>;

const errorCodes = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

const errorSchema = z.object({
  type: z.literal('error'),
  code: z.enum(errorCodes),
  message: z.string(),
  /** What the error is about: the unknown or superseded peer id, or the invalid field's name. */
  ref: z.string().optional(),
  rid: ridSchema.optional(),
});
/** Something the client sent was refused; `rid` names the request when it carried one. */
export type ErrorMessage = z.infer<typeof errorSchema>;

/** Any message the server sends to a tab. */
export type ServerMessage =
  | ChallengeMessage
  | RegisteredMessage
  | IceServersMessage
  | AnnouncedMessage
  | RelayedSignalMessage
  | ErrorMessage;

// ---- parsing -------------------------------------------------------------------------------

/** Why a message was refused: a human message naming the field, and the field path if any. */
export interface SignalProblem {
  /** e.g. `peerId: must be 40 hex characters (a 20-byte id)`. */
  message: string;
  /** Dotted path of the offending field (`peerId`, `data`), absent for whole-message faults. */
  field?: string;
  /** The message's `rid`, when the message was an object with a valid one. */
  rid?: RequestId;
}

/** Outcome of checking one message: the typed message, or the problem. Never throws. */
export type CheckResult<T> = { ok: true; message: T } | { ok: false; problem: SignalProblem };

type AnySchema = z.ZodType<unknown>;

const clientSchemas: Record<string, AnySchema> = {
  register: registerSchema,
  announce: announceSchema,
  signal: signalSchema,
};

const serverSchemas: Record<string, AnySchema> = {
  challenge: challengeSchema,
  registered: registeredSchema,
  'ice-servers': iceServersSchema,
  announced: announcedSchema,
  signal: relayedSignalSchema,
  error: errorSchema,
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check<T>(value: unknown, schemas: Record<string, AnySchema>): CheckResult<T> {
  if (!isObject(value)) return { ok: false, problem: { message: 'message must be a JSON object' } };
  const fail = (message: string, field?: string): CheckResult<T> => {
    const problem: SignalProblem = { message };
    if (field !== undefined) problem.field = field;
    if (isRequestId(value.rid)) problem.rid = value.rid;
    return { ok: false, problem };
  };
  const type = value.type;
  if (typeof type !== 'string')
    return fail(`type: ${type === undefined ? 'is required' : 'must be a string'}`, 'type');
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) {
    const known = Object.keys(schemas).join(', ');
    return fail(
      `type: unknown message type ${JSON.stringify(type.slice(0, 40))} (expected ${known})`,
      'type',
    );
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data as T };
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  const text = issue?.message ?? 'invalid';
  return fail(field === undefined ? `${type}: ${text}` : `${field}: ${text}`, field);
}

/**
 * True if `text` is over MAX_FRAME_BYTES of UTF-8: bytes, as the server's `ws` maxPayload counts
 * them, so both ends refuse the same frames (the tab's WebSocket has no limit of its own).
 */
function overFrameCap(text: string): boolean {
  // A UTF-16 unit is 1 to 3 bytes of UTF-8: encode only when its count alone cannot tell.
  if (text.length > MAX_FRAME_BYTES) return true;
  if (text.length * 3 <= MAX_FRAME_BYTES) return false;
  return utf8(text).length > MAX_FRAME_BYTES;
}

/**
 * Decodes one frame's JSON within the frame cap, before its protocol is known (the endpoint also
 * speaks the WebTorrent tracker protocol, shared/webtorrent/). Never throws.
 */
export function decodeFrame(text: string): CheckResult<unknown> {
  if (overFrameCap(text))
    return {
      ok: false,
      problem: { message: `message is over the limit of ${MAX_FRAME_BYTES} bytes of UTF-8` },
    };
  try {
    return { ok: true, message: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: { message: 'message is not valid JSON' } };
  }
}

/** Checks an already-decoded value against the client->server schema. Never throws. */
export function checkClientMessage(value: unknown): CheckResult<ClientMessage> {
  return check<ClientMessage>(value, clientSchemas);
}

/** Checks an already-decoded value against the server->client schema. Never throws. */
export function checkServerMessage(value: unknown): CheckResult<ServerMessage> {
  return check<ServerMessage>(value, serverSchemas);
}

/** Decodes and checks one client->server frame. Never throws. */
export function decodeClientMessage(text: string): CheckResult<ClientMessage> {
  const json = decodeFrame(text);
  return json.ok ? checkClientMessage(json.message) : json;
}

/** Decodes and checks one server->client frame. Never throws. */
export function decodeServerMessage(text: string): CheckResult<ServerMessage> {
  const json = decodeFrame(text);
  return json.ok ? checkServerMessage(json.message) : json;
}

function orThrow<T>(result: CheckResult<T>): T {
  if (result.ok) return result.message;
  throw new TabswarmError(ErrorCode.SignalInvalid, result.problem.message);
}

/**
 * Parses one client->server frame. Throws TabswarmError(SIGNAL_INVALID) whose message names the
 * field at fault, e.g. `peerId: must be 40 hex characters (a 20-byte id)`.
 */
export function parseClientMessage(text: string): ClientMessage {
  return orThrow(decodeClientMessage(text));
}

/** Parses one server->client frame. Throws TabswarmError(SIGNAL_INVALID) naming the field at fault. */
export function parseServerMessage(text: string): ServerMessage {
  return orThrow(decodeServerMessage(text));
}

/** Encodes a message for the wire (one JSON text frame). */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}
