import { compareDistance } from './node-id.js';
import type { NodeId } from './node-id.js';
import type { Contact, RoutingTable } from './routing-table.js';
import type { DhtSnapshot } from './types.js';

/** Budget and shape of the live DHT links (WebRTC data channels) of one tab. */
export interface LinkOptions {
  /** Hard cap on live links, pinned ones included (default 40). */
  maxConnections?: number;
  /** The DHT opens links on its own only while live + pending is below this (default 30). */
  targetConnections?: number;
  /** The closest contacts to the own id that are kept connected (default 8). */
  nearConnections?: number;
  /** Live links wanted in each bucket (default 2). */
  bucketConnections?: number;
  /** Links opened (any direction, any reason) in a sliding hour (default 100). */
  maxConnectsPerHour?: number;
  /** Links opened over the tab's life; Chromium stops at about 500 (default 400). */
  maxConnectsLifetime?: number;
  /** A requested link that has not opened by then is given up (default 20 s). */
  connectTimeoutMs?: number;
  /**
   * A contact whose link failed is not tried again for this long (default 10 min), doubled for
   * each failure in a row, up to {@link MAX_RETRY_DOUBLINGS} doublings.
   */
  retryAfterMs?: number;
  /** Links we asked for that never opened, per sliding hour, before we stop asking (default 20). */
  maxFailedConnectsPerHour?: number;
  /** Links we asked for that never opened, over the tab's life, before we stop asking (default 100). */
  maxFailedConnectsLifetime?: number;
  /**
   * Links kept to super-peers (peers that said they are one: a ping with `sp`), as FastTrack's
   * ordinary nodes each keep one to a supernode (default {@link DEFAULT_ANCHOR_LINKS}). An anchor is
   * never closed to make room for another link and is among the last over the budget; when there
   * are fewer, a known super-peer is the first link asked for. With the server gone and tabs
   * leaving, every tab still reaches the others through its anchor.
   */
  anchorLinks?: number;
}

interface Link {
  since: number;
  pinned: boolean;
  /** Through a TURN relay: the relay's operator pays for its bytes, so it goes first when over budget. */
  relayed?: boolean;
  /** The peer said over this link that it is a super-peer: the link can be an anchor. */
  superPeer?: boolean;
}

/** A link on its way: one we asked for, or an offer we admitted (`inbound`). */
interface PendingLink {
  deadline: number;
  pinned: boolean;
  /** An admitted offer: not counted against the rate caps until it opens, not a failure if it never does. */
  inbound: boolean;
}

export type RefuseReason = 'budget' | 'rate' | 'lifetime';

const HOUR = 3_600_000;

/**
 * A peer that says it has this many live links or fewer depends on each of them: with the
 * server gone, a tab whose last link closes can reach nobody again. Such links are never closed
 * to make room for a better one, and are the last to go when over the budget.
 */
export const LIFELINE_LINKS = 2;
/** Live links at most, by default. */
export const DEFAULT_MAX_CONNECTIONS = 40;
/** A requested or admitted link that has not opened by then is given up, by default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
/**
 * Failed link attempts are charged to their own, smaller budget: a fifth of the hourly cap and a
 * quarter of the lifetime cap by default. Contacts an attacker names may exist only as far as
 * answering a ping through it; links to them never open, and must not use up the budget that
 * real links need. Beyond these, the DHT asks for no link on its own (it works over relays, and
 * still admits offers and links the host pins).
 */
export const DEFAULT_MAX_FAILED_CONNECTS_PER_HOUR = 20;
/** Failed link attempts over a tab's life before the DHT stops asking on its own (see above). */
export const DEFAULT_MAX_FAILED_CONNECTS_LIFETIME = 100;
/** A contact's retry delay doubles per failure in a row, at most this many times (10 min -> 2 h 40). */
export const MAX_RETRY_DOUBLINGS = 4;
/** A node with this many live links or fewer tells its links its count (a ping with `ln`). */
export const REPORT_LINKS_AT = LIFELINE_LINKS + 1;
/** Links kept to super-peers, by default (see LinkOptions.anchorLinks). */
export const DEFAULT_ANCHOR_LINKS = 1;
/**
 * Super-peers remembered (the first ones heard of), so a tab whose anchor closed can ask another.
 * A peer can claim to be one; the cost of a false claim is at most this tab's anchor links.
 */
