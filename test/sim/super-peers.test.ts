import { describe, expect, it } from 'vitest';
import { SUPER_PEER_DHT } from '../../shared/dht/index.js';
import { runDhtSim, successRate } from '../../sim/dht-sim.js';
import { churnForMedianLife, SHORT_LIFE_MEDIAN_MS } from '../../sim/super-peers.js';

describe('super-peers in the simulator', () => {
  it('turns a median life into the churn that gives it', () => {
    // 18 min of departures at rate 1 / (10 min / ln 2) per tab: 1.25 of the population.
    expect(churnForMedianLife(SHORT_LIFE_MEDIAN_MS)).toBeCloseTo(1.2477, 3);
    expect(churnForMedianLife(2 * SHORT_LIFE_MEDIAN_MS)).toBeCloseTo(1.2477 / 2, 3);
  });

  it('keeps the super-peers through heavy churn, with their larger link budget, and lookups still succeed', () => {
    const nodes = 60;
    const run = (superPeers: number) =>
      runDhtSim({
        nodes,
        seed: 3,
        churnFraction: 1.2, // nearly every tab replaced during the churn phase
        warmupMs: 60_000,
        phaseMs: 120_000,
        findNodes: 20,
        gets: 20,
        getPeers: 10,
        values: 5,
        infoHashes: 3,
        superPeers,
        superPeerDht: SUPER_PEER_DHT,
        superPeerMaxLive: SUPER_PEER_DHT.maxConnections as number,
      });
    const r = run(4);
    const without = run(0);
    expect([r.superPeers, without.superPeers]).toEqual([4, 0]);
    const churn = r.phases.find((p) => p.phase === 'churn');
    expect(churn?.left).toBeGreaterThan(nodes); // tabs left; super-peers are never picked
    // Super-peers stay and keep more links than any tab does.
    const tabsOnly = without.phases.find((p) => p.phase === 'churn');
    expect(churn!.liveMax).toBeGreaterThan(tabsOnly!.liveMax);
    expect(successRate(churn!.get)).toBeGreaterThan(0.5);
  }, 60_000);
});
