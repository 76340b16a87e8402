import type { DhtOptions } from './types.js';

/**
 * A super-peer's DHT settings: a long-lived node (a server, a laptop left on) keeps many more
 * links than a tab (Chromium's ~500 connections per tab over its life do not bind it), so it is a
 * contact most tabs have a link to and a relay that stays, as FastTrack's super-peers were.
 */
export const SUPER_PEER_DHT: Readonly<
  Pick<
    DhtOptions,
    | 'maxConnections'
    | 'targetConnections'
    | 'nearConnections'
    | 'bucketConnections'
    | 'maxConnectsPerHour'
    | 'maxConnectsLifetime'
    | 'superPeer'
    | 'bucketRefreshMs'
    | 'maintenanceIntervalMs'
  >
> = {
  // It tells each new link so: tabs keep their link to it (an anchor) when they trim theirs.
  superPeer: true,
  // It looks around far more often than a tab (a stale bucket is refreshed after a minute, checked
  // every 20 s): its queries tell tabs it hears of that it is there, and they link to it.
  bucketRefreshMs: 60_000,
  maintenanceIntervalMs: 20_000,
  maxConnections: 200,
  targetConnections: 150,
  // It wants links across the id space, not only the few a tab keeps: many per bucket.
  nearConnections: 32,
  bucketConnections: 16,
  // Tabs come and go around it all day: it reopens links far more often than a tab may.
  maxConnectsPerHour: 3000,
  maxConnectsLifetime: 1_000_000,
};