export const MAX_KNOWN_SUPER_PEERS = 16;

/**
 * Keeps track of live links, requested ones, and the connection budget, and decides which
 * contacts deserve a link: the `nearConnections` closest to the own id plus `bucketConnections`
 * per bucket (links the other side opened count too). Pure: it returns ids, the node turns
 * them into connect/disconnect actions.
 */
export class LinkManager {
  readonly maxConnections: number;
  readonly targetConnections: number;
  readonly nearConnections: number;
  readonly bucketConnections: number;
  readonly maxConnectsPerHour: number;
  readonly maxConnectsLifetime: number;
  readonly connectTimeoutMs: number;
  readonly retryAfterMs: number;
  readonly maxFailedConnectsPerHour: number;
  readonly maxFailedConnectsLifetime: number;
  readonly anchorLinks: number;
  private readonly live = new Map<NodeId, Link>();
  private readonly pending = new Map<NodeId, PendingLink>();
  /** Contacts whose requested link failed: when last, and how many times in a row. */
  private readonly failedAt = new Map<NodeId, { at: number; count: number }>();
  /** When requested links failed, over the last hour; and how many ever did. */
  private failures: number[] = [];
  private failedTotal = 0;
  private readonly pinnedIds = new Set<NodeId>();
  /** Live link counts that peers with few links reported (ping `ln`). */
  private readonly remoteLinks = new Map<NodeId, number>();
  /** Peers that said they are super-peers, first heard of first: whom to ask for an anchor link. */
  private readonly superPeers = new Set<NodeId>();
  private opened: number[] = [];
  private openedTotal = 0;

  constructor(options: LinkOptions = {}) {
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.targetConnections = Math.min(options.targetConnections ?? 30, this.maxConnections);
    this.nearConnections = options.nearConnections ?? 8;
    this.bucketConnections = options.bucketConnections ?? 2;
    this.maxConnectsPerHour = options.maxConnectsPerHour ?? 100;
    this.maxConnectsLifetime = options.maxConnectsLifetime ?? 400;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.retryAfterMs = options.retryAfterMs ?? 10 * 60_000;
    this.maxFailedConnectsPerHour = options.maxFailedConnectsPerHour ?? DEFAULT_MAX_FAILED_CONNECTS_PER_HOUR;
    this.maxFailedConnectsLifetime =
      options.maxFailedConnectsLifetime ?? DEFAULT_MAX_FAILED_CONNECTS_LIFETIME;
    this.anchorLinks = options.anchorLinks ?? DEFAULT_ANCHOR_LINKS;
  }

  /** Requested links that failed, in the hour before `now` and ever. */
  failedConnects(now: number): { lastHour: number; total: number } {
    this.failures = this.failures.filter((t) => t > now - HOUR);
    return { lastHour: this.failures.length, total: this.failedTotal };
  }

  isLive(id: NodeId): boolean {
    return this.live.has(id);
  }
  /** When the live link to `id` opened, or undefined. */
  linkedSince(id: NodeId): number | undefined {
    return this.live.get(id)?.since;
  }
  isPending(id: NodeId): boolean {
    return this.pending.has(id);
  }
  isPinned(id: NodeId): boolean {
    return this.pinnedIds.has(id);
  }
  liveIds(): NodeId[] {
    return [...this.live.keys()];
  }
  pendingIds(): NodeId[] {
    return [...this.pending.keys()];
  }
  get liveCount(): number {
    return this.live.size;
  }
  /** Live links plus links on their way (requested or admitted): what the budget is measured against. */
  get busyCount(): number {
    return this.live.size + this.pending.size;
  }

  /** The links as the DHT panel and `status()` show them. */
  view(now: number): DhtSnapshot['connections'] {
    return {
      live: this.liveIds(),
      pinned: this.liveIds().filter((id) => this.isPinned(id)),
      pending: this.pendingIds(),
      anchors: this.anchorIds(),
      max: this.maxConnections,
      target: this.targetConnections,
      openedLastHour: this.openedLastHour(now),
      openedTotal: this.openedLifetime,
      hourlyCap: this.maxConnectsPerHour,
    };
  }

