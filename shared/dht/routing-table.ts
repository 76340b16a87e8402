import { compareBytes } from '../bytes.js';
import { commonPrefixLength, ID_BITS, idBytes, toNodeId, xorDistance } from './node-id.js';
import type { IdLike, NodeId } from './node-id.js';

/** A routing-table entry. The table only knows ids and liveness; routes live in the RouteBook. */
export interface Contact {
  readonly id: NodeId;
  readonly bytes: Uint8Array;
  /** When it last sent us a message or answered one of ours. */
  lastSeen: number;
  /** Queries that failed since it was last seen. */
  failures: number;
  /** When it entered the table. */
  readonly addedAt: number;
}

/** One k-bucket: contacts ordered least-recently-seen first, most-recently-seen at the tail. */
export interface Bucket {
  /**
   * Contacts in bucket `index` share exactly `index` leading bits with the own id, except the last
   * bucket, which holds every contact sharing `index` or more.
   */
  readonly index: number;
  readonly contacts: readonly Contact[];
  /** Last time a contact in it was seen or a lookup targeted its range (for hourly refresh). */
  lastChanged: number;
}

/** What `add` did. `full` is a decision for the caller: ping `oldest`, keep it if it answers, else `replace`. */
export type AddResult =
  | { type: 'added'; contact: Contact }
  | { type: 'updated'; contact: Contact }
  | { type: 'full'; bucket: number; oldest: Contact; candidate: NodeId }
  | { type: 'self' };

interface MutableBucket extends Bucket {
  contacts: Contact[];
}

/**
 * Kademlia routing table (BEP 5 flavour): k-buckets indexed by the length of the prefix shared with
 * the own id; the last bucket covers the own id and splits when full. A pure data structure: it
 * never pings, it returns decisions.
 */
export class RoutingTable {
  readonly own: Uint8Array;
  readonly ownId: NodeId;
  readonly k: number;
  private readonly table: MutableBucket[];
  private readonly byId = new Map<NodeId, Contact>();

  constructor(own: IdLike, k = 20, now = 0) {
    this.own = idBytes(own);
    this.ownId = toNodeId(own);
    this.k = k;
    this.table = [{ index: 0, contacts: [], lastChanged: now }];
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: IdLike): Contact | undefined {
    return this.byId.get(typeof id === 'string' ? id.toLowerCase() : toNodeId(id));
  }

  has(id: IdLike): boolean {
    return this.get(id) !== undefined;
  }

  /** All contacts, bucket by bucket. */
  all(): Contact[] {
    return this.table.flatMap((b) => b.contacts);
  }

  buckets(): readonly Bucket[] {
    return this.table;
  }

  /** Index of the bucket that holds (or would hold) `id`. */
  bucketIndex(id: IdLike): number {
    const cpl = commonPrefixLength(this.own, idBytes(id));
    return Math.min(cpl, this.table.length - 1);
  }

  /**
   * Records that `id` was seen at `now`: moves a known contact to the tail, inserts a new one if its
   * bucket has room (splitting the own bucket as needed), or reports the bucket full.
   */
  add(id: IdLike, now: number): AddResult {
    const key = toNodeId(id);
    if (key === this.ownId) return { type: 'self' };
    const bytes = idBytes(key);
    const known = this.byId.get(key);
    if (known) {
      const bucket = this.table[this.bucketIndex(bytes)] as MutableBucket;
      const at = bucket.contacts.indexOf(known);
      if (at >= 0) bucket.contacts.splice(at, 1);
      bucket.contacts.push(known);
      known.lastSeen = Math.max(known.lastSeen, now);
      known.failures = 0;
      bucket.lastChanged = Math.max(bucket.lastChanged, now);
      return { type: 'updated', contact: known };
    }
    for (;;) {
      const index = this.bucketIndex(bytes);
      const bucket = this.table[index] as MutableBucket;
      if (bucket.contacts.length < this.k) {
        const contact: Contact = { id: key, bytes, lastSeen: now, failures: 0, addedAt: now };
        bucket.contacts.push(contact);
        bucket.lastChanged = Math.max(bucket.lastChanged, now);
        this.byId.set(key, contact);
        return { type: 'added', contact };
      }
      const isLast = index === this.table.length - 1;
      if (!isLast || this.table.length >= ID_BITS) {
        return { type: 'full', bucket: index, oldest: bucket.contacts[0] as Contact, candidate: key };
      }
      this.split(now);
    }
  }

  /** Removes `oldId` and adds `newId` in its place (the outcome of a failed ping). */
  replace(oldId: IdLike, newId: IdLike, now: number): AddResult {
    this.remove(oldId);
    return this.add(newId, now);
  }

  remove(id: IdLike): boolean {
    const contact = this.get(id);
    if (!contact) return false;
    const bucket = this.table[this.bucketIndex(contact.bytes)] as MutableBucket;
    const at = bucket.contacts.indexOf(contact);
    if (at >= 0) bucket.contacts.splice(at, 1);
    this.byId.delete(contact.id);
    return true;
  }

  /** Counts a failed query; returns the new failure count (0 if unknown). */
  markFailed(id: IdLike): number {
    const contact = this.get(id);
    if (!contact) return 0;
    contact.failures++;
    return contact.failures;
  }

  /** Marks the bucket covering `id` as recently used (a lookup went there). */
  touchBucketOf(id: IdLike, now: number): void {
    const bucket = this.table[this.bucketIndex(id)] as MutableBucket;
    bucket.lastChanged = Math.max(bucket.lastChanged, now);
  }

  /**
   * The `count` contacts closest to `target` by XOR distance, closest first, optionally filtered.
   * Visits buckets in distance order so it rarely sorts more than a few buckets.
   */
  closest(target: IdLike, count = this.k, filter?: (c: Contact) => boolean): Contact[] {
    const t = idBytes(target);
    const last = this.table.length - 1;
    const cpl = Math.min(commonPrefixLength(this.own, t), last);
    // Groups in increasing distance: the target's bucket, then all deeper buckets (their distance
    // has its top bit at `cpl`), then shallower buckets from the deepest to bucket 0.
    const groups: number[][] = [[cpl], []];
    for (let i = cpl + 1; i <= last; i++) (groups[1] as number[]).push(i);
    for (let i = cpl - 1; i >= 0; i--) groups.push([i]);
    const out: Contact[] = [];
    for (const group of groups) {
      if (out.length >= count) break;
      const items: { c: Contact; d: Uint8Array }[] = [];
      for (const index of group) {
        for (const c of (this.table[index] as Bucket).contacts) {
          if (!filter || filter(c)) items.push({ c, d: xorDistance(c.bytes, t) });
        }
      }
      items.sort((a, b) => compareBytes(a.d, b.d));
      for (const item of items) {
        if (out.length >= count) break;
        out.push(item.c);
      }
    }
    return out;
  }

  private split(now: number): void {
    const last = this.table[this.table.length - 1] as MutableBucket;
    const depth = last.index;
    const stay: Contact[] = [];
    const move: Contact[] = [];
    for (const c of last.contacts) (commonPrefixLength(this.own, c.bytes) > depth ? move : stay).push(c);
    last.contacts = stay;
    this.table.push({ index: depth + 1, contacts: move, lastChanged: now });
  }
}
