import { randomBytes } from 'node:crypto';
import type { Random } from '../shared/random.js';
import type { AnnounceEvent } from '../shared/signaling/messages.js';
import {
  DEFAULT_LEASE_MS,
  LEASE_REFRESHES,
  type HubStore,
  type HubStoreEvents,
  type HubStoreHealth,
  type HubStoreLimits,
} from './hub-store.js';
import { RandomSet } from './random-set.js';
import { Tracker, type AnnounceResult } from './tracker.js';

/**
 * The shared state of in-memory hub stores: what Redis holds for the Redis store. `npm start`
 * has one store on a backplane of its own; tests put several "processes" on one backplane.
 */
export class MemoryBackplane {
  readonly peers = new RandomSet<string>();
  readonly holders = new Map<string, MemoryHubStore>();
  readonly tracker: Tracker;
  /** Live stores and their lease deadlines. */
  readonly leases = new Map<MemoryHubStore, number>();

  constructor(
    limits: HubStoreLimits,
    readonly random: Random,
    readonly clock: () => number = Date.now,
  ) {
    this.tracker = new Tracker({
      maxSwarmsPerPeer: limits.maxSwarmsPerPeer,
      maxSwarmsPerOwner: limits.maxSwarmsPerOwner,
      random,
    });
  }

  /** Forgets every store whose lease has lapsed, and the peers it held. */
  sweep(): void {
    const now = this.clock();
    for (const [store, deadline] of this.leases) if (deadline <= now) this.drop(store);
  }

  /** Forgets `store` and every peer it holds. */
  drop(store: MemoryHubStore): void {
    this.leases.delete(store);
    for (const [peerId, holder] of this.holders) if (holder === store) this.forget(peerId);
  }

  forget(peerId: string): void {
    this.holders.delete(peerId);
    this.peers.delete(peerId);
    this.tracker.removePeer(peerId);
  }

  sample(numWant: number, exclude: string): string[] {
    return this.peers.sample(numWant, this.random, exclude);
  }
}

/** Options of an in-memory store. */
export interface MemoryHubStoreOptions {
  /** Lease of this "process" on the backplane (default DEFAULT_LEASE_MS). */
  leaseMs?: number;
}

/**
 * The in-memory hub store: everything in this process, answered synchronously (as promises).
 * Deliveries and supersedes to other stores on the backplane come a microtask later, as they
 * would over pub/sub.
 */
export class MemoryHubStore implements HubStore {
  readonly kind = 'memory';
  readonly processId = randomBytes(8).toString('hex');
  private events: HubStoreEvents | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private crashed = false;
  private readonly leaseMs: number;
  private readonly counters = { relaysOut: 0, relaysIn: 0 };

  constructor(
    private readonly plane: MemoryBackplane,
    options: MemoryHubStoreOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  start(events: HubStoreEvents): Promise<void> {
    this.events = events;
    this.renew();
    this.timer = setInterval(() => this.renew(), this.leaseMs / LEASE_REFRESHES);
    this.timer.unref();
    return Promise.resolve();
  }

  private renew(): void {
    if (this.crashed) return;
    this.plane.leases.set(this, this.plane.clock() + this.leaseMs);
    this.plane.sweep();
  }

  register(peerId: string, numWant: number): Promise<string[]> {
    const plane = this.plane;
    const old = plane.holders.get(peerId);
    plane.holders.set(peerId, this);
    plane.peers.add(peerId);
    if (old !== undefined && old !== this) old.later((e) => e.supersede(peerId));
    return Promise.resolve(plane.sample(numWant, peerId));
  }

  sample(numWant: number, exclude: string): Promise<string[]> {
    return Promise.resolve(this.plane.sample(numWant, exclude));
  }

  unregister(peerId: string): void {
    if (this.plane.holders.get(peerId) === this) this.plane.forget(peerId);
  }

  announce(
    peerId: string,
    infoHash: string,
    event: AnnounceEvent | undefined,
    numWant: number,
    owner: string,
  ): Promise<AnnounceResult> {
    return Promise.resolve(this.plane.tracker.announce(peerId, infoHash, event, numWant, owner));
  }

  relay(to: string, frame: string): Promise<boolean> {
    const holder = this.plane.holders.get(to);
    // A crashed process's peers stay until the sweep, but nobody reads its channel.
    if (holder === undefined || holder.crashed) return Promise.resolve(false);
    this.counters.relaysOut++;
    holder.later((e) => {
      holder.counters.relaysIn++;
      e.deliver(to, frame);
    });
    return Promise.resolve(true);
  }

  holdsNow(peerId: string): boolean {
    const holder = this.plane.holders.get(peerId);
    return holder !== undefined && !holder.crashed;
  }

  private later(fn: (events: HubStoreEvents) => void): void {
    const events = this.events;
    if (events === undefined || this.crashed) return;
    queueMicrotask(() => {
      if (!this.crashed) fn(events);
    });
  }

  health(): HubStoreHealth {
    return {
      kind: 'memory',
      up: 1,
      resyncs: 0,
      errors: 0,
      ...this.counters,
      clusterPeers: this.plane.peers.size,
      clusterSwarms: this.plane.tracker.swarmCount,
    };
  }

  release(): Promise<void> {
    this.plane.drop(this);
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.crashed = true;
    return Promise.resolve();
  }

  /** Stops as a killed process would: no release, the lease lapses (a test's SIGKILL). */
  crash(): void {
    void this.close();
  }
}
