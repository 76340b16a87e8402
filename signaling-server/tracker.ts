import type { Random } from '../shared/random.js';
import type { AnnounceEvent } from '../shared/signaling/messages.js';
import { RandomSet } from './random-set.js';

/** Members of one swarm; seeders are the members that announced `completed`. */
interface Swarm {
  members: RandomSet<string>;
  seeders: Set<string>;
}

/** Tracker limits and randomness. */
export interface TrackerOptions {
  /** Swarms one peer may be in at once; announcing in one more is refused. */
  maxSwarmsPerPeer: number;
  /**
   * Entries (peer in swarm) all peers of one owner may hold together (default unbounded). The
   * hub makes the client address the owner, so many sockets cannot add up to unbounded memory.
   */
  maxSwarmsPerOwner?: number;
  random: Random;
}

/** What an announce returns: other members (never the announcer) and the swarm's counts. */
export type AnnounceResult =
  { ok: true; peers: string[]; complete: number; incomplete: number } | { ok: false; reason: string };

/**
 * The central index (info-hash -> peers) a BitTorrent tracker keeps, for tabs. Pure data: it
 * answers announces and forgets peers; the hub decides what to send.
 */
export class Tracker {
  private readonly swarms = new Map<string, Swarm>();
  private readonly peerSwarms = new Map<string, Set<string>>();
  /** Owner of each peer that is in at least one swarm, and each owner's entry count. */
  private readonly peerOwner = new Map<string, string>();
  private readonly ownerEntries = new Map<string, number>();

  constructor(private readonly options: TrackerOptions) {}

  /** Number of swarms with at least one member. */
  get swarmCount(): number {
    return this.swarms.size;
  }

  /** Members of the swarm of `infoHash` (0 if unknown). */
  swarmSize(infoHash: string): number {
    return this.swarms.get(infoHash)?.members.size ?? 0;
  }

  /** Seeders and leechers of the swarm of `infoHash` (zeros if unknown). */
  counts(infoHash: string): { complete: number; incomplete: number } {
    return this.countsOf(this.swarms.get(infoHash));
  }

  /** Seeders and leechers of the swarm of `infoHash` among the members `include` accepts. */
  countsWhere(
    infoHash: string,
    include: (peerId: string) => boolean,
  ): { complete: number; incomplete: number } {
    const swarm = this.swarms.get(infoHash);
    let complete = 0;
    let incomplete = 0;
    for (const id of swarm?.members.values() ?? []) {
      if (!include(id)) continue;
      if (swarm?.seeders.has(id)) complete++;
      else incomplete++;
    }
    return { complete, incomplete };
  }

  /** Info-hashes `peerId` is announced in. */
  swarmsOf(peerId: string): string[] {
    return [...(this.peerSwarms.get(peerId) ?? [])];
  }

  /** The owner `peerId` joined its swarms with (undefined when it is in none). */
  ownerOf(peerId: string): string | undefined {
    return this.peerOwner.get(peerId);
  }

  /** Whether `peerId` announced `completed` in the swarm of `infoHash`. */
  isSeeder(infoHash: string, peerId: string): boolean {
    return this.swarms.get(infoHash)?.seeders.has(peerId) ?? false;
  }

  /** Entries held by all peers of `owner`. */
  entriesOf(owner: string): number {
    return this.ownerEntries.get(owner) ?? 0;
  }

  /**
   * Records `peerId` in (or, for `stopped`, out of) the swarm of `infoHash` and returns up to
   * `numWant` random other members. `owner` groups peers for maxSwarmsPerOwner; a peer keeps the
   * owner it first joined a swarm with.
   */
  announce(
    peerId: string,
    infoHash: string,
    event: AnnounceEvent | undefined,
    numWant: number,
    owner: string = peerId,
  ): AnnounceResult {
    if (event === 'stopped') {
      this.leave(peerId, infoHash);
      const swarm = this.swarms.get(infoHash);
      return { ok: true, peers: [], ...this.countsOf(swarm) };
    }
    let joined = this.peerSwarms.get(peerId);
    if (!joined?.has(infoHash) && (joined?.size ?? 0) >= this.options.maxSwarmsPerPeer) {
      return {
        ok: false,
        reason: `already in ${this.options.maxSwarmsPerPeer} swarms; announce 'stopped' for one first`,
      };
    }
    const ownedBy = this.peerOwner.get(peerId) ?? owner;
    const cap = this.options.maxSwarmsPerOwner ?? Infinity;
    if (!joined?.has(infoHash) && this.entriesOf(ownedBy) >= cap) {
      return {
        ok: false,
        reason: `your address already holds ${cap} swarm entries; announce 'stopped' for one first`,
      };
    }
    let swarm = this.swarms.get(infoHash);
    if (swarm === undefined) {
      swarm = { members: new RandomSet(), seeders: new Set() };
      this.swarms.set(infoHash, swarm);
    }
    if (joined === undefined) {
      joined = new Set();
      this.peerSwarms.set(peerId, joined);
      this.peerOwner.set(peerId, ownedBy);
    }
    if (!joined.has(infoHash)) this.ownerEntries.set(ownedBy, this.entriesOf(ownedBy) + 1);
    joined.add(infoHash);
    swarm.members.add(peerId);
    if (event === 'completed') swarm.seeders.add(peerId);
    const peers = swarm.members.sample(numWant, this.options.random, peerId);
    return { ok: true, peers, ...this.countsOf(swarm) };
  }

  /** Forgets `peerId` in every swarm (its socket closed). */
  removePeer(peerId: string): void {
    for (const infoHash of this.swarmsOf(peerId)) this.leave(peerId, infoHash);
  }

  private leave(peerId: string, infoHash: string): void {
    const swarm = this.swarms.get(infoHash);
    if (swarm !== undefined) {
      swarm.members.delete(peerId);
      swarm.seeders.delete(peerId);
      if (swarm.members.size === 0) this.swarms.delete(infoHash);
    }
    const joined = this.peerSwarms.get(peerId);
    if (joined === undefined || !joined.delete(infoHash)) return;
    const owner = this.peerOwner.get(peerId) as string;
    const left = this.entriesOf(owner) - 1;
    if (left > 0) this.ownerEntries.set(owner, left);
    else this.ownerEntries.delete(owner);
    if (joined.size === 0) {
      this.peerSwarms.delete(peerId);
      this.peerOwner.delete(peerId);
    }
  }

  private countsOf(swarm: Swarm | undefined): { complete: number; incomplete: number } {
    if (swarm === undefined) return { complete: 0, incomplete: 0 };
    return { complete: swarm.seeders.size, incomplete: swarm.members.size - swarm.seeders.size };
  }
}
