import { fromHex } from '../../bytes.js';
import { toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/** get_peers: a token for a later announce, peers if we have some, and closer contacts always. */
export const handleGetPeers: QueryHandler<'get_peers'> = (query, ctx) => {
  const peers = ctx.store.getPeers(toNodeId(query.a.info_hash), ctx.now, 50, ctx.random);
  return {
    r: {
      token: ctx.tokens.issue(ctx.asker, query.a.info_hash, ctx.now),
      nodes: ctx.closestNodes(query.a.info_hash),
      values: peers.length > 0 ? peers.map((p) => fromHex(p) as Uint8Array) : undefined,
    },
  };
};
