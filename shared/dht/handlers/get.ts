import { toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/** get (BEP 44 immutable): the value if we hold it, a token for a later put, closer contacts. */
export const handleGet: QueryHandler<'get'> = (query, ctx) => {
  const v = ctx.store.getValue(toNodeId(query.a.target), ctx.now);
  return {
    r: {
      token: ctx.tokens.issue(ctx.asker, query.a.target, ctx.now),
      nodes: ctx.closestNodes(query.a.target),
      v,
    },
  };
};
