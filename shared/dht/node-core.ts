import type { Outbox, TimerTable } from '../machine/index.js';
import type { Random } from '../random.js';
import type { LinkManager } from './link-manager.js';
import type { OriginAuth } from './origin-proof.js';
import type { NodeId } from './node-id.js';
import { DEFAULT_MAX_ROUTE_LENGTH } from './relay.js';
import type { RouteBook } from './route-book.js';
import type { RoutingTable } from './routing-table.js';
import type { DhtStore } from './store.js';
import type { KeywordStore } from '../search/keyword-store.js';
import type { DhtAction, DhtCounters, DhtEvent } from './types.js';

/**
 * The DHT node's named timers, all in its one TimerTable:
 * - `rpc` (subject: transaction id) — a pending query's deadline;
 * - `connect` (subject: node id) — a requested or admitted link that has not opened yet;
 * - `maintenance` — the housekeeping tick;
 * - `store-job` (subject: query id) — a put or announce waiting for the join or for its retry.
 */
/**
 * The node's timers: an RPC's deadline, a requested link's, the housekeeping tick, a queued
 * store's retry, and `links`: link upkeep now (a super-peer was heard of while anchors are missing).
 */
export type DhtTimer = 'rpc' | 'connect' | 'maintenance' | 'store-job' | 'links';

/** Durations and limits the node's parts read (DhtOptions with their defaults filled in). */
export interface NodeSettings {
  readonly bootstrapConnections: number;
  readonly maxRouteLength: number;
  readonly rpcTimeoutMs: number;
  readonly relayHopTimeoutMs: number;
  readonly valueRepublishMs: number;
  readonly announceRepublishMs: number;
  readonly bucketRefreshMs: number;
  readonly questionableAfterMs: number;
  readonly maintenanceIntervalMs: number;
  readonly maxRelayPerSecond: number;
  readonly maxSignedAnswersPerSecond: number;
  readonly lookupPaths: number;
  readonly interactiveAlpha: number;
}

/** Bucket size and replication factor by default. */
export const DEFAULT_K = 20;
/** Lookup parallelism by default (upkeep and stores: join, refresh, announce, put, publish). */
export const DEFAULT_ALPHA = 3;
/**
 * Parallelism of the lookups a person waits for (find_node, get_peers, get, search) by default.
 * A lookup ends once the k closest have answered; with 3 in flight those ~24 queries of 2-3 relay
 * hops each ran mostly one after another: at N = 1,000 and 30 ms one-way latency, p50 1.67 s;
 * with 16, p50 0.56 s for 1.7x the queries (docs/dht-design.md, "Lookup latency").
 */
export const DEFAULT_INTERACTIVE_ALPHA = 16;
/** The lookups a person waits for: they run with settings.interactiveAlpha. */
export const INTERACTIVE_LOOKUPS: ReadonlySet<string> = new Set(['find_node', 'get_peers', 'get', 'search']);
/**
 * Disjoint paths per lookup by default (S/Kademlia; see Lookup). One: with 20 % colluding nodes
 * at N = 1,000 plain lookups found 98 % of honest values, three paths 100 %, for three times the
 * queries on every lookup (docs/dht-design.md, "Trust"). Networks expecting attackers set 3.
 */
export const DEFAULT_LOOKUP_PATHS = 1;
/** Defaults of the durations and limits in DhtOptions that the node reads itself. */
export const DEFAULT_SETTINGS: NodeSettings = {
  bootstrapConnections: 3,
  maxRouteLength: DEFAULT_MAX_ROUTE_LENGTH,
  rpcTimeoutMs: 2000,
  relayHopTimeoutMs: 1000,
  valueRepublishMs: 3_600_000,
  announceRepublishMs: 15 * 60_000,
  bucketRefreshMs: 3_600_000,
  questionableAfterMs: 15 * 60_000,
  maintenanceIntervalMs: 60_000,
  maxRelayPerSecond: 200,
  // About a tenth of a core for Ed25519 signatures (1,100-1,600 a second measured here); a node
  // answers well under one relayed query a second in the 1,000-node simulation.
  maxSignedAnswersPerSecond: 100,
  lookupPaths: DEFAULT_LOOKUP_PATHS,
  interactiveAlpha: DEFAULT_INTERACTIVE_ALPHA,
};
/** Token secret rotation by default. */
export const DEFAULT_TOKEN_ROTATE_MS = 5 * 60_000;

/**
 * What the parts of one DHT node (RPC table, lookup runner, store jobs, join) share: its id, its
 * state (routing table, links, routes, store), its output queue and its one timer table.
 */
export interface NodeCore {
  readonly id: NodeId;
  readonly own: Uint8Array;
  readonly k: number;
  readonly alpha: number;
  readonly random: Random;
  readonly settings: NodeSettings;
  /** A super-peer says so in every ping it sends (`sp`), so peers keep a link to it as an anchor. */
  readonly superPeer: boolean;
  readonly table: RoutingTable;
  readonly links: LinkManager;
  readonly routes: RouteBook;
  readonly store: DhtStore;
  /** Keyword records others stored here (search). */
  readonly keywords: KeywordStore;
  /** Proves the origin of our signals and stores, and checks those of others. */
  readonly origins: OriginAuth;
  readonly out: Outbox<DhtAction>;
  readonly timers: TimerTable<DhtTimer>;
  readonly counters: DhtCounters;
  readonly isLive: (id: NodeId) => boolean;
  /** A fresh id for an operation (lookup or store), shared by lookups and queued stores. */
  newQueryId(): number;
}

/**
 * `id` said it is a super-peer, over its own link (`direct`) or not. A node without its anchor
 * links asks it for one at once, not at the next housekeeping tick.
 */
export function heardOfSuperPeer(core: NodeCore, id: NodeId, direct: boolean, now: number): void {
  if (id !== core.id && core.links.noteSuperPeer(id, direct)) core.timers.set('links', now);
}

/** Queues a DHT event for the host. */
export function emit(core: NodeCore, event: DhtEvent): void {
  core.out.push({ type: 'event', event });
}

/** Counters of a new node, all zero. */
export function emptyCounters(): DhtCounters {
  return {
    framesIn: 0,
    framesOut: 0,
    queriesIn: 0,
    queriesOut: 0,
    relayed: 0,
    dropped: 0,
    timeouts: 0,
    signalsIn: 0,
    signalsRefused: 0,
    storesRefused: 0,
    answersChecked: 0,
    answersRefused: 0,
  };
}