  /** Links opened in the hour before `now`. */
  openedLastHour(now: number): number {
    this.opened = this.opened.filter((t) => t > now - HOUR);
    return this.opened.length;
  }
  get openedLifetime(): number {
    return this.openedTotal;
  }

  /** Why a new link cannot be opened now, or undefined if it can. Admitted offers count as opened. */
  refusal(now: number): RefuseReason | undefined {
    const admitted = this.admittedCount();
    if (this.openedTotal + admitted >= this.maxConnectsLifetime) return 'lifetime';
    if (this.openedLastHour(now) + admitted >= this.maxConnectsPerHour) return 'rate';
    return undefined;
  }

  /** Records that we asked the host to open a link to `id`. */
  request(id: NodeId, now: number, pinned: boolean): void {
    this.pending.set(id, { deadline: now + this.connectTimeoutMs, pinned, inbound: false });
    this.count(now);
  }

  /**
   * Records an admitted offer from `id`: it holds a slot until it opens, fails, or the connect
   * timeout passes, so offers admitted within one setup time cannot overshoot the budget.
   */
  reserve(id: NodeId, now: number): void {
    if (this.live.has(id) || this.pending.has(id)) return;
    this.pending.set(id, { deadline: now + this.connectTimeoutMs, pinned: false, inbound: true });
  }

  /** A link opened. Returns false if it was already known. */
  linkOpened(id: NodeId, now: number): boolean {
    if (this.live.has(id)) return false;
    const req = this.pending.get(id);
    if (req) this.pending.delete(id);
    // Opened by the other side (admitted or not): it still uses up our budget.
    if (!req || req.inbound) this.count(now);
    if (req?.pinned) this.pinnedIds.add(id);
    this.live.set(id, { since: now, pinned: this.pinnedIds.has(id) });
    this.failedAt.delete(id);
    return true;
  }

  /** The host learned how the live link to `id` got through; relayed links are dropped first. */
  setRelayed(id: NodeId, relayed: boolean): void {
    const link = this.live.get(id);
    if (link) link.relayed = relayed;
  }

  /** A link closed, or a requested one failed. Returns true if it was live. */
  linkClosed(id: NodeId, now: number): boolean {
    const req = this.pending.get(id);
    this.pending.delete(id);
    const wasLive = this.live.delete(id);
    this.remoteLinks.delete(id);
    if (req && !req.inbound && !wasLive) this.failed(id, now);
    return wasLive;
  }

  /** The peer at the other end of the live link `id` reported `count` live links of its own. */
  noteRemoteLinks(id: NodeId, count: number): void {
    if (this.live.has(id)) this.remoteLinks.set(id, count);
  }

  /**
   * `id` said it is a super-peer (`sp` in a query, or named in an answer's `sn`): remembered, and
   * when it said so over its live link (`direct`), that link can be an anchor. True when it is
   * worth asking for a link now: anchors are missing and none is open or on its way to `id`.
   */
  noteSuperPeer(id: NodeId, direct: boolean): boolean {
    const link = this.live.get(id);
    if (direct && link) link.superPeer = true;
    if (!this.superPeers.has(id)) {
      if (this.superPeers.size >= MAX_KNOWN_SUPER_PEERS) {
        // Forget the first-known one we are not linked to; linked ones stay.
        const gone = [...this.superPeers].find((x) => !this.live.has(x));
        if (gone === undefined) return false;
        this.superPeers.delete(gone);
      }
      this.superPeers.add(id);
    }
    return !link && !this.pending.has(id) && this.anchorIds().length < this.anchorLinks;
  }

  /** Whether the live link to `id` is to a peer that said over it that it is a super-peer. */
  isSuperPeerLink(id: NodeId): boolean {
    return this.live.get(id)?.superPeer === true;
  }

  /** Live links to super-peers that are kept as anchors: the `anchorLinks` oldest. */
  anchorIds(): NodeId[] {
    return [...this.live]
      .filter(([, link]) => link.superPeer === true)
      .sort(([, a], [, b]) => a.since - b.since)
      .slice(0, this.anchorLinks)
      .map(([id]) => id);
  }

  /** Whether `id` reported so few links that ours may be one of its last. */
  isLifeline(id: NodeId): boolean {
    return (this.remoteLinks.get(id) ?? Infinity) <= LIFELINE_LINKS;
  }

