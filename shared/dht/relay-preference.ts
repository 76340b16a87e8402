import type { NodeId } from './node-id.js';

/**
 * Which relay to go through. Of the known routes to a contact (shortest first), the shortest
 * ones are equally good on length; among them the one whose first hop, the relay, has been linked
 * longest goes first. Peers that have been up long tend to stay up (super-peers, tabs left open),
 * so a route through one outlives a route through a tab that just came: Kademlia keeps its oldest
 * contacts for the same reason. `linkedSince` gives when each live link opened.
 */
export function preferredRoute(
  routes: readonly (readonly NodeId[])[],
  linkedSince: (id: NodeId) => number | undefined,
): number {
  const first = routes[0];
  if (first === undefined) return -1;
  let best = 0;
  let bestSince = linkedSince(first[0] as NodeId) ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < routes.length; i++) {
    const route = routes[i] as readonly NodeId[];
    if (route.length !== first.length) break; // sorted by length: the rest are longer
    const since = linkedSince(route[0] as NodeId) ?? Number.POSITIVE_INFINITY;
    if (since < bestSince) {
      best = i;
      bestSince = since;
    }
  }
  return best;
}
