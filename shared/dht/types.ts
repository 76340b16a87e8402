import type { Random } from '../random.js';
import type { NodeId, IdLike } from './node-id.js';
import type { DhtSigner, DhtVerifier } from './origin-proof.js';
import type { KeywordRecord } from '../search/keyword-record.js';
import type { KeywordStoreOptions } from '../search/keyword-store.js';

/** Options of a DhtNode; every duration is in milliseconds. */
export interface DhtOptions {
  /** Our 20-byte node id. */
  id: IdLike;
  random: Random;
  /** Bucket size and replication factor (default 20). */
  k?: number;
  /** Lookup parallelism of upkeep and stores (default 3). */
  alpha?: number;
  /** Lookup parallelism of find_node, get_peers, get and search, which a person waits for (default 16). */
  interactiveAlpha?: number;
  /** Hard cap on live DHT links, pinned ones included (default 40). */
  maxConnections?: number;
  /** The DHT opens links on its own only while live + pending is below this (default 30). */
  targetConnections?: number;
  /** Closest contacts to the own id kept connected (default 8). */
  nearConnections?: number;
  /** Live links wanted per bucket (default 2). */
  bucketConnections?: number;
  /** Links opened, in or out, in a sliding hour (default 100). */
  maxConnectsPerHour?: number;
  /** Links opened over the node's life (default 400; Chromium stops near 500 per tab). */
  maxConnectsLifetime?: number;
  /** Links we asked for that never opened, per sliding hour, before the DHT stops asking (default 20). */
  maxFailedConnectsPerHour?: number;
  /** Links we asked for that never opened, over the node's life, before the DHT stops asking (default 100). */
  maxFailedConnectsLifetime?: number;
  /**
   * Links kept to super-peers, as FastTrack's ordinary nodes keep one to a supernode: never
   * closed to make room, asked for first when missing (default 1; see LinkOptions.anchorLinks).
   */
  anchorLinks?: number;
  /**
   * This node is a super-peer (`SUPER_PEER_DHT`): it says so on each new link (a ping with
   * `sp`), and the peer keeps that link as an anchor.
   */
  superPeer?: boolean;
  /** Bootstrap contacts asked for a link at first (default 3). */
  bootstrapConnections?: number;
  /** Ids after the origin in a source route: relays + destination (default 8, so at most 7 relays). */
  maxRouteLength?: number;
  /** Timeout of a query over a direct link (default 2000). */
  rpcTimeoutMs?: number;
  /** Added to the timeout for each relay on the route (default 1000). */
  relayHopTimeoutMs?: number;
  /** A 'connect' that has not produced connected() by then is given up (default 20 s). */
  connectTimeoutMs?: number;
  /** Token secret rotation; tokens are accepted for two periods (default 5 min). */
  tokenRotateMs?: number;
  /** Stored value lifetime (default 24 h). */
  valueTtlMs?: number;
  /** Stored announcement lifetime (default 30 min). */
  announceTtlMs?: number;
  /** Origin republishes its values this often (default 1 h). */
  valueRepublishMs?: number;
  /** Origin re-announces this often (default 15 min). */
  announceRepublishMs?: number;
  /** A bucket without traffic this long is refreshed (default 1 h). */
  bucketRefreshMs?: number;
  /** A full bucket keeps its least-recently-seen contact without a ping if seen this recently (default 15 min). */
  questionableAfterMs?: number;
  /** Housekeeping period: expiry, refresh, republish, link upkeep (default 60 s). */
  maintenanceIntervalMs?: number;
  /** Envelopes a link may ask us to relay per second before we drop them (default 200). */
  maxRelayPerSecond?: number;
  /**
   * Queries that came through relays we answer per second, at most, when we sign (each answer
   * costs an Ed25519 signature); past it they get error 202 and are not handled (default 100).
   */
  maxSignedAnswersPerSecond?: number;
  /** Disjoint paths per lookup (S/Kademlia), each node queried by one path at most (default 1). */
  lookupPaths?: number;
  /** Caps of the keyword store (search records stored here); see KeywordStore. */
  keywordStore?: KeywordStoreOptions;
  /** Signs the node's overlay signals and stores with its identity's key; without one they go unsigned. */
  signer?: DhtSigner;
  /**
   * Checks the proofs of incoming overlay signals, announces and puts; with one, such a query
   * without a valid proof from its claimed origin is refused, so every node of a network should
   * have both or neither.
   */
  verifier?: DhtVerifier;
}

