import { bdecode, isBytes, isDict, isInt } from '../bencode.js';
import type { BValue } from '../bencode.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { bencode } from '../bencode.js';
import { MAX_DHT_MESSAGE } from './krpc.js';
import { ID_BYTES, idBytes, toNodeId, toNodeIdAt } from './node-id.js';
import type { NodeId } from './node-id.js';

/**
 * The envelope layer under KRPC. A DHT data channel carries frames: either a bare KRPC message
 * (from the directly connected peer) or a source-routed envelope
 *
 *     { "rl": { "p": <origin id><hop id>...<destination id>, "h": <index of the receiver in p>,
 *               "m": <KRPC bytes> } }
 *
 * Each relay checks that it is p[h] and that the frame came over the link from p[h-1], then
 * forwards to p[h+1] with h+1 if it has a live link to it. If it has none it sends a notice back
 * along the reversed prefix: { "rl": { "p": <relay>...<origin>, "h": 1, "u": <missing hop>,
 * "d": <destination> } }. Relays keep no state; time limits are the origin's query timeouts.
 */

/**
 * Default bound on ids after the origin in a route: 7 relays + destination. Every lookup round
 * adds a hop (a contact is reached through the responder that named it), so the bound caps the
 * rounds a lookup can go; measured in docs/dht-design.md: with 5, 2-5 % of the contacts answers
 * name at 1,000 nodes were unreachable and find_node missed some of the true closest.
 */
export const DEFAULT_MAX_ROUTE_LENGTH = 8;

export interface Envelope {
  /** Origin first, destination last. */
  path: NodeId[];
  /** Index in `path` of the node receiving this frame. */
  hop: number;
  /** The carried KRPC message (absent in a notice). */
  message?: Uint8Array;
  /** Notice: the hop a relay could not reach. */
  unreachable?: NodeId;
  /** Notice: the destination of the message that was not delivered. */
  destination?: NodeId;
}

/** A decoded frame: a bare KRPC value (validated later by parseKrpc) or an envelope. */
export type Frame = { kind: 'direct'; value: BValue } | { kind: 'envelope'; envelope: Envelope };

/** What a node does with an envelope that reached it. */
export type RelayDecision =
  /** We are the destination: handle `message` from `origin`; answer along `replyRoute`. */
  | { type: 'deliver'; origin: NodeId; replyRoute: NodeId[]; message: Uint8Array }
  /**
   * A notice for us: `destination` could not be reached because `unreachable` had no link.
   * `path` is the way it came, reporter first and us last (checked against our route).
   */
  | { type: 'notice'; destination: NodeId; unreachable: NodeId; reporter: NodeId; path: NodeId[] }
  /** Pass `data` over the live link to `to` (`bounced` if it is a notice going back). */
  | { type: 'forward'; to: NodeId; data: Uint8Array; bounced: boolean }
  | { type: 'drop'; reason: string };

function invalid(why: string): never {
  throw new TabswarmError(ErrorCode.DhtInvalid, `relay: ${why}`);
}

/** Decodes a frame; throws TabswarmError on oversize, bad bencode or a malformed envelope. */
export function decodeFrame(data: Uint8Array, maxRouteLength = DEFAULT_MAX_ROUTE_LENGTH): Frame {
  if (data.length > MAX_DHT_MESSAGE) {
    throw new TabswarmError(ErrorCode.MessageTooLarge, `DHT frame of ${data.length} bytes`);
  }
  const value = bdecode(data, { maxDepth: 8 });
  if (!isDict(value)) return invalid('frame is not a dictionary');
  const rl = value['rl'];
  if (rl === undefined) return { kind: 'direct', value };
  if (!isDict(rl)) return invalid('"rl" is not a dictionary');
  const p = rl['p'];
  const h = rl['h'];
  if (!isBytes(p) || p.length % ID_BYTES !== 0) return invalid('bad path');
  const count = p.length / ID_BYTES;
  if (count < 2 || count > maxRouteLength + 1) invalid(`path of ${count} ids (max ${maxRouteLength + 1})`);
  if (!isInt(h) || h < 1 || h >= count) return invalid('bad hop index');
  const path: NodeId[] = [];
  for (let i = 0; i < count; i++) path.push(toNodeIdAt(p, i * ID_BYTES));
  // At most a few ids: a nested loop beats building a Set for every frame.
  for (let i = 1; i < count; i++)
    for (let j = 0; j < i; j++) if (path[i] === path[j]) invalid('path visits a node twice');
  const m = rl['m'];
  const u = rl['u'];
  if (isBytes(m) && u === undefined) return { kind: 'envelope', envelope: { path, hop: h, message: m } };
  const d = rl['d'];
  if (m === undefined && isBytes(u) && u.length === ID_BYTES && isBytes(d) && d.length === ID_BYTES) {
    return {
      kind: 'envelope',
      envelope: { path, hop: h, unreachable: toNodeId(u), destination: toNodeId(d) },
    };
  }
  return invalid('envelope needs either "m" or "u" and "d"');
}

