import type { AnnounceEvent } from '../shared/signaling/messages.js';
import type { AnnounceResult } from './tracker.js';

/** Limits every hub store enforces, the same as the in-memory tracker's (config.ts DEFAULTS). */
export interface HubStoreLimits {
  /** Swarms one peer may be in at once. */
  maxSwarmsPerPeer: number;
  /** Tracker entries (peer in swarm) all peers of one owner (client address) may hold together. */
  maxSwarmsPerOwner: number;
}

/** What other processes send this one through the store. */
export interface HubStoreEvents {
  /** A relayed frame for `to`, a peer whose socket this process holds (or held). */
  deliver(to: string, frame: string): void;
  /** Another process's socket proved `peerId`: the socket here that holds it must go. */
  supersede(peerId: string): void;
}

/** How the store stands, for /stats, /metrics and the logs. */
export interface HubStoreHealth {
  kind: 'memory' | 'redis';
  /** 1 while the shared state is reachable (always 1 in memory); 0 while this process serves alone. */
  up: 0 | 1;
  /** Times this process wrote its registrations and announcements back after an outage or a lost lease. */
  resyncs: number;
  /** Commands that failed (the store's answer then came from this process's own state). */
  errors: number;
  /** Signals sent to a peer on another process, and received from another process for a peer here. */
  relaysOut: number;
  relaysIn: number;
  /** Registered peers and swarms across every process (as of the last lease refresh for Redis). */
  clusterPeers: number;
  clusterSwarms: number;
}

/**
 * The state the signaling hub shares between its processes: which process holds each peer id
 * (under a lease that lapses when the process dies), random bootstrap sets across processes,
 * tracker swarms with their caps, and relaying a frame to the process whose socket holds a peer.
 * The hub keeps the sockets; the store keeps ids. Two implementations pass one contract suite
 * (test/signaling-server/hub-store-contract.ts): in memory (one process, `npm start`) and Redis
 * (`REDIS_URL`, many processes).
 *
 * Every method that answers a tab resolves (never rejects): when shared state cannot be
 * reached, the answer comes from this process's own registrations and announcements.
 */
export interface HubStore {
  readonly kind: 'memory' | 'redis';
  /** This process's id in the shared state. */
  readonly processId: string;
  /** Connects and takes this process's lease; resolves when the store can answer. */
  start(events: HubStoreEvents): Promise<void>;
  /**
   * Records that this process holds `peerId` (another process holding it is told to supersede
   * its socket) and resolves with up to `numWant` other registered peers, chosen at random.
   */
  register(peerId: string, numWant: number): Promise<string[]>;
  /** Up to `numWant` registered peers at random, never `exclude`. */
  sample(numWant: number, exclude: string): Promise<string[]>;
  /**
   * Forgets `peerId` and its swarm entries, unless another process holds it by now (its socket
   * moved there). Fire and forget: the store keeps the order of its own calls.
   */
  unregister(peerId: string): void;
  /** The tracker's announce (tracker.ts), across processes; `owner` is the client address. */
  announce(
    peerId: string,
    infoHash: string,
    event: AnnounceEvent | undefined,
    numWant: number,
    owner: string,
  ): Promise<AnnounceResult>;
  /**
   * Hands `frame` to the process holding `to` (its `deliver` event); false if no live process
   * holds it. The hub delivers to its own sockets itself and asks this only for the others.
   */
  relay(to: string, frame: string): Promise<boolean>;
  /**
   * Whether some live process holds `peerId`, when the store knows without asking anyone (in
   * memory); undefined when only `relay` can tell (Redis). Lets the in-memory hub refuse a signal
   * to an unknown peer in the same turn, as it always has.
   */
  holdsNow(peerId: string): boolean | undefined;
  health(): HubStoreHealth;
  /** Graceful stop: forgets every registration and the lease of this process at once. */
  release(): Promise<void>;
  /** Disconnects (after release, or without it: then the lease lapses). */
  close(): Promise<void>;
}

/** Default lease: a dead process's peers are gone from the shared state within this (plus one sweep). */
export const DEFAULT_LEASE_MS = 10_000;
/** The lease is renewed, and dead processes swept, this many times per lease. */
export const LEASE_REFRESHES = 4;
