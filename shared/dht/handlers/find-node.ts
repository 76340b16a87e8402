import type { QueryHandler } from './context.js';

/** find_node: the contacts we can relay to that are closest to the target. */
export const handleFindNode: QueryHandler<'find_node'> = (query, ctx) => ({
  r: { nodes: ctx.closestNodes(query.a.target) },
});
