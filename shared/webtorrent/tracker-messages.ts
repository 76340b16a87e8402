import { z } from 'zod';
import { fromHex, toHex } from '../bytes.js';
import { MAX_SIGNAL_DATA_BYTES } from '../signaling/messages.js';

/**
 * The WebSocket tracker protocol of bittorrent-tracker, the one WebTorrent clients speak: JSON
 * text frames with an `action` (`announce` or `scrape`), ids as 20-character binary strings (one
 * character per byte, char codes 0..255), offers and answers as simple-peer signals
 * (`{ type, sdp }`, complete SDP: no trickle). Used by the server (signaling-server/wt-tracker.ts)
 * and the tab's tracker client (tracker-client.ts). See docs/signaling-protocol.md.
 */

/** Offers one announce may carry (WebTorrent sends at most 5). */
export const MAX_WT_OFFERS = 5;
/** Longest SDP an offer or answer may carry (what the server relays for tabs, too). */
export const MAX_WT_SDP_CHARS = MAX_SIGNAL_DATA_BYTES;
/** Length of a binary-string id (`info_hash`, `peer_id`, `offer_id`). */
export const BINARY_ID_LENGTH = 20;
/** Info-hashes one scrape may name. */
export const MAX_SCRAPE_HASHES = 64;

/** A 20-byte id as a binary string (what the protocol carries) to 40 lower-case hex characters. */
export function binaryToHex(id: string): string {
  const bytes = new Uint8Array(id.length);
  for (let i = 0; i < id.length; i++) bytes[i] = id.charCodeAt(i);
  return toHex(bytes);
}

/** 40 hex characters to the binary string the protocol carries; throws on bad hex. */
export function hexToBinary(hex: string): string {
  const bytes = fromHex(hex);
  if (bytes === undefined) throw new Error(`not hex: ${hex.slice(0, 48)}`);
  return String.fromCharCode(...bytes);
}

/** True for a 20-character string whose characters are all bytes. */
function isBinaryId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== BINARY_ID_LENGTH) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

const binaryId = (what: string) =>
  z.custom<string>(isBinaryId, { error: `must be a ${BINARY_ID_LENGTH}-character binary string (${what})` });

const sdpSignal = <T extends 'offer' | 'answer'>(type: T) =>
  z.object({
    type: z.literal(type, { error: `must be "${type}"` }),
    sdp: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'is empty' })
      .max(MAX_WT_SDP_CHARS, { error: `is over ${MAX_WT_SDP_CHARS} characters` }),
  });

/** An SDP offer as WebTorrent sends it. */
export type WtOffer = z.infer<ReturnType<typeof sdpSignal<'offer'>>>;
/** An SDP answer as WebTorrent sends it. */
export type WtAnswer = z.infer<ReturnType<typeof sdpSignal<'answer'>>>;

const offerEntry = z.object({ offer: sdpSignal('offer'), offer_id: binaryId('offer_id') });

const WT_EVENTS = ['started', 'completed', 'stopped', 'update', 'paused'] as const;

const announceRequestSchema = z.object({
  action: z.literal('announce'),
  info_hash: binaryId('info_hash'),
  peer_id: binaryId('peer_id'),
  event: z.enum(WT_EVENTS, { error: `must be one of ${WT_EVENTS.join(', ')}` }).optional(),
  numwant: z.number().optional(),
  /** Bytes still missing: 0 marks a seeder. */
  left: z.union([z.number(), z.string(), z.null()]).optional(),
  offers: z
    .array(offerEntry, { error: 'must be an array' })
    .max(MAX_WT_OFFERS, { error: `at most ${MAX_WT_OFFERS} offers` })
    .optional(),
  answer: sdpSignal('answer').optional(),
  to_peer_id: binaryId('to_peer_id').optional(),
  offer_id: binaryId('offer_id').optional(),
});
/** `announce` from a client: joins a swarm, carries offers for others, or answers an offer. */
export type WtAnnounceRequest = z.infer<typeof announceRequestSchema>;

