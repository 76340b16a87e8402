import type { KrpcQuery } from '../krpc.js';
import { handleAnnouncePeer } from './announce-peer.js';
import type { HandlerContext, HandlerResult, QueryHandler } from './context.js';
import { handleFindNode } from './find-node.js';
import { handleGetPeers } from './get-peers.js';
import { handleGet } from './get.js';
import { handleKwGet } from './kw-get.js';
import { handleKwPut } from './kw-put.js';
import { handlePing } from './ping.js';
import { handlePut } from './put.js';
import { handleSignal } from './signal.js';
import { handleUnknown } from './unknown.js';

export type { HandlerContext, HandlerResult, QueryHandler } from './context.js';

/** The dispatch table: one handler per query method. */
export const queryHandlers: { [N in KrpcQuery['q']]: QueryHandler<N> } = {
  ping: handlePing,
  find_node: handleFindNode,
  get_peers: handleGetPeers,
  announce_peer: handleAnnouncePeer,
  put: handlePut,
  get: handleGet,
  signal: handleSignal,
  kw_get: handleKwGet,
  kw_put: handleKwPut,
  unknown: handleUnknown,
};

/** Runs the handler for `query`. */
export function dispatchQuery(query: KrpcQuery, ctx: HandlerContext): HandlerResult {
  const handler = queryHandlers[query.q] as QueryHandler<KrpcQuery['q']>;
  return handler(query as never, ctx);
}
