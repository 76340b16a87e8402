import { concatBytes, toHex, utf8 } from '../shared/bytes.js';
import { decodeKrpc, encodeKrpc } from '../shared/dht/krpc.js';
import type { KrpcResponseValues } from '../shared/dht/krpc.js';
import { idBytes } from '../shared/dht/node-id.js';
import { decodeFrame, encodeEnvelope } from '../shared/dht/relay.js';
import { sha1 } from '../shared/sha1.js';
import type { CollusionReply } from './dht-colluders.js';

/** Made-up ids a forging relay puts in each answer it forges. */
export const FORGED_IDS_PER_ANSWER = 8;
/**
 * Leading bytes a made-up id shares with the target: 64 bits, far closer than any real node of a
 * simulated network (about log2 N bits), so a lookup that believes them ends among them.
 */
const FORGED_PREFIX_BYTES = 8;
/** A token forging relays hand out (they never see the stores that would use it). */
const ANY_TOKEN = new Uint8Array(8);

/**
 * Relays that forge answers (the adversary of the relay-forgery scenario): a node of this kind runs
 * the ordinary DHT node, but when a find_node, get or get_peers passes through it on its way to
 * someone else, it does not forward it: it answers in the destination's name, along the way back,
 * with made-up ids next to the target. The asker learns routes to those ids through the same
 * destination (so through this relay again), and every later query to them meets the relay too:
 * unless answers that came through relays must prove their responder, the lookup ends among ids
 * nobody holds. The forged answer carries no proof: the relay holds no key of the destination's.
 */
export class ForgingRelays {
  private readonly members = new Set<string>();
  /** Answers forged so far. */
  forged = 0;

  add(id: Uint8Array): void {
    this.members.add(toHex(id));
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  get size(): number {
    return this.members.size;
  }

  /**
   * The relay `self` got `data` over its link from `from`: the forged answer it sends back instead
   * of forwarding, or undefined to let its node handle the frame.
   */
  intercept(self: string, from: string, data: Uint8Array): CollusionReply | undefined {
    try {
      const frame = decodeFrame(data);
      if (frame.kind !== 'envelope') return undefined;
      const { path, hop, message } = frame.envelope;
      const last = path.length - 1;
      if (message === undefined || hop >= last || path[hop] !== self || path[hop - 1] !== from)
        return undefined;
      const query = decodeKrpc(message);
      if (query.y !== 'q') return undefined;
      let target: Uint8Array;
      if (query.q === 'find_node' || query.q === 'get') target = query.a.target;
      else if (query.q === 'get_peers') target = query.a.info_hash;
      else return undefined;
      const destination = path[last] as string;
      const r: KrpcResponseValues = { id: idBytes(destination), nodes: this.madeUp(self, target) };
      if (query.q !== 'find_node') r.token = ANY_TOKEN;
      // The way back as the destination would send it: [destination, ..., us, ..., origin].
      const back = path.slice().reverse();
      const reply = encodeKrpc({ y: 'r', t: query.t, r });
      this.forged++;
      return { to: from, data: encodeEnvelope({ path: back, hop: last - hop + 1, message: reply }) };
    } catch {
      return undefined;
    }
  }

  /** Ids next to `target` that nobody holds (the same ones from the same relay each time). */
  private madeUp(self: string, target: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < FORGED_IDS_PER_ANSWER; i++) {
      const tail = sha1(concatBytes([utf8(`${self}/${i}`), target]));
      out.push(concatBytes([target.subarray(0, FORGED_PREFIX_BYTES), tail.subarray(FORGED_PREFIX_BYTES)]));
    }
    return out;
  }
}