const scrapeRequestSchema = z.object({
  action: z.literal('scrape'),
  info_hash: z
    .union([binaryId('info_hash'), z.array(binaryId('info_hash')).max(MAX_SCRAPE_HASHES)], {
      error: `must be a binary info-hash or an array of at most ${MAX_SCRAPE_HASHES}`,
    })
    .optional(),
});
/** `scrape`: the counts of one or more swarms. */
export type WtScrapeRequest = z.infer<typeof scrapeRequestSchema>;

/** Any message a tracker client sends. */
export type WtRequest = WtAnnounceRequest | WtScrapeRequest;

/** Outcome of checking a message: the typed message or why not. */
export type WtCheck<T> = { ok: true; message: T } | { ok: false; reason: string; infoHash?: string };

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.');
  return field ? `${field}: ${issue?.message ?? 'invalid'}` : (issue?.message ?? 'invalid');
}

/** Checks a decoded client message (an object with `action`). Never throws. */
export function checkWtRequest(value: Record<string, unknown>): WtCheck<WtRequest> {
  const infoHash = isBinaryId(value.info_hash) ? value.info_hash : undefined;
  const fail = (reason: string): WtCheck<WtRequest> =>
    infoHash === undefined ? { ok: false, reason } : { ok: false, reason, infoHash };
  if (value.action === 'announce') {
    const r = announceRequestSchema.safeParse(value);
    if (!r.success) return fail(firstIssue(r.error));
    if (r.data.answer !== undefined && (r.data.to_peer_id === undefined || r.data.offer_id === undefined))
      return fail('to_peer_id and offer_id are required with answer');
    return { ok: true, message: r.data };
  }
  if (value.action === 'scrape') {
    const r = scrapeRequestSchema.safeParse(value);
    return r.success ? { ok: true, message: r.data } : fail(firstIssue(r.error));
  }
  return fail(`invalid action in WS request: ${String(value.action).slice(0, 40)}`);
}

// ---- tracker -> client ---------------------------------------------------------------------

const countSchema = z.number().int().min(0);

const announceResponseSchema = z.object({
  action: z.literal('announce'),
  info_hash: binaryId('info_hash'),
  'failure reason': z.string().optional(),
  'warning message': z.string().optional(),
  interval: z.number().positive().optional(),
  'min interval': z.number().positive().optional(),
  complete: countSchema.optional(),
  incomplete: countSchema.optional(),
  peer_id: binaryId('peer_id').optional(),
  offer: sdpSignal('offer').optional(),
  answer: sdpSignal('answer').optional(),
  offer_id: binaryId('offer_id').optional(),
});
/** What a tracker sends about one swarm: counts and interval, a relayed offer, or an answer. */
export type WtAnnounceResponse = z.infer<typeof announceResponseSchema>;

/** A tracker message the client acts on, or one it reports and ignores. */
export type WtResponse =
  | { kind: 'announce'; message: WtAnnounceResponse }
  | { kind: 'failure'; reason: string }
  | { kind: 'ignored' };

/** Checks a decoded tracker message. Never throws. */
export function checkWtResponse(value: unknown): WtCheck<WtResponse> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'tracker message is not a JSON object' };
  const v = value as Record<string, unknown>;
  if (typeof v['failure reason'] === 'string')
    return { ok: true, message: { kind: 'failure', reason: v['failure reason'] } };
  // An announce naming no swarm (tabswarm's challenge on a shared endpoint) is for nobody here.
  if (v.action === 'announce' && v.info_hash === undefined) return { ok: true, message: { kind: 'ignored' } };
  if (v.action === 'announce') {
    const r = announceResponseSchema.safeParse(v);
    return r.success
      ? { ok: true, message: { kind: 'announce', message: r.data } }
      : { ok: false, reason: firstIssue(r.error) };
  }
  if (v.action === 'scrape') return { ok: true, message: { kind: 'ignored' } };
  return { ok: false, reason: `invalid action in WS response: ${String(v.action).slice(0, 40)}` };
}
