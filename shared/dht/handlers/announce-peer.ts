import { KrpcErrorCode } from '../krpc.js';
import { toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/**
 * announce_peer: refused without a token we issued to the asker. The stored peer is the asker,
 * or `peer` when a node hands an announcement on to a closer newcomer.
 */
export const handleAnnouncePeer: QueryHandler<'announce_peer'> = (query, ctx) => {
  if (!ctx.tokens.verify(ctx.asker, query.a.token, ctx.now)) {
    return { e: [KrpcErrorCode.Protocol, 'bad token'] };
  }
  const infoHash = toNodeId(query.a.info_hash);
  const peer = query.a.peer ? toNodeId(query.a.peer) : ctx.asker;
  if (!ctx.store.addPeer(infoHash, peer, ctx.now)) return { e: [KrpcErrorCode.Server, 'store full'] };
  return { r: {} };
};
