import { dispatchQuery } from './handlers/index.js';
import { KrpcErrorCode } from './krpc.js';
import type { KrpcMessage, KrpcQuery, KrpcResponseValues } from './krpc.js';
import { emit } from './node-core.js';
import { idBytes } from './node-id.js';
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
  const result = dispatchQuery(query, queryContext(services, asker, replyRoute, now));
  if (!('r' in result)) return { y: 'e', t: query.t, e: result.e };
  const r: KrpcResponseValues = { id: core.own, ...result.r };
  if (!relayed) return { y: 'r', t: query.t, r };
  return { y: 'r', t: query.t, r: { ...r, ...core.origins.proveAnswer(idBytes(asker), query.t, r) } };
}
