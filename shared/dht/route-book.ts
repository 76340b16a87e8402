import type { NodeId } from './node-id.js';
import { preferredRoute } from './relay-preference.js';

/** Routes kept per contact, so a broken one can be replaced at once. */
const ROUTES_PER_CONTACT = 3;

/** The routes to one contact, and whether they were offered or used since the eviction hand last passed. */
interface Entry {
  routes: NodeId[][];
  used: boolean;
  /** The sweep generation in which they were last offered or used. */
  touched: number;
}

/**
 * Source routes to contacts we have no live link to. A route lists the ids after us: route[0] is
 * (was) a live link, the last id is the contact. Routes come from responses (the responder has a
 * live link to the contacts it returns) and from relayed messages (the reversed path). Up to three
 * routes per contact, shortest first (newest first among equals). Bounded, with second-chance
 * eviction: the oldest contact goes first unless its routes were offered or used since the last
 * pass (then it is kept once more). Cheaper than exact LRU: offers come with every message.
 */
export class RouteBook {
  private readonly routes = new Map<NodeId, Entry>();
  private generation = 0;

  constructor(
    readonly maxRouteLength: number,
    readonly capacity = 4096,
    /** When each live link opened: among equally short routes, the longest-linked relay goes first. */
    private readonly linkedSince: (id: NodeId) => number | undefined = () => undefined,
  ) {}

  get size(): number {
    return this.routes.size;
  }

  /** Offers a route to `id`; returns true if it was kept. */
  offer(id: NodeId, route: readonly NodeId[], isLive: (id: NodeId) => boolean): boolean {
    const n = route.length;
    if (n === 0 || n > this.maxRouteLength || route[n - 1] !== id) return false;
    if (!isLive(route[0] as NodeId)) return false;
    // Routes are at most a handful of ids: a nested loop beats building a Set (this runs per message).
    for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) if (route[i] === route[j]) return false;
    const entry = this.routes.get(id);
    if (entry === undefined) {
      this.routes.set(id, { routes: [route.slice()], used: false, touched: this.generation });
      this.evict();
      return true;
    }
    this.touch(entry);
    const prev = entry.routes;
    // The common case: already the best route, and every known route still starts at a live link.
    if (sameRoute(prev[0] as NodeId[], route) && prev.every((r) => isLive(r[0] as NodeId))) return true;
    const known: NodeId[][] = [];
    for (const r of prev) if (isLive(r[0] as NodeId) && !sameRoute(r, route)) known.push(r);
    const worst = known[ROUTES_PER_CONTACT - 1];
    if (worst && worst.length < n) {
      if (known.length === 0) this.routes.delete(id);
      else entry.routes = known;
      return false;
    }
    // Known routes are sorted by length; the new one goes before the first that is not shorter,
    // so among equal lengths the freshest wins.
    let at = 0;
    while (at < known.length && (known[at] as NodeId[]).length < n) at++;
    known.splice(at, 0, route.slice());
    if (known.length > ROUTES_PER_CONTACT) known.length = ROUTES_PER_CONTACT;
    entry.routes = known;
    return true;
  }

  /**
   * Offers the route `via` + `id` (a contact named by the node `via` ends at). Same as offer, but
   * the common outcomes (already the best route; three shorter ones known) build no array: this
   * runs for every contact of every answer.
   */
  offerVia(id: NodeId, via: readonly NodeId[], isLive: (id: NodeId) => boolean): boolean {
    const n = via.length + 1;
    if (n > this.maxRouteLength) return false;
    const entry = this.routes.get(id);
    if (entry !== undefined) {
      const known = entry.routes;
      let allLive = true;
      for (const r of known) if (!isLive(r[0] as NodeId)) allLive = false;
      if (allLive) {
        const best = known[0] as NodeId[];
        if (best.length === n && best[n - 1] === id && via.every((x, i) => best[i] === x)) {
          this.touch(entry);
          return true;
        }
        const worst = known[ROUTES_PER_CONTACT - 1];
        if (worst !== undefined && worst.length < n) {
          this.touch(entry);
          return false;
        }
      }
    }
    return this.offer(id, [...via, id], isLive);
  }

  /**
   * The best usable route to `id` (first hop live): the shortest, through the longest-linked relay
   * among equals (relay-preference.ts); undefined if none. Routes whose first hop died are dropped.
   */
  get(id: NodeId, isLive: (id: NodeId) => boolean): NodeId[] | undefined {
    const entry = this.routes.get(id);
    if (!entry) return undefined;
    this.touch(entry);
    let known = entry.routes;
    if (!known.every((r) => isLive(r[0] as NodeId))) {
      known = known.filter((r) => isLive(r[0] as NodeId));
      if (known.length === 0) {
        this.routes.delete(id);
        return undefined;
      }
      entry.routes = known;
    }
    return known[preferredRoute(known, this.linkedSince)];
  }

  /**
   * Drops the routes to contacts that `keep` does not name (routing-table contacts) and that were
   * neither offered nor used since the sweep before this one: the contacts a lookup or a relayed
   * query brought up are needed while that lookup runs, then only take memory (they were most of
   * the book, and most of a node's memory).
   */
  sweep(keep: (id: NodeId) => boolean): void {
    for (const [id, entry] of this.routes)
      if (entry.touched < this.generation && !keep(id)) this.routes.delete(id);
    this.generation++;
  }

  forget(id: NodeId): void {
    this.routes.delete(id);
  }

  /** Drops every route that uses the hop `from` -> `to`. */
  forgetHop(from: NodeId, to: NodeId): void {
    for (const [id, entry] of this.routes) {
      const known = entry.routes;
      const kept = known.filter((r) => !r.some((x, i) => x === to && i > 0 && r[i - 1] === from));
      if (kept.length === 0) this.routes.delete(id);
      else if (kept.length !== known.length) entry.routes = kept;
    }
  }

  /** Drops every route that starts with `prefix`. */
  forgetPrefix(prefix: readonly NodeId[]): void {
    const n = prefix.length;
    for (const [id, entry] of this.routes) {
      const known = entry.routes;
      const kept = known.filter((r) => r.length < n || !prefix.every((x, i) => r[i] === x));
      if (kept.length === 0) this.routes.delete(id);
      else if (kept.length !== known.length) entry.routes = kept;
    }
  }

  private touch(entry: Entry): void {
    entry.used = true;
    entry.touched = this.generation;
  }

  private evict(): void {
    while (this.routes.size > this.capacity) {
      const [id, entry] = this.routes.entries().next().value as [NodeId, Entry];
      this.routes.delete(id);
      if (!entry.used) return;
      entry.used = false;
      this.routes.set(id, entry); // a second chance, at the back
    }
  }
}

/** Whether two routes are the same ids in the same order. */
export function sameRoute(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
