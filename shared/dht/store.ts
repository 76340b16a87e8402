import type { Random } from '../random.js';
import { shuffle } from '../random.js';
import type { NodeId } from './node-id.js';

export interface StoreOptions {
  /** Lifetime of a stored immutable value unless stored again (default 24 h). */
  valueTtlMs?: number;
  /** Lifetime of an announcement unless announced again (default 30 min). */
  announceTtlMs?: number;
  /** Caps so a peer cannot exhaust a tab's memory. */
  maxValues?: number;
  maxInfoHashes?: number;
  maxPeersPerInfoHash?: number;
  /**
   * Info-hashes one asker (origin id) may be announced under at this node, and values it may have
   * put (default {@link MAX_ITEMS_PER_ASKER} each), so one token holder cannot fill the store.
   */
  maxInfoHashesPerAsker?: number;
  maxValuesPerAsker?: number;
}

/**
 * Default share of the store per asker: 16 info-hashes and 16 values. A tab announces the
 * torrents it shares and puts a few values, far below this; an attacker needs 125 distinct
 * origin ids to fill the default 2,000 slots instead of one.
 */
export const MAX_ITEMS_PER_ASKER = 16;

interface StoredValue {
  value: Uint8Array;
  expiresAt: number;
}

/**
 * What other nodes stored at this node: immutable values (key -> value) and announcements
 * (info-hash -> announcing node ids), each with an expiry that a new store pushes back. Pure;
 * expiry happens when `expire(now)` is called.
 */
export class DhtStore {
  readonly valueTtlMs: number;
  readonly announceTtlMs: number;
  private readonly maxValues: number;
  private readonly maxInfoHashes: number;
  private readonly maxPeersPerInfoHash: number;
  private readonly maxInfoHashesPerAsker: number;
  private readonly maxValuesPerAsker: number;
  private readonly values = new Map<NodeId, StoredValue>();
  private readonly peers = new Map<NodeId, Map<NodeId, number>>();
  /** Per asker: the value keys it put, with when its put expires. */
  private readonly valuesBy = new Map<NodeId, Map<NodeId, number>>();
  /** Per announcing peer: the info-hashes it is stored under. */
  private readonly announcedBy = new Map<NodeId, number>();

  constructor(options: StoreOptions = {}) {
    this.valueTtlMs = options.valueTtlMs ?? 24 * 3_600_000;
    this.announceTtlMs = options.announceTtlMs ?? 30 * 60_000;
    this.maxValues = options.maxValues ?? 2000;
    this.maxInfoHashes = options.maxInfoHashes ?? 2000;
    this.maxPeersPerInfoHash = options.maxPeersPerInfoHash ?? 200;
    this.maxInfoHashesPerAsker = options.maxInfoHashesPerAsker ?? MAX_ITEMS_PER_ASKER;
    this.maxValuesPerAsker = options.maxValuesPerAsker ?? MAX_ITEMS_PER_ASKER;
  }

  /**
   * Stores (or refreshes) a value put by `asker`; false if the store is full or the asker has put
   * its share of values here already. The caller verified key = SHA-1. Without `asker` (a local
   * store) only the node cap applies.
   */
  putValue(key: NodeId, value: Uint8Array, now: number, asker?: NodeId): boolean {
    const known = this.values.get(key);
    if (!known && this.values.size >= this.maxValues) return false;
    if (asker !== undefined) {
      let mine = this.valuesBy.get(asker);
      if (!mine?.has(key) && (mine?.size ?? 0) >= this.maxValuesPerAsker) return false;
      if (mine === undefined) this.valuesBy.set(asker, (mine = new Map()));
      mine.set(key, now + this.valueTtlMs);
    }
    this.values.set(key, { value: known?.value ?? value.slice(), expiresAt: now + this.valueTtlMs });
    return true;
  }

  getValue(key: NodeId, now: number): Uint8Array | undefined {
    const v = this.values.get(key);
    return v && v.expiresAt > now ? v.value : undefined;
  }

  /**
   * Records that `peer` (the asker itself) announced `infoHash`; false if a cap was hit: the
   * node's, the info-hash's, or the peer's share of info-hashes.
   */
  addPeer(infoHash: NodeId, peer: NodeId, now: number): boolean {
    let set = this.peers.get(infoHash);
    if (!set?.has(peer) && (this.announcedBy.get(peer) ?? 0) >= this.maxInfoHashesPerAsker) return false;
    if (!set) {
      if (this.peers.size >= this.maxInfoHashes) return false;
      set = new Map();
      this.peers.set(infoHash, set);
    }
    if (!set.has(peer)) {
      if (set.size >= this.maxPeersPerInfoHash) return false;
      this.announcedBy.set(peer, (this.announcedBy.get(peer) ?? 0) + 1);
    }
    set.delete(peer); // re-insert so iteration order is oldest announcement first
    set.set(peer, now + this.announceTtlMs);
    return true;
  }

  /** Up to `max` live peers of `infoHash`, a random sample if there are more. */
  getPeers(infoHash: NodeId, now: number, max = 50, random?: Random): NodeId[] {
    const set = this.peers.get(infoHash);
    if (!set) return [];
    const live = [...set].filter(([, exp]) => exp > now).map(([p]) => p);
    if (live.length <= max) return live;
    return random ? shuffle(live, random).slice(0, max) : live.slice(-max);
  }

  /** Drops everything expired at `now`; returns how many entries went. */
  expire(now: number): number {
    let removed = 0;
    for (const [key, v] of this.values) {
      if (v.expiresAt <= now) {
        this.values.delete(key);
        removed++;
      }
    }
    for (const [infoHash, set] of this.peers) {
      for (const [peer, exp] of set) {
        if (exp <= now) {
          set.delete(peer);
          this.uncount(peer);
          removed++;
        }
      }
      if (set.size === 0) this.peers.delete(infoHash);
    }
    for (const [asker, mine] of this.valuesBy) {
      for (const [key, exp] of mine) if (exp <= now) mine.delete(key);
      if (mine.size === 0) this.valuesBy.delete(asker);
    }
    return removed;
  }

  private uncount(peer: NodeId): void {
    const n = (this.announcedBy.get(peer) ?? 1) - 1;
    if (n <= 0) this.announcedBy.delete(peer);
    else this.announcedBy.set(peer, n);
  }

  /** Stored value keys and info-hashes, for handing them to a closer newcomer. */
  valueKeys(): NodeId[] {
    return [...this.values.keys()];
  }
  infoHashes(): NodeId[] {
    return [...this.peers.keys()];
  }

  get counts(): { values: number; infoHashes: number; peers: number } {
    let peers = 0;
    for (const set of this.peers.values()) peers += set.size;
    return { values: this.values.size, infoHashes: this.peers.size, peers };
  }
}