  setPinned(id: NodeId, pinned: boolean): void {
    if (pinned) this.pinnedIds.add(id);
    else this.pinnedIds.delete(id);
    const link = this.live.get(id);
    if (link) link.pinned = pinned;
  }

  /** When the pending link to `id` is given up, or undefined if none is pending. */
  pendingDeadline(id: NodeId): number | undefined {
    return this.pending.get(id)?.deadline;
  }

  /**
   * The connect timer of `id` fired: a requested link that did not open in time is forgotten and
   * marked failed (true); a stale admitted offer is just forgotten (false).
   */
  expire(id: NodeId, now: number): boolean {
    const req = this.pending.get(id);
    if (!req || req.deadline > now) return false;
    this.pending.delete(id);
    if (req.inbound) return false;
    this.failed(id, now);
    return true;
  }

  /**
   * Forgets a contact's failures once twice its retry delay has passed without another (so a run
   * of failures keeps its longer delay for a while). `wanted` waits out the delay itself.
   */
  sweepFailed(now: number): void {
    for (const [id, f] of this.failedAt)
      if (f.at + 2 * this.retryDelay(f.count) <= now) this.failedAt.delete(id);
  }

  private retryDelay(count: number): number {
    return this.retryAfterMs * 2 ** Math.min(count - 1, MAX_RETRY_DOUBLINGS);
  }

  private backingOff(id: NodeId, now: number): boolean {
    const f = this.failedAt.get(id);
    return f !== undefined && now < f.at + this.retryDelay(f.count);
  }

  private failed(id: NodeId, now: number): void {
    const f = this.failedAt.get(id);
    this.failedAt.set(id, { at: now, count: (f?.count ?? 0) + 1 });
    this.failures.push(now);
    this.failedTotal++;
  }

  /**
   * Contacts worth a new link now, best first: a known super-peer while anchors are missing (even
   * with the target reached: the link that makes room for it closes when it opens), then
   * closest-to-us missing members of the near set, then buckets below their quota. `reachable`
   * says whether the host could signal to it.
   */
  wanted(table: RoutingTable, now: number, reachable: (id: NodeId) => boolean): NodeId[] {
    if (this.refusal(now)) return [];
    // Every link on its way may still fail: ask for no more than the failure budget has left.
    const failed = this.failedConnects(now);
    const asked = this.pending.size - this.admittedCount();
    const mayFail =
      Math.min(
        this.maxFailedConnectsPerHour - failed.lastHour,
        this.maxFailedConnectsLifetime - failed.total,
      ) - asked;
    if (mayFail <= 0) return [];
    const usable = (c: Pick<Contact, 'id' | 'failures'>): boolean =>
      !this.live.has(c.id) &&
      !this.pending.has(c.id) &&
      !this.backingOff(c.id, now) &&
      c.failures === 0 &&
      reachable(c.id);
    const caps = Math.min(
      mayFail,
      this.maxConnectsPerHour - this.openedLastHour(now) - this.admittedCount(),
      this.maxConnectsLifetime - this.openedTotal - this.admittedCount(),
    );
    const anchors = this.wantedAnchors(table, usable);
    const room = this.targetConnections - this.live.size - this.pending.size;
    if (room <= 0) return anchors.slice(0, Math.max(0, caps));
    const out = anchors;
    const near = table.closest(table.own, this.nearConnections);
    for (const c of near) if (usable(c) && !out.includes(c.id)) out.push(c.id);
    for (const bucket of table.buckets()) {
      let have = 0;
      for (const c of bucket.contacts)
        if (this.live.has(c.id) || this.pending.has(c.id) || out.includes(c.id)) have++;
      if (have >= this.bucketConnections) continue;
      const candidates = bucket.contacts
        .filter((c) => usable(c) && !out.includes(c.id))
        .sort((a, b) => compareDistance(table.own, a.bytes, b.bytes));
      for (const c of candidates.slice(0, this.bucketConnections - have)) out.push(c.id);
    }
    return out.slice(0, Math.max(0, Math.min(room + anchors.length, caps)));
  }

