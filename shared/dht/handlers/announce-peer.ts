import { KrpcErrorCode } from '../krpc.js';
import { toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/**
 * announce_peer: refused without a token we issued to the asker for this info-hash. The stored
 * peer is always the asker (the message's origin). A `peer` field (which older nodes sent to
 * hand an announcement on) is still parsed, and accepted only if it names the asker itself: a
 * node must not be able to store someone else as a peer (tokens would then prove nothing).
 * A node with a verifier also wants the asker's proof that it is the asker (a relay can name any
 * origin, and get a token in its name): see OriginAuth.
 */
export const handleAnnouncePeer: QueryHandler<'announce_peer'> = (query, ctx) => {
  const infoHash = toNodeId(query.a.info_hash);
  if (!ctx.tokens.verify(ctx.asker, infoHash, query.a.token, ctx.now)) {
    return { e: [KrpcErrorCode.Protocol, 'bad token'] };
  }
  if (query.a.peer && toNodeId(query.a.peer) !== ctx.asker) {
    return { e: [KrpcErrorCode.Protocol, 'peer must be the asker'] };
  }
  // After the token (cheap): a signature is checked only for a store that would otherwise be taken.
  const problem = ctx.storeProblem('announce_peer', query.a.info_hash, query.a.token, query.a);
  if (problem !== undefined) {
    ctx.refused('store', problem);
    return { e: [KrpcErrorCode.Protocol, problem] };
  }
  if (!ctx.store.addPeer(infoHash, ctx.asker, ctx.now)) return { e: [KrpcErrorCode.Server, 'store full'] };
  return { r: {} };
};
