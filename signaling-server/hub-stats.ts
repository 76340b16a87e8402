import type { HubStoreHealth } from './hub-store.js';

/** Counters served at GET /stats. */
export interface HubStats {
  /** Open sockets, registered or not. */
  connections: number;
  /** Peers registered on this process's sockets. */
  peers: number;
  /** Swarms with at least one member, across every process sharing the hub store. */
  swarms: number;
  /** Messages received (including dropped and invalid ones). */
  messagesReceived: number;
  /** Messages sent to tabs: challenges, replies, relayed signals and errors. */
  messagesSent: number;
  /** Successful first registrations of a socket (a peer id taken). */
  registrations: number;
  /** `signal` messages delivered to their target. */
  messagesRelayed: number;
  /** Error replies sent. */
  errorsSent: number;
  /** Error replies sent, by error code. */
  errorsByCode: Record<string, number>;
  /** Messages dropped by the rate limiter. */
  messagesDropped: number;
  /** Sockets closed for not answering a ping. */
  socketsReaped: number;
  /** Sockets closed for not registering within the register deadline. */
  registerTimeouts: number;
  /** Sockets refused at connect: the server or their address was full. */
  socketsRefused: number;
  /** Unexpected errors contained by closing the one socket they came from. */
  internalErrors: number;
  /** `register`s refused for a missing or wrong proof of the peer id. */
  proofsRefused: number;
  /** Sockets closed because another socket proved their peer id's key (the key holder wins). */
  peersSuperseded: number;
  /** Peer ids announced over the WebTorrent tracker protocol. */
  webtorrentPeers: number;
  /** WebTorrent offers relayed to a swarm member, and answers relayed back. */
  webtorrentOffersRelayed: number;
  webtorrentAnswersRelayed: number;
  /** Where registrations and swarms live: `memory` (this process alone) or `redis` (shared). */
  hubStore: 'memory' | 'redis';
  /** 1 while the hub store is reachable; 0 while this process serves its own sockets alone. */
  hubStoreUp: 0 | 1;
  /** Times this process wrote its registrations and swarms back to the store after an outage. */
  hubStoreResyncs: number;
  /** Store commands that failed (answered from this process's own state instead). */
  hubStoreErrors: number;
  /** Signals sent to peers on other processes, and received from them for peers here. */
  relaysToOtherProcesses: number;
  relaysFromOtherProcesses: number;
  /** Registered peers across every process (the store's count, as of its last lease renewal). */
  clusterPeers: number;
}

/** The hub store's figures as /stats shows them. */
export function hubStoreStats(
  h: HubStoreHealth,
): Pick<
  HubStats,
  | 'hubStore'
  | 'hubStoreUp'
  | 'hubStoreResyncs'
  | 'hubStoreErrors'
  | 'relaysToOtherProcesses'
  | 'relaysFromOtherProcesses'
  | 'clusterPeers'
> {
  return {
    hubStore: h.kind,
    hubStoreUp: h.up,
    hubStoreResyncs: h.resyncs,
    hubStoreErrors: h.errors,
    relaysToOtherProcesses: h.relaysOut,
    relaysFromOtherProcesses: h.relaysIn,
    clusterPeers: h.clusterPeers,
  };
}

/** The hub's own counters (the rest of HubStats is read from sessions, the trackers and the store). */
export function newHubCounters() {
  return {
    messagesReceived: 0,
    messagesSent: 0,
    registrations: 0,
    messagesRelayed: 0,
    errorsSent: 0,
    messagesDropped: 0,
    socketsReaped: 0,
    registerTimeouts: 0,
    socketsRefused: 0,
    internalErrors: 0,
    proofsRefused: 0,
    peersSuperseded: 0,
  } satisfies Partial<HubStats>;
}