  /** Known super-peers to ask for a link while anchors (live or on their way) are missing. */
  private wantedAnchors(
    table: RoutingTable,
    usable: (c: Pick<Contact, 'id' | 'failures'>) => boolean,
  ): NodeId[] {
    let have = this.anchorIds().length;
    for (const id of this.superPeers) if (this.pending.has(id)) have++;
    const out: NodeId[] = [];
    for (const id of this.superPeers) {
      if (have + out.length >= this.anchorLinks) break;
      // Named in an answer, it may not be a contact yet: a route to it is enough.
      if (usable(table.get(id) ?? { id, failures: 0 })) out.push(id);
    }
    return out;
  }

  /**
   * Whether a link to `id` would be worth having: a super-peer while anchors are missing, in the
   * near set, or in a bucket below quota (links on their way count as if open). Used to admit
   * offers when the budget is full.
   */
  valuable(table: RoutingTable, id: NodeId, bytes: Uint8Array): boolean {
    if (this.superPeers.has(id) && this.anchorIds().length < this.anchorLinks) return true;
    const nearLive = [...this.live.keys(), ...this.pending.keys()]
      .map((x) => table.get(x))
      .filter((c): c is Contact => c !== undefined)
      .sort((a, b) => compareDistance(table.own, a.bytes, b.bytes));
    const edge = nearLive[this.nearConnections - 1];
    if (!edge || compareDistance(table.own, bytes, edge.bytes) < 0) return true;
    const index = table.bucketIndex(bytes);
    let have = 0;
    for (const x of this.live.keys()) if (table.get(x) && table.bucketIndex(x) === index) have++;
    for (const x of this.pending.keys()) if (table.get(x) && table.bucketIndex(x) === index) have++;
    return have < this.bucketConnections;
  }

  /**
   * Live links to close so that at most `maxConnections` remain (with room for `extra` more):
   * never pinned ones, never `protect`; relayed (TURN) links before direct ones, then links
   * outside the near set in the bucket with the most live links, youngest first; lifelines and
   * anchors last, or never when `spareLifelines` (closing a link only to make room for another).
   */
  excess(table: RoutingTable, protect?: NodeId, extra = 0, spareLifelines = false): NodeId[] {
    let over = this.live.size + extra - this.maxConnections;
    if (over <= 0) return [];
    const near = new Set(
      this.liveIds()
        .map((x) => table.get(x))
        .filter((c): c is Contact => c !== undefined)
        .sort((a, b) => compareDistance(table.own, a.bytes, b.bytes))
        .slice(0, this.nearConnections)
        .map((c) => c.id),
    );
    const perBucket = new Map<number, number>();
    const bucketOf = (id: NodeId): number => (table.get(id) ? table.bucketIndex(id) : -1);
    for (const id of this.live.keys()) perBucket.set(bucketOf(id), (perBucket.get(bucketOf(id)) ?? 0) + 1);
    const anchors = new Set(this.anchorIds());
    const kept = (id: NodeId): boolean => this.isLifeline(id) || anchors.has(id);
    const candidates = [...this.live]
      .filter(([id, link]) => !link.pinned && id !== protect && !(spareLifelines && kept(id)))
      .map(([id, link]) => ({
        id,
        since: link.since,
        bucket: bucketOf(id),
        near: near.has(id),
        lifeline: kept(id),
        relayed: link.relayed === true,
      }));
    const out: NodeId[] = [];
    while (over > 0 && candidates.length > 0) {
      // Lifelines, anchors and near-set links go last, relayed links first (every relayed byte costs the
      // relay's operator); among the rest, crowded buckets and young links first.
      candidates.sort(
        (a, b) =>
          Number(a.lifeline) - Number(b.lifeline) ||
          Number(b.relayed) - Number(a.relayed) ||
          Number(a.near) - Number(b.near) ||
          (perBucket.get(b.bucket) ?? 0) - (perBucket.get(a.bucket) ?? 0) ||
          b.since - a.since,
      );
      const victim = candidates.shift() as { id: NodeId; bucket: number };
      perBucket.set(victim.bucket, (perBucket.get(victim.bucket) ?? 1) - 1);
      out.push(victim.id);
      over--;
    }
    return out;
  }

  private admittedCount(): number {
    let n = 0;
    for (const req of this.pending.values()) if (req.inbound) n++;
    return n;
  }

  private count(now: number): void {
    this.opened.push(now);
    this.openedTotal++;
  }
}
