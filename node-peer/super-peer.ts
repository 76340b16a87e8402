import type { NodeOptions } from '../client/src/lib/tabswarm-node.js';

/**
 * A super-peer: a long-lived peer (a server, a laptop left on) with a larger link budget than a
 * tab, so it stays a stable DHT contact and relay for the tabs around it (FastTrack's super-peers;
 * Kademlia prefers old contacts). A Node process is not bound by Chromium's ~500 connections per tab.
 */
export const SUPER_PEER_OPTIONS: Pick<NodeOptions, 'connectionBudget' | 'dht'> = {
  connectionBudget: 200,
  dht: { maxConnections: 200, targetConnections: 64 },
};
