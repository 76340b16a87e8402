import { SUPER_PEER_DHT } from '../shared/dht/index.js';
import type { NodeOptions } from '../client/src/lib/tabswarm-node.js';

/**
 * `tabswarm seed --super`: a long-lived peer with a larger link budget, a stable DHT contact and
 * relay for the tabs around it (the DHT settings are the shared policy, shared/dht/super-peer.ts).
 */
export const SUPER_PEER_OPTIONS: Pick<NodeOptions, 'connectionBudget' | 'dht'> = {
  connectionBudget: SUPER_PEER_DHT.maxConnections as number,
  dht: { ...SUPER_PEER_DHT },
};
