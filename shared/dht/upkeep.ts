import { shuffle } from '../random.js';
import type { LookupRunner } from './lookup-runner.js';
import { randomIdAtPrefix, toNodeId } from './node-id.js';
import type { IdLike, NodeId } from './node-id.js';
import { emit } from './node-core.js';
import type { NodeCore } from './node-core.js';
import type { StoreJobs } from './store-jobs.js';
import type { Transport } from './transport.js';

/** Extra own-id lookups when the join lookup found less than it could have (see joinDone). */
export const JOIN_RETRIES = 2;
/** Stale buckets refreshed per housekeeping tick at most. */
export const REFRESHES_PER_TICK = 2;

type JoinState = 'idle' | 'waiting' | 'joining' | 'joined';

/** What upkeep asks of the node's link handling. */
export interface LinkOps {
  /** Asks the host to open a link to `id` (and starts its connect timer). */
  request(id: NodeId, now: number, pinned: boolean): void;
  /** Closes the live link `id`. */
  drop(id: NodeId, reason: string, now: number): void;
}

/**
 * Joining and keeping the node in shape: bootstrap links, the own-id lookup and the refreshes
 * after it, rejoining when cut off, and the maintenance tick (expiry, republishing, stale bucket
 * refresh, link upkeep).
 */
export class Upkeep {
  private state: JoinState = 'idle';
  private bootstrapPool: NodeId[] = [];
  /** Own-id lookups run again in this join (see joinDone). */
  private joinTries = 0;

  constructor(
    private readonly core: NodeCore,
    private readonly transport: Transport,
    private readonly runner: LookupRunner,
    private readonly storeJobs: () => StoreJobs,
    private readonly linkOps: LinkOps,
  ) {}

  get joined(): boolean {
    return this.state === 'joined';
  }

  /**
   * Joins from contacts handed out by the server: asks the host to connect to a few of them; the
   * own-id lookup starts when the first link opens.
   */
  bootstrap(contacts: readonly IdLike[], now: number): void {
    const core = this.core;
    const fresh = contacts.map((c) => toNodeId(c)).filter((id) => id !== core.id);
    this.bootstrapPool = shuffle([...new Set([...fresh, ...this.bootstrapPool])], core.random);
    if (this.state === 'joining') return;
    // An island (below its target, knowing no peer beyond its links) links to some of them too;
    // when they bring nobody new (a network of a few tabs), it carries on as it is.
    const island = this.state === 'joined' && this.knowsOnlyItsLinks();
    const links = core.links;
    if (island && fresh.every((id) => links.isLive(id) || links.isPending(id))) return;
    this.state = 'waiting';
    if (core.links.liveCount === 0) return this.bootstrapConnect(now);
    if (island) this.bootstrapConnect(now, core.links.busyCount);
    this.startJoin(now);
  }

  /** A link opened. */
  linkOpened(now: number): void {
    if (this.state === 'waiting' || this.state === 'idle') this.startJoin(now);
  }

  /** A link closed (or a requested one failed); `wasLive` if it had opened. */
  linkClosed(wasLive: boolean, now: number): void {
    if (this.state === 'waiting') this.bootstrapConnect(now);
    else if (wasLive && this.state === 'joined' && !this.rejoinIfIsolated(now)) this.maintainLinks(now);
  }

  /** A requested link did not open in time. */
  connectTimedOut(now: number): void {
    if (this.state === 'waiting') this.bootstrapConnect(now);
  }

  /**
   * The own-id lookup finished: refresh buckets farther than the closest neighbour, open links.
   * A join lookup that ran out of candidates before k answered while the table knows more (it
   * started from a link to another newcomer, or a bootstrap link closed under it) found too little
   * of the neighbourhood: it runs again from what the node knows now, a couple of times at most.
   */
  joinDone(closest: NodeId[], now: number): void {
    const core = this.core;
    const answered = new Set(closest);
    const short =
      closest.length < core.k &&
      core.table
        .all()
        .some((c) => c.failures === 0 && !answered.has(c.id) && this.transport.routeTo(c.id) !== undefined);
    if (short && this.joinTries < JOIN_RETRIES) {
      this.joinTries++;
      this.runner.start('join', 'find_node', core.own, now);
      return;
    }
    this.state = 'joined';
    emit(core, { type: 'joined', closest });
    const nearest = core.table.closest(core.own, 1)[0];
    if (nearest) {
      const depth = core.table.bucketIndex(nearest.id);
      for (let i = 0; i < depth; i++)
        this.runner.start('refresh', 'find_node', randomIdAtPrefix(core.own, i, core.random), now);
    }
    this.maintainLinks(now);
    this.storeJobs().joinChanged(now);
  }

