import { dispatchQuery } from './handlers/index.js';
import type { KrpcMessage, KrpcQuery, KrpcResponseValues } from './krpc.js';
import { idBytes } from './node-id.js';
import type { NodeId } from './node-id.js';
import { queryContext } from './query-context.js';
import type { QueryServices } from './query-context.js';

/**
 * Our answer to `query` from `asker`, which came along `replyRoute` (reversed; one id: over the
 * asker's own link). An answer that goes back through relays carries our key and signature over
 * (us, the asker, its transaction id, a digest of the body) (OriginAuth.proveAnswer): a relay on
 * the way could otherwise answer in our name. One that goes back over the asker's link needs
 * none: the link's peer is authenticated, so the asker checks nothing, and we sign nothing.
 * Errors are not signed (a forged error is worth no more than a dropped answer).
 */
export function answerQuery(
  services: QueryServices,
  query: KrpcQuery,
  asker: NodeId,
  replyRoute: readonly NodeId[],
  now: number,
): KrpcMessage {
  const result = dispatchQuery(query, queryContext(services, asker, replyRoute, now));
  if (!('r' in result)) return { y: 'e', t: query.t, e: result.e };
  const r: KrpcResponseValues = { id: services.core.own, ...result.r };
  if (replyRoute.length === 1) return { y: 'r', t: query.t, r };
  return {
    y: 'r',
    t: query.t,
    r: { ...r, ...services.core.origins.proveAnswer(idBytes(asker), query.t, r) },
  };
}
