import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServerStats } from './server.js';

/** Stats that count things now (gauges), by metric name. */
const GAUGES = {
  tabswarm_sockets: ['connections', 'Open WebSockets, registered or not.'],
  tabswarm_peers: ['peers', 'Registered peer ids.'],
  tabswarm_swarms: ['swarms', 'Swarms (info-hashes) with at least one member on the tracker.'],
  tabswarm_webtorrent_peers: ['webtorrentPeers', 'Peer ids announced over the WebTorrent tracker protocol.'],
  tabswarm_hub_store_up: ['hubStoreUp', '1 while the hub store (Redis) is reachable; 0 while serving alone.'],
  tabswarm_cluster_peers: ['clusterPeers', 'Registered peer ids across every process sharing the hub store.'],
} as const satisfies Record<string, [keyof ServerStats, string]>;

/** Stats that only grow (counters), by metric name. */
const COUNTERS = {
  tabswarm_registrations_total: ['registrations', 'Sockets that registered a peer id.'],
  tabswarm_messages_received_total: [
    'messagesReceived',
    'Messages received from tabs, dropped ones included.',
  ],
  tabswarm_messages_sent_total: ['messagesSent', 'Messages sent to tabs.'],
  tabswarm_messages_relayed_total: ['messagesRelayed', 'signal messages delivered to their target.'],
  tabswarm_rate_limit_drops_total: ['messagesDropped', 'Messages dropped by the rate limits.'],
  tabswarm_sockets_reaped_total: ['socketsReaped', 'Sockets closed for not answering a ping.'],
  tabswarm_register_timeouts_total: ['registerTimeouts', 'Sockets closed for not registering in time.'],
  tabswarm_sockets_refused_total: [
    'socketsRefused',
    'Sockets refused because the server or their address was full.',
  ],
  tabswarm_internal_errors_total: [
    'internalErrors',
    'Unexpected errors, each contained by closing one connection.',
  ],
  tabswarm_bad_requests_total: ['badRequests', 'HTTP requests answered 400, 408 or 431.'],
  tabswarm_origins_refused_total: ['originsRefused', 'WebSocket upgrades refused for their Origin.'],
  tabswarm_proofs_refused_total: ['proofsRefused', 'register messages refused for a missing or wrong proof.'],
  tabswarm_webtorrent_offers_relayed_total: [
    'webtorrentOffersRelayed',
    'WebTorrent offers relayed to a swarm member.',
  ],
  tabswarm_webtorrent_answers_relayed_total: [
    'webtorrentAnswersRelayed',
    'WebTorrent answers relayed back to the offer’s peer.',
  ],
  tabswarm_hub_store_resyncs_total: [
    'hubStoreResyncs',
    'Times this process wrote its registrations back to the hub store after an outage.',
  ],
  tabswarm_hub_store_errors_total: ['hubStoreErrors', 'Hub store commands that failed.'],
  tabswarm_relays_to_other_processes_total: [
    'relaysToOtherProcesses',
    'signal messages handed to another process for its peer.',
  ],
  tabswarm_relays_from_other_processes_total: [
    'relaysFromOtherProcesses',
    'signal messages another process handed to this one.',
  ],
  tabswarm_peers_superseded_total: [
    'peersSuperseded',
    'Sockets closed because another socket proved their key.',
  ],
} as const satisfies Record<string, [keyof ServerStats, string]>;

/** GET /metrics: the Prometheus text exposition of the server. */
export interface Metrics {
  /** The `Content-Type` of {@link Metrics.text}. */
  readonly contentType: string;
  /** Every metric, read from the server's stats at the moment of asking. */
  text(): Promise<string>;
}

/**
 * Builds the server's metrics on its own registry (so two servers in one process do not mix).
 * Every tabswarm metric is read from `stats()` when scraped: /stats and /metrics are one set of
 * counters. prom-client adds the process's own (event-loop lag, memory, CPU, GC).
 */
export function createMetrics(stats: () => ServerStats, ready: () => boolean): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const [name, [key, help]] of Object.entries(GAUGES))
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(stats()[key]);
      },
    });
  for (const [name, [key, help]] of Object.entries(COUNTERS))
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats()[key]);
      },
    });
  new Counter({
    name: 'tabswarm_errors_sent_total',
    help: 'Error replies sent to tabs, by error code (shared/errors.ts).',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(stats().errorsByCode)) this.inc({ code }, n);
    },
  });
  new Gauge({
    name: 'tabswarm_ready',
    help: '1 while the server takes new sockets, 0 while it drains.',
    registers: [registry],
    collect() {
      this.set(ready() ? 1 : 0);
    },
  });
  return { contentType: registry.contentType, text: () => registry.metrics() };
}