  /** Housekeeping (the `maintenance` timer): expiry, republishing, stale bucket refresh, link upkeep. */
  maintenance(now: number): void {
    const core = this.core;
    core.timers.set('maintenance', now + core.settings.maintenanceIntervalMs);
    core.store.expire(now);
    core.keywords.expire(now);
    core.routes.sweep((id) => core.table.has(id));
    this.storeJobs().republish(now);
    if (this.state === 'joined' && this.rejoinIfIsolated(now)) return;
    if (this.state === 'joined') {
      let started = 0;
      for (const bucket of core.table.buckets()) {
        if (started >= REFRESHES_PER_TICK) break;
        if (bucket.lastChanged + core.settings.bucketRefreshMs > now) continue;
        this.runner.start('refresh', 'find_node', randomIdAtPrefix(core.own, bucket.index, core.random), now);
        started++;
      }
    }
    this.maintainLinks(now);
    if (this.state === 'joined' && this.knowsOnlyItsLinks())
      emit(core, { type: 'need-contacts', reason: 'it knows no peer beyond its links' });
  }

  /**
   * Below its link target and no contact it is not linked to: the node may be in an island of
   * a few tabs that lost their other links (two tabs linked only to each other can go on like
   * that for ever), so it asks the server for contacts (the host spaces the asks out).
   */
  private knowsOnlyItsLinks(): boolean {
    const links = this.core.links;
    if (links.busyCount >= links.targetConnections) return false;
    return this.core.table.all().every((c) => links.isLive(c.id) || links.isPending(c.id));
  }

  private startJoin(now: number): void {
    this.state = 'joining';
    this.joinTries = 0;
    this.runner.start('join', 'find_node', this.core.own, now);
  }

  /** Asks for links to bootstrap contacts until `bootstrapConnections` more than `have` are on. */
  private bootstrapConnect(now: number, have = 0): void {
    const links = this.core.links;
    // Pinned links count too: bootstrap must not push the node over its hard cap.
    const wanted = Math.min(have + this.core.settings.bootstrapConnections, links.maxConnections);
    while (links.busyCount < wanted) {
      const id = this.bootstrapPool.shift();
      if (id === undefined || links.refusal(now)) break;
      if (links.isLive(id) || links.isPending(id)) continue;
      this.linkOps.request(id, now, false);
    }
    if (links.busyCount === 0) {
      emit(this.core, { type: 'need-contacts', reason: links.refusal(now) ?? 'no contact left to try' });
    }
  }

  /**
   * With no link left nothing can be reached through the overlay: join again, asking the host
   * to connect (through the server) to the contacts seen most recently.
   */
  private rejoinIfIsolated(now: number): boolean {
    if (this.core.links.busyCount > 0) return false;
    const recent = this.core.table
      .all()
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .slice(0, this.core.k)
      .map((c) => c.id);
    this.bootstrapPool = [...new Set([...recent, ...this.bootstrapPool])];
    this.state = 'waiting';
    this.bootstrapConnect(now);
    return true;
  }

  /** Opens links the node wants and closes links over the budget (also the `links` timer). */
  maintainLinks(now: number): void {
    if (this.state !== 'joined') return;
    const links = this.core.links;
    for (const id of links.wanted(this.core.table, now, (x) => this.transport.routeTo(x) !== undefined))
      this.linkOps.request(id, now, false);
    for (const victim of links.excess(this.core.table))
      this.linkOps.drop(victim, 'over the connection budget', now);
  }
}
