import { toHex } from '../shared/bytes.js';
import { decodeKrpc, encodeKrpc, parseKrpc } from '../shared/dht/krpc.js';
import type { KrpcMessage, KrpcResponseValues } from '../shared/dht/krpc.js';
import { compareDistance } from '../shared/dht/node-id.js';
import { OriginAuth } from '../shared/dht/origin-proof.js';
import type { DhtSigner } from '../shared/dht/origin-proof.js';
import { decodeFrame, wrapForRoute } from '../shared/dht/relay.js';

/** What a colluder answers instead of its node: a frame to send back over the link it came on. */
export interface CollusionReply {
  to: string;
  data: Uint8Array;
}

/** A token colluders hand out: they accept any, since they store nothing. */
const ANY_TOKEN = new Uint8Array(8);

/**
 * Nodes that work together against lookups (the adversary of the DHT hardening issue): each
 * answers every find_node, get and get_peers with the colluders' own ids closest to the target
 * (all of them know each other), never with a value or a peer, and accepts every announce_peer
 * and put and drops it. They run the ordinary DHT node otherwise (join, links, relaying, ping,
 * signals), so they are as reachable as anyone. They cannot make up ids other nodes would reach
 * (they have no such nodes), nor forge relayed traffic. They answer in their own names, so they
 * sign what goes back through relays as their node would.
 */
export class Colluders {
  private readonly ids: Uint8Array[] = [];
  private readonly members = new Set<string>();

  /** Makes `id` a colluder. */
  add(id: Uint8Array): void {
    this.ids.push(id);
    this.members.add(toHex(id));
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  get size(): number {
    return this.ids.length;
  }

  /**
   * The colluder `self` got `data` over its link from `from`: the reply it sends instead of its
   * node's, or undefined to let the node handle the frame (relaying, pings, signals, answers).
   */
  intercept(
    self: string,
    selfBytes: Uint8Array,
    signer: DhtSigner,
    from: string,
    data: Uint8Array,
  ): CollusionReply | undefined {
    let message: KrpcMessage;
    let route: string[];
    try {
      const frame = decodeFrame(data);
      if (frame.kind === 'direct') {
        message = parseKrpc(frame.value);
        route = [from];
      } else {
        const env = frame.envelope;
        if (env.hop !== env.path.length - 1 || env.message === undefined) return undefined;
        message = decodeKrpc(env.message);
        route = env.path.slice(0, env.hop).reverse();
      }
    } catch {
      return undefined;
    }
    if (message.y !== 'q') return undefined;
    let r: Omit<KrpcResponseValues, 'id'>;
    switch (message.q) {
      case 'find_node':
        r = { nodes: this.closest(message.a.target) };
        break;
      case 'get':
        r = { nodes: this.closest(message.a.target), token: ANY_TOKEN };
        break;
      case 'get_peers':
        r = { nodes: this.closest(message.a.info_hash), token: ANY_TOKEN };
        break;
      case 'announce_peer':
      case 'put':
        r = {}; // "stored"
        break;
      default:
        return undefined;
    }
    const answer: KrpcResponseValues = { id: selfBytes, ...r };
    const proof =
      route.length > 1 ? new OriginAuth(selfBytes, signer).proveAnswer(message.a.id, message.t, answer) : {};
    const reply = encodeKrpc({ y: 'r', t: message.t, r: { ...answer, ...proof } });
    return wrapForRoute(self, route, reply);
  }

  /** The k = 20 colluder ids closest to `target`. */
  private closest(target: Uint8Array): Uint8Array[] {
    const best: Uint8Array[] = [];
    for (const id of this.ids) {
      if (best.length === 20 && compareDistance(target, id, best[19] as Uint8Array) >= 0) continue;
      let i = best.length;
      while (i > 0 && compareDistance(target, id, best[i - 1] as Uint8Array) < 0) i--;
      best.splice(i, 0, id);
      if (best.length > 20) best.pop();
    }
    return best;
  }
}
