import { dispatchQuery } from './handlers/index.js';
import { KrpcErrorCode } from './krpc.js';
import type { KrpcMessage, KrpcQuery, KrpcResponseValues } from './krpc.js';
import { emit, heardOfSuperPeer } from './node-core.js';
import { idBytes, toNodeId } from './node-id.js';
import type { NodeId } from './node-id.js';
import { queryContext } from './query-context.js';
import type { QueryServices } from './query-context.js';

/** Why a relayed query was not handled: the signing budget of this second is spent. */
export const SIGNING_BUSY = 'busy: too many queries through relays to sign answers for';

/**
 * Our answer to `query` from `asker`, which came along `replyRoute` (reversed; one id: over the
 * asker's own link). An answer that goes back through relays carries our key and signature over
 * (us, the asker, its transaction id, a digest of the body) (OriginAuth.proveAnswer): a relay on
 * the way could otherwise answer in our name. One that goes back over the asker's link needs
 * none: the link's peer is authenticated, so the asker checks nothing, and we sign nothing.
 * Errors are not signed (a forged error is worth no more than a dropped answer). Signing costs
 * CPU that a link could make us spend with made-up relayed queries, so past
 * maxSignedAnswersPerSecond a relayed query is not handled: it gets error 202.
 */
export function answerQuery(
  services: QueryServices,
  query: KrpcQuery,
  asker: NodeId,
  replyRoute: readonly NodeId[],
  now: number,
): KrpcMessage {
  const core = services.core;
  const relayed = replyRoute.length > 1;
  if (relayed && core.origins.signs && !services.signedAnswers.allow('answer', now)) {
    core.counters.dropped++;
    emit(core, { type: 'message-dropped', from: asker, reason: SIGNING_BUSY });
    return { y: 'e', t: query.t, e: [KrpcErrorCode.Server, SIGNING_BUSY] };
  }
  if (query.a.sp === 1) heardOfSuperPeer(core, asker, !relayed, now);
  const result = dispatchQuery(query, queryContext(services, asker, replyRoute, now));
  if (!('r' in result)) return { y: 'e', t: query.t, e: result.e };
  const r: KrpcResponseValues = { id: core.own, ...result.r };
  const sn = superPeersOf(core, r.nodes);
  if (sn.length > 0) r.sn = sn;
  if (!relayed) return { y: 'r', t: query.t, r };
  return { y: 'r', t: query.t, r: { ...r, ...core.origins.proveAnswer(idBytes(asker), query.t, r) } };
}

/** Super-peers to name in an answer: ourselves if we are one, and those among `nodes` linked to us. */
function superPeersOf(core: QueryServices['core'], nodes: readonly Uint8Array[] = []): Uint8Array[] {
  const out = core.superPeer ? [core.own] : [];
  for (const node of nodes) if (core.links.isSuperPeerLink(toNodeId(node))) out.push(node);
  return out;
}
