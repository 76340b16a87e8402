import { SUPER_PEER_DHT } from '../shared/dht/index.js';
import { runSuperPeer } from './baselines/super-peer.js';
import type { BaselineResult } from './baselines/baseline-result.js';
import { runDhtSim, successRate, type DhtSimResult } from './dht-sim.js';
import { fmt, pct, table } from './stats.js';

/** Median life of a short-lived tab (opened for one download, then closed). */
export const SHORT_LIFE_MEDIAN_MS = 10 * 60_000;
/** Super-peers in the comparison. */
export const SUPER_PEER_COUNT = 10;
const PHASE_MS = 20 * 60_000;

/**
 * The churn fraction that gives tabs exponential lives with median `medianMs`: departures are
 * uniform over 90 % of the phase, each picking a random live tab (memoryless), so each tab leaves
 * at rate 1 / mean, mean = median / ln 2.
 */
export function churnForMedianLife(medianMs: number, phaseMs = PHASE_MS): number {
  return (0.9 * phaseMs) / (medianMs / Math.LN2);
}

/** One row of the comparison. */
export interface SuperPeerRow {
  overlay: string;
  superPeers: number;
  getSuccess: number;
  findNodeSuccess: number;
  getPeersSuccess: number;
  /** Frames per RPC: 1 over a direct link, one more per relay on the way (the relay path length). */
  framesPerRpc: number;
  /** Messages (frames) per get lookup. */
  messagesPerGet: number;
}

function dhtRow(r: DhtSimResult): SuperPeerRow {
  const p = r.phases.find((x) => x.phase === 'churn') ?? (r.phases[0] as DhtSimResult['phases'][number]);
  return {
    overlay: 'Kademlia (this code)',
    superPeers: r.superPeers,
    getSuccess: successRate(p.get),
    findNodeSuccess: successRate(p.findNode),
    getPeersSuccess: successRate(p.getPeers),
    framesPerRpc: p.framesPerRpc,
    messagesPerGet: p.get.rpcs * p.framesPerRpc,
  };
}

function baselineRow(b: BaselineResult): SuperPeerRow {
  return {
    overlay: `${b.overlay} (baseline)`,
    superPeers: Math.round(b.nodes / 31),
    getSuccess: b.success,
    findNodeSuccess: Number.NaN,
    getPeersSuccess: Number.NaN,
    framesPerRpc: b.hopsPerLookup,
    messagesPerGet: b.messagesPerLookup,
  };
}

/**
 * `nodes` tabs living a median of 10 minutes, without and with {@link SUPER_PEER_COUNT}
 * super-peers (long-lived, {@link SUPER_PEER_DHT} link budget), and the FastTrack-style
 * super-peer index under the same churn.
 */
export function runSuperPeerComparison(
  nodes: number,
  seed: number,
  progress: (line: string) => void = () => {},
): SuperPeerRow[] {
  const churnFraction = churnForMedianLife(SHORT_LIFE_MEDIAN_MS);
  const rows: SuperPeerRow[] = [];
  for (const superPeers of [0, SUPER_PEER_COUNT]) {
    const r = runDhtSim({
      nodes,
      seed,
      churnFraction,
      phaseMs: PHASE_MS,
      superPeers,
      superPeerDht: SUPER_PEER_DHT,
      superPeerMaxLive: SUPER_PEER_DHT.maxConnections as number,
      progress,
    });
    rows.push(dhtRow(r));
  }
  rows.push(baselineRow(runSuperPeer({ nodes, seed, lookups: 200, churnFraction, rounds: 20 })));
  return rows;
}

/** Prints the comparison as `npm run sim -- --only superpeers` shows it. */
export function printSuperPeerComparison(nodes: number, rows: readonly SuperPeerRow[]): void {
  const cell = (v: number, f: (x: number) => string): string => (Number.isNaN(v) ? '-' : f(v));
  console.log(
    `\nShort-lived tabs (N = ${nodes}, median life ${SHORT_LIFE_MEDIAN_MS / 60_000} min) without and with ${SUPER_PEER_COUNT} super-peers`,
  );
  console.log(
    table(
      [
        'overlay',
        'super-peers',
        'get',
        'find_node exact',
        'get_peers',
        'frames/RPC (relay path)',
        'msgs/get',
      ],
      rows.map((r) => [
        r.overlay,
        String(r.superPeers),
        pct(r.getSuccess),
        cell(r.findNodeSuccess, (x) => pct(x)),
        cell(r.getPeersSuccess, (x) => pct(x)),
        fmt(r.framesPerRpc, 2),
        fmt(r.messagesPerGet, 1),
      ]),
    ),
  );
  console.log(
    '  Kademlia rows: the churn phase (20 min; tabs leave and join at the rate of a 10-minute median life). Frames/RPC is 1\n' +
      '  over a direct link and one more per relay. The baseline is the super-peer index under the same churn; its\n' +
      '  frames/RPC column is hops per lookup.',
  );
}
