import { constant, type Distribution } from './distributions.js';

/** The simulated network's public shapes: node handlers, options, counters (see network.ts). */

/** Node ids in the simulated network (hex node ids for the DHT, names for swarms). */
export type NodeId = string;

/** Why a connection attempt failed or a link closed. */
export type LinkCloseReason =
  | 'closed' // the other side closed it
  | 'left' // the other side left the network
  | 'refused-cap' // one side was at its live-connection cap
  | 'refused-lifetime' // one side used up its lifetime connection budget
  | 'unreachable' // the other side is not in the network
  | 'duplicate'; // a link (or attempt) already exists between the two

/** What the network calls on a node. */
export interface NodeHandlers {
  /** A connection is open (both sides get this at the same instant). */
  connected(peer: NodeId): void;
  /** An open connection closed; `reason` says why. Not called on the side that closed it. */
  disconnected(peer: NodeId, reason: LinkCloseReason): void;
  /** A message arrived on `channel`. */
  receive(peer: NodeId, data: Uint8Array, channel: string): void;
  /** A connection this node asked for did not open. */
  connectFailed?(peer: NodeId, reason: LinkCloseReason): void;
  /** Everything queued to `peer` has left the uplink (the channel's buffered amount is zero). */
  drained?(peer: NodeId): void;
}

/** Per-node limits; unset fields take the network defaults. */
export interface NodeOptions {
  /** Upload bandwidth in bytes per second (Infinity = unlimited). */
  upload?: number;
  /** Download bandwidth in bytes per second. */
  download?: number;
  /** Most live connections at once. */
  maxLive?: number;
}

/** Network-wide parameters. */
export interface NetworkOptions {
  /** One-way latency of a link in ms, drawn once per connection (so a link stays FIFO). */
  latency: Distribution;
  /** Drop probability for messages sent with `lossy: true` (DHT datagrams). Streams never lose. */
  loss: number;
  /** Fixed connection setup cost in ms (offer, ICE, DTLS, SCTP), on top of two one-way latencies. */
  setupMs: number;
  /** Default live-connection cap per node. */
  maxLive: number;
  /** Connections a node may ever open (Chromium: ~500 RTCPeerConnections per tab lifetime). */
  lifetimeLimit: number;
  /** Default upload and download bandwidth, bytes per second. */
  upload: number;
  download: number;
  /** Bytes added to every message on the wire (framing); counts against bandwidth. */
  overheadBytes: number;
}

export const defaultNetworkOptions: NetworkOptions = {
  latency: constant(20),
  loss: 0,
  setupMs: 140,
  maxLive: 40,
  lifetimeLimit: 500,
  upload: Number.POSITIVE_INFINITY,
  download: Number.POSITIVE_INFINITY,
  overheadBytes: 0,
};

/** Counters for one node. */
export interface NodeStats {
  /** Connections this node took part in since it joined (both directions). */
  opened: number;
  /** Highest number of simultaneous live connections. */
  maxLive: number;
  bytesSent: number;
  bytesReceived: number;
  /** Bytes this node sent that reached the other end (sent bytes still queued or lost excluded). */
  bytesDelivered: number;
  messagesSent: number;
  messagesReceived: number;
  /** Connection attempts refused for the cap or lifetime budget, as initiator or responder. */
  refused: number;
}

/** Network-wide counters. */
export interface NetworkStats {
  messagesSent: number;
  messagesDelivered: number;
  messagesLost: number;
  /** Messages dropped because the link closed while they were in flight. */
  messagesDroppedClosed: number;
  bytesSent: number;
  connectionsOpened: number;
  connectionsRefused: number;
}
