import type { NodeId } from './node-id.js';

/** Routes kept per contact, so a broken one can be replaced at once. */
const ROUTES_PER_CONTACT = 3;

/**
 * Source routes to contacts we have no live link to. A route lists the ids after us: route[0] is
 * (was) a live link, the last id is the contact. Routes come from responses (the responder has a
 * live link to the contacts it returns) and from relayed messages (the reversed path). Up to three
 * routes per contact, shortest first (newest first among equals). Bounded: the contacts whose
 * routes were updated least recently are evicted first.
 */
export class RouteBook {
  private readonly routes = new Map<NodeId, NodeId[][]>();

  constructor(
    readonly maxRouteLength: number,
    readonly capacity = 4096,
  ) {}

  get size(): number {
    return this.routes.size;
  }

  /** Offers a route to `id`; returns true if it was kept. */
  offer(id: NodeId, route: readonly NodeId[], isLive: (id: NodeId) => boolean): boolean {
    if (route.length === 0 || route.length > this.maxRouteLength || route[route.length - 1] !== id)
      return false;
    if (!isLive(route[0] as NodeId)) return false;
    if (new Set(route).size !== route.length) return false;
    const known = (this.routes.get(id) ?? []).filter((r) => isLive(r[0] as NodeId) && !sameRoute(r, route));
    const worst = known[ROUTES_PER_CONTACT - 1];
    if (worst && worst.length < route.length) return false;
    // Stable sort with the new route in front: among equal lengths the freshest wins.
    const next = [[...route], ...known].sort((a, b) => a.length - b.length);
    this.routes.delete(id);
    this.routes.set(id, next.slice(0, ROUTES_PER_CONTACT));
    if (this.routes.size > this.capacity) {
      const oldest = this.routes.keys().next().value;
      if (oldest !== undefined) this.routes.delete(oldest);
    }
    return true;
  }

  /** The best usable route to `id` (first hop live), or undefined. Routes whose first hop died are dropped. */
  get(id: NodeId, isLive: (id: NodeId) => boolean): NodeId[] | undefined {
    const known = this.routes.get(id);
    if (!known) return undefined;
    const usable = known.filter((r) => isLive(r[0] as NodeId));
    if (usable.length === 0) this.routes.delete(id);
    else if (usable.length !== known.length) this.routes.set(id, usable);
    return usable[0];
  }

  forget(id: NodeId): void {
    this.routes.delete(id);
  }

  /** Drops every route that uses the hop `from` -> `to`. */
  forgetHop(from: NodeId, to: NodeId): void {
    for (const [id, known] of this.routes) {
      const kept = known.filter((r) => !r.some((x, i) => x === to && i > 0 && r[i - 1] === from));
      if (kept.length === 0) this.routes.delete(id);
      else if (kept.length !== known.length) this.routes.set(id, kept);
    }
  }
}

function sameRoute(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
