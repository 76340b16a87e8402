import { compareDistance, idBytes } from './node-id.js';
import type { NodeId } from './node-id.js';
import type { NodeCore } from './node-core.js';
import { RateWindow } from './rate-window.js';
import type { AddResult } from './routing-table.js';
import type { RpcTable } from './rpc-table.js';
import type { Transport } from './transport.js';

/** Store messages handed to one newcomer at most. */
export const MAX_HANDOFF_MESSAGES = 32;
/**
 * Unverified origins of relayed queries pinged per minute at most, to see whether they answer
 * themselves before they enter the routing table. A forger can name any number of made-up
 * origins; this bounds what they cost us. Without a bound (four in flight at a time) the pings
 * doubled the DHT's messages per joining node in the 1,000-node simulation and found no better
 * neighbours: most contacts enter the table by answering our own lookups anyway.
 */
export const VERIFY_PER_MINUTE = 4;
/** Origins are pinged only if they fall in one of our deepest buckets (the near neighbourhood). */
export const NEAR_BUCKETS = 2;

/**
 * Routing-table upkeep from traffic: a node we heard from is added (a full bucket pings its
 * questionable oldest contact before evicting it, BEP 5), and a newcomer closer to our stored
 * items than we are gets them handed on.
 */
export class ContactUpkeep {
  /** Contacts being pinged before eviction -> the newcomer waiting for their slot. */
  private readonly evictions = new Map<NodeId, NodeId>();
  /** Unverified ids being pinged to see whether they answer themselves. */
  private readonly verifying = new Set<NodeId>();
  /** Verification pings started per minute. */
  private readonly verifyWindow = new RateWindow<'ping'>(VERIFY_PER_MINUTE, 60_000);

  constructor(
    private readonly core: NodeCore,
    private readonly transport: Transport,
    private readonly rpcs: RpcTable,
    private readonly joined: () => boolean,
  ) {}

  /**
   * A relayed query named `id` as its origin, along `route` (reversed). Any relay on the way could
   * have made that up, so `id` is not a contact yet: if we have no way to it we keep this route
   * (to ping it), and if its bucket has room we ping it; its answer (along that route, with a
   * transaction id only it was sent, signed by its key) makes it a contact through `seen`. Until
   * then it gets no place in the table, no link, and is not handed out. With a verifier, an id we
   * already reach keeps its routes: a relay naming it as the origin of a query it made up must not
   * put itself in front of it (it could then drop every query of ours to it until it left our
   * table). A proven origin's route is taken when its proof is checked (a signal: queryContext).
   * Without a verifier any relay could answer in the id's name anyway, so routes are taken as before.
   */
  heard(id: NodeId, route: readonly NodeId[], now: number): void {
    const core = this.core;
    if (id === core.id) return;
    if (!core.origins.checks || this.transport.routeTo(id) === undefined)
      core.routes.offer(id, route, core.isLive);
    if (core.table.has(id) || this.verifying.has(id)) return;
    // Only near us: those are the contacts the near set and the store step need, and the far
    // buckets fill from our own lookups. Pinging every relayed origin doubled the DHT's traffic
    // in the 1,000-node simulation (docs/dht-design.md, "Trust").
    const index = core.table.bucketIndex(id);
    const buckets = core.table.buckets();
    const bucket = buckets[index];
    if (index < buckets.length - NEAR_BUCKETS) return;
    if (bucket && bucket.contacts.length >= core.k && index < buckets.length - 1) return;
    if (!this.verifyWindow.allow('ping', now)) return;
    this.verifying.add(id);
    const sent = this.rpcs.query(id, 'ping', {}, now, () => this.verifying.delete(id));
    if (!sent) this.verifying.delete(id);
  }

  /** `id` answered us, or sent us a message over its own link (along `route`, reversed): it is alive. */
  seen(id: NodeId, route: readonly NodeId[], now: number): void {
    const core = this.core;
    if (id === core.id) return;
    if (route.length > 1) core.routes.offer(id, route, core.isLive);
    const result = core.table.add(id, now);
    if (result.type === 'full') this.onBucketFull(result, now);
    else if (result.type === 'added' && this.joined()) this.handOff(id, now);
  }

  /**
   * A full bucket: a failed contact makes room at once; a live link beats an unconnected
   * contact; otherwise the least-recently-seen contact is pinged if it is questionable
   * (BEP 5), and replaced only if it does not answer.
   */
  private onBucketFull(full: Extract<AddResult, { type: 'full' }>, now: number): void {
    const { table, links } = this.core;
    const bucket = table.buckets()[full.bucket];
    if (!bucket) return;
    const candidate = full.candidate;
    const failed = bucket.contacts.find((c) => c.failures > 0 && !links.isLive(c.id));
    if (failed) return this.replaceContact(failed.id, candidate, now);
    if (links.isLive(candidate)) {
      const unlinked = bucket.contacts.find((c) => !links.isLive(c.id));
      if (unlinked) this.replaceContact(unlinked.id, candidate, now);
      return;
    }
    const oldest = full.oldest;
    if (links.isLive(oldest.id) || now - oldest.lastSeen < this.core.settings.questionableAfterMs) return;
    for (const pinged of this.evictions.keys()) if (table.bucketIndex(pinged) === full.bucket) return;
    this.evictions.set(oldest.id, candidate);
    const sent = this.rpcs.query(oldest.id, 'ping', {}, now, (res, at) => {
      this.evictions.delete(oldest.id);
      if (!res.ok && !table.has(candidate)) this.replaceContact(oldest.id, candidate, at);
    });
    if (!sent) {
      this.evictions.delete(oldest.id);
      this.replaceContact(oldest.id, candidate, now);
    }
  }

  private replaceContact(oldId: NodeId, newId: NodeId, now: number): void {
    const result = this.core.table.replace(oldId, newId, now);
    if (result.type === 'added' && this.joined()) this.handOff(newId, now);
  }

  /**
   * Hands stored values to a new contact that is closer to their key than we are, when at most one
   * other known contact is closer than us (so a couple of holders, not all k, do it; Kademlia
   * section 2.5 lets only the closest do it, which misses when that one did not get the item).
   * Each put needs a token for its key (a `get`). Announcements are not handed on: a stored peer is
   * always the node that announced itself, so the newcomer gets them at the next re-announce.
   */
  private handOff(newId: NodeId, now: number): void {
    if (!this.transport.routeTo(newId)) return;
    const { table, store, own } = this.core;
    const newBytes = idBytes(newId);
    const ours = (key: NodeId): boolean => {
      const k = idBytes(key);
      if (compareDistance(k, newBytes, own) >= 0) return false;
      const second = table.closest(k, 3).filter((c) => c.id !== newId)[1];
      return !second || compareDistance(k, own, second.bytes) < 0;
    };
    // Two messages per value (get for the token, then put).
    const values = store
      .valueKeys()
      .filter(ours)
      .slice(0, MAX_HANDOFF_MESSAGES / 2);
    for (const key of values) {
      this.rpcs.query(newId, 'get', { target: idBytes(key) }, now, (res, at) => {
        const v = store.getValue(key, at);
        if (!res.ok || !res.r.token || !v || res.r.v) return;
        // Handed on in our own name (the value counts against our share there), so we prove it.
        const proof = this.core.origins.proveStore('put', newBytes, idBytes(key), res.r.token);
        this.rpcs.query(newId, 'put', { v, token: res.r.token, ...proof }, at, () => undefined);
      });
    }
  }
}
