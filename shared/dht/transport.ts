import { compareDistance, idBytes } from './node-id.js';
import type { NodeId } from './node-id.js';
import type { NodeCore } from './node-core.js';
import { wrapForRoute } from './relay.js';

/**
 * How a message reaches a node: over its live link, or along a source route that starts at one
 * (relay.ts). Learns routes from the responses that came along them.
 */
export class Transport {
  constructor(private readonly core: NodeCore) {}

  /** The route to `id`: [id] over a live link, else a learned source route, else undefined. */
  routeTo(id: NodeId): NodeId[] | undefined {
    if (this.core.links.isLive(id)) return [id];
    return this.core.routes.get(id, this.core.isLive);
  }

  /** Remembers how to reach `id`, learned from a response that came along `via`. */
  learnRoute(id: NodeId, via: readonly NodeId[]): void {
    const core = this.core;
    if (id === core.id || core.links.isLive(id)) return;
    const at = via.indexOf(id);
    if (at >= 0) return void core.routes.offer(id, via.slice(0, at + 1), core.isLive);
    // A route at the length bound cannot take one more hop: try a shortcut first.
    const prefix = via.length >= core.settings.maxRouteLength ? this.shortcut(via) : via;
    if (!prefix.includes(id)) core.routes.offerVia(id, prefix, core.isLive);
  }

  /**
   * `route` with its head replaced by a shorter route we know now to one of its relays, if any
   * (relays keep no state, so any way to a relay works). Lookups learn their contacts one hop
   * deeper each round; a relay of an early round is often named again later, closer.
   */
  private shortcut(route: readonly NodeId[]): readonly NodeId[] {
    let best = route;
    for (let i = route.length - 2; i >= 1; i--) {
      const head = this.routeTo(route[i] as NodeId);
      if (!head || head.length + route.length - i - 1 >= best.length) continue;
      const tail = route.slice(i + 1);
      if (head.some((x) => tail.includes(x))) continue;
      best = [...head, ...tail];
    }
    return best;
  }

  /** Sends `message` along `route` (wrapped in an envelope unless it is one hop). */
  sendAlong(route: readonly NodeId[], message: Uint8Array): void {
    const first = route[0];
    if (first === undefined || !this.core.links.isLive(first)) return;
    const { to, data } = wrapForRoute(this.core.id, route, message);
    this.send(to, data);
  }

  /** Queues a frame for the live link `to`. */
  send(to: NodeId, data: Uint8Array): void {
    this.core.counters.framesOut++;
    this.core.out.push({ type: 'send', to, data });
  }

  /** Our live links closest to `target` (not `except`): contacts the asker can reach through us in one hop. */
  closestLinks(target: Uint8Array, except?: NodeId): Uint8Array[] {
    return this.core.links
      .liveIds()
      .filter((id) => id !== except)
      .map((id) => idBytes(id))
      .sort((a, b) => compareDistance(target, a, b))
      .slice(0, this.core.k);
  }
}
