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
}

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
  private readonly values = new Map<NodeId, StoredValue>();
  private readonly peers = new Map<NodeId, Map<NodeId, number>>();

  constructor(options: StoreOptions = {}) {
    this.valueTtlMs = options.valueTtlMs ?? 24 * 3_600_000;
    this.announceTtlMs = options.announceTtlMs ?? 30 * 60_000;
    this.maxValues = options.maxValues ?? 2000;
    this.maxInfoHashes = options.maxInfoHashes ?? 2000;
    this.maxPeersPerInfoHash = options.maxPeersPerInfoHash ?? 200;
  }

  /** Stores (or refreshes) a value; false if the store is full. The caller verified key = SHA-1. */
  putValue(key: NodeId, value: Uint8Array, now: number): boolean {
    const known = this.values.get(key);
    if (!known && this.values.size >= this.maxValues) return false;
    this.values.set(key, { value: known?.value ?? value.slice(), expiresAt: now + this.valueTtlMs });
    return true;
  }

  getValue(key: NodeId, now: number): Uint8Array | undefined {
    const v = this.values.get(key);
    return v && v.expiresAt > now ? v.value : undefined;
  }

  /** Records that `peer` announced `infoHash`; false if a cap was hit. */
  addPeer(infoHash: NodeId, peer: NodeId, now: number): boolean {
    let set = this.peers.get(infoHash);
    if (!set) {
      if (this.peers.size >= this.maxInfoHashes) return false;
      set = new Map();
      this.peers.set(infoHash, set);
    }
    if (!set.has(peer) && set.size >= this.maxPeersPerInfoHash) return false;
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
          removed++;
        }
      }
      if (set.size === 0) this.peers.delete(infoHash);
    }
    return removed;
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
