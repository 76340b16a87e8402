import { describe, expect, it } from 'vitest';
import { runChord } from '../../sim/baselines/chord.js';
import { runGnutella } from '../../sim/baselines/gnutella.js';
import { runSuperPeer } from '../../sim/baselines/super-peer.js';
import { simSeed } from '../../sim/seed.js';

describe('baseline overlays', () => {
  const seed = simSeed(77);
  const base = { nodes: 500, seed, lookups: 200, churnFraction: 0, rounds: 10 };

  it('Chord, converged and without churn, routes every key to its successor in O(log N) hops', () => {
    console.log(`baselines seed=${seed}`);
    const r = runChord(base);
    expect(r.success, `seed=${seed}`).toBe(1);
    expect(r.hopsPerLookup, `seed=${seed}`).toBeLessThan(Math.log2(500));
  });

  it('Chord under churn still mostly succeeds, with stabilization repairing the ring', () => {
    const r = runChord({ ...base, churnFraction: 0.2 });
    expect(r.success, `seed=${seed}`).toBeGreaterThan(0.9);
    expect(r.maintenancePerNodeRound, `seed=${seed}`).toBeGreaterThan(0);
  });

  it('Gnutella: flooding finds items at great cost; expanding ring and random walks cost less', () => {
    const flood = runGnutella({ ...base, search: { kind: 'flood', ttl: 7 } });
    const ring = runGnutella({ ...base, search: { kind: 'ring', maxTtl: 7 } });
    const walk = runGnutella({
      ...base,
      search: { kind: 'walk', walkers: 16, checkEvery: 4, maxSteps: 1024 },
    });
    expect(flood.success, `seed=${seed}`).toBe(1);
    expect(ring.success, `seed=${seed}`).toBe(1);
    expect(walk.success, `seed=${seed}`).toBeGreaterThan(0.95);
    expect(ring.messagesPerLookup, `seed=${seed}`).toBeLessThan(flood.messagesPerLookup);
    expect(walk.messagesPerLookup, `seed=${seed}`).toBeLessThan(flood.messagesPerLookup);
  });

  it('a super-peer index answers in a couple of hops with few messages', () => {
    const r = runSuperPeer(base);
    expect(r.success, `seed=${seed}`).toBe(1);
    expect(r.hopsPerLookup, `seed=${seed}`).toBeLessThanOrEqual(4);
    expect(r.messagesPerLookup, `seed=${seed}`).toBeLessThan(100);
  });
});