/** What the host must do: the DHT node's outputs, taken with `poll()`; carry them out in order. */
export type DhtAction =
  /** Send `data` on the DHT data channel of `to` (always a live link). */
  | { type: 'send'; to: NodeId; data: Uint8Array }
  /** Open a link to `to`: signal through the overlay (sendSignal) if hasRouteTo(to), else the server. */
  | { type: 'connect'; to: NodeId }
  /** Close the link to `to`; the node already forgot it. */
  | { type: 'disconnect'; to: NodeId; reason: string }
  /** A WebRTC signal (offer/answer/candidate) for us from `from`. */
  | { type: 'signal'; from: NodeId; payload: Uint8Array }
  | { type: 'event'; event: DhtEvent };

export type LookupKind =
  | 'find_node'
  | 'get_peers'
  | 'announce'
  | 'put'
  | 'get'
  | 'join'
  | 'refresh'
  | 'republish'
  | 'publish'
  | 'search';

/** The result of a lookup (and of the stores that follow it for announce/put). */
export interface LookupDone {
  type: 'lookup-done';
  queryId: number;
  kind: LookupKind;
  /** Target id, info-hash or key. */
  target: NodeId;
  /** Closest nodes that answered, closest first (up to k). */
  closest: NodeId[];
  /** get_peers/announce: peers (node ids) found. */
  peers?: NodeId[];
  /** get: the value, verified against the key. */
  value?: Uint8Array;
  /** search: every record found, checked (signature, keyword, filters). */
  records?: KeywordRecord[];
  /** announce/put/republish: nodes that accepted the store. */
  stored?: number;
  /** Queries sent (lookup and stores). */
  rpcs: number;
  /** Queries that failed (timeout, unreachable, error). */
  timeouts: number;
  /** Depth of the lookup (rounds of iteration). */
  rounds: number;
  startedAt: number;
  durationMs: number;
}

export type DhtEvent =
  | LookupDone
  /** A search (queryId) got new records from one node; more may follow until its lookup-done. */
  | { type: 'search-records'; queryId: number; records: KeywordRecord[] }
  /** The own-id lookup of the join finished. */
  | { type: 'joined'; closest: NodeId[] }
  /** A signal could not be delivered through the overlay; fall back to the server. */
  | { type: 'signal-failed'; to: NodeId; reason: string }
  /**
   * No live link and no contact left to try: ask the server for fresh bootstrap contacts and
   * call bootstrap() (also emitted when the connection budget is exhausted: `reason`).
   */
  | { type: 'need-contacts'; reason: string }
  /** connectTo() was refused. */
  | { type: 'connect-refused'; to: NodeId; reason: 'budget' | 'rate' | 'lifetime' }
  /** A frame or message was dropped (malformed, oversized, unexpected, relay failure). */
  | { type: 'message-dropped'; from: NodeId; reason: string };

/** The DHT node's one output union (the machine contract's name for {@link DhtAction}). */
export type DhtOutput = DhtAction;

/** One contact in the snapshot. */
export interface ContactView {
  id: NodeId;
  lastSeen: number;
  failures: number;
  connected: boolean;
  /** Ids after us on the route (1 = direct link); undefined if no usable route. */
  routeLength?: number;
  /** The route itself: relays, then the contact. */
  route?: NodeId[];
}

/** State for the page's DHT panel and for tests. */
export interface DhtSnapshot {
  id: NodeId;
  k: number;
  joined: boolean;
  buckets: { index: number; lastChanged: number; contacts: ContactView[] }[];
  connections: {
    live: NodeId[];
    pinned: NodeId[];
    pending: NodeId[];
    /** Live links to super-peers kept as anchors (see DhtOptions.anchorLinks). */
    anchors: NodeId[];
    max: number;
    target: number;
    openedLastHour: number;
    openedTotal: number;
    hourlyCap: number;
  };
  lookups: {
    queryId: number;
    kind: LookupKind;
    target: NodeId;
    inflight: number;
    rpcs: number;
    rounds: number;
  }[];
  store: { values: number; infoHashes: number; peers: number };
  counters: DhtCounters;
}

/** Running totals. */
export interface DhtCounters {
  framesIn: number;
  framesOut: number;
  queriesIn: number;
  queriesOut: number;
  relayed: number;
  dropped: number;
  timeouts: number;
  signalsIn: number;
  /** Signals refused for a missing or bad proof of origin (also counted in `dropped`). */
  signalsRefused: number;
  /** Announces and puts refused for a missing or bad proof of origin (also counted in `dropped`). */
  storesRefused: number;
  /** Answers that came through relays and whose responder's proof a verifier checked (one verify each). */
  answersChecked: number;
  /** Of those, answers taken as no answer for a missing or bad proof (also counted in `dropped`). */
  answersRefused: number;
}