/** Encodes an envelope frame. */
export function encodeEnvelope(env: Envelope): Uint8Array {
  const p = new Uint8Array(env.path.length * ID_BYTES);
  env.path.forEach((id, i) => p.set(idBytes(id), i * ID_BYTES));
  const rl: Record<string, Uint8Array | number | undefined> = { p, h: env.hop };
  if (env.message) rl['m'] = env.message;
  if (env.unreachable) rl['u'] = idBytes(env.unreachable);
  if (env.destination) rl['d'] = idBytes(env.destination);
  const out = bencode({ rl });
  if (out.length > MAX_DHT_MESSAGE)
    throw new TabswarmError(ErrorCode.MessageTooLarge, `DHT frame of ${out.length} bytes`);
  return out;
}

/**
 * Wraps `message` for `route` (ids after the origin; route[0] is a live link of the origin).
 * A one-id route needs no envelope: the message goes bare.
 */
export function wrapForRoute(
  origin: NodeId,
  route: readonly NodeId[],
  message: Uint8Array,
): { to: NodeId; data: Uint8Array } {
  const first = route[0];
  if (first === undefined) return invalid('empty route');
  if (route.length === 1) return { to: first, data: message };
  return { to: first, data: encodeEnvelope({ path: [origin, ...route], hop: 1, message }) };
}

/** Decides what `self` does with an envelope that arrived over the link from `from`. */
export function relayStep(
  self: NodeId,
  from: NodeId,
  env: Envelope,
  hasLink: (id: NodeId) => boolean,
): RelayDecision {
  const { path, hop } = env;
  if (path[hop] !== self) return { type: 'drop', reason: 'envelope not addressed to us' };
  if (path[hop - 1] !== from) return { type: 'drop', reason: 'envelope came from the wrong link' };
  const last = hop === path.length - 1;
  if (env.unreachable !== undefined) {
    if (!last) return forward(env, path[hop + 1] as NodeId, hasLink, true);
    return {
      type: 'notice',
      destination: env.destination as NodeId,
      unreachable: env.unreachable,
      reporter: path[0] as NodeId,
      path,
    };
  }
  if (last) {
    const replyRoute = path.slice(0, hop).reverse();
    return { type: 'deliver', origin: path[0] as NodeId, replyRoute, message: env.message as Uint8Array };
  }
  const next = path[hop + 1] as NodeId;
  if (hasLink(next)) return forward(env, next, hasLink, false);
  // Bounce a notice back along the reversed prefix: [self, ..., origin].
  const back = path.slice(0, hop + 1).reverse();
  const notice: Envelope = {
    path: back,
    hop: 1,
    unreachable: next,
    destination: path[path.length - 1] as NodeId,
  };
  return { type: 'forward', to: back[1] as NodeId, data: encodeEnvelope(notice), bounced: true };
}

function forward(
  env: Envelope,
  next: NodeId,
  hasLink: (id: NodeId) => boolean,
  notice: boolean,
): RelayDecision {
  if (!hasLink(next))
    return { type: 'drop', reason: notice ? 'notice cannot go back' : 'no link to next hop' };
  return { type: 'forward', to: next, data: encodeEnvelope({ ...env, hop: env.hop + 1 }), bounced: notice };
}
