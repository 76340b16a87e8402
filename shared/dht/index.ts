/** The Kademlia DHT for browser tabs: sans-I/O node, its parts, and their types. */
export { DhtNode } from './dht-node.js';
export type {
  ContactView,
  DhtAction,
  DhtCounters,
  DhtEvent,
  DhtOptions,
  DhtOutput,
  DhtSnapshot,
  LookupDone,
  LookupKind,
} from './types.js';
export type { IdLike, NodeId } from './node-id.js';
export { ID_BYTES, commonPrefixLength, compareDistance, idBytes, toNodeId, xorDistance } from './node-id.js';
export { RoutingTable } from './routing-table.js';
export type { AddResult, Bucket, Contact } from './routing-table.js';
export { Lookup } from './lookup.js';
export { TokenManager } from './token-manager.js';
export { DhtStore } from './store.js';
export { MAX_DHT_MESSAGE, MAX_SIGNAL_BYTES, MAX_VALUE_BENCODED, decodeKrpc, encodeKrpc } from './krpc.js';
export type { KrpcMessage, KrpcQuery } from './krpc.js';
export { SUPER_PEER_DHT } from './super-peer.js';
