import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { Choker } from '../../../shared/swarm/choker.js';
import type { ChokeCandidate } from '../../../shared/swarm/choker.js';

function peer(key: string, downloadRate: number, extra: Partial<ChokeCandidate> = {}): ChokeCandidate {
  return { key, interested: true, downloadRate, uploadRate: 0, connectedAt: -1_000_000, snubbed: false, ...extra };
}

const regular = (unchoked: Set<string>, optimistic: string | undefined): string[] =>
  [...unchoked].filter((k) => k !== optimistic).sort();

describe('Choker', () => {
  it('unchokes the 3 best uploaders to us every 10 s, plus one optimistic', () => {
    const choker = new Choker({ random: seededRandom(1) });
    const peers = [peer('a', 100), peer('b', 500), peer('c', 300), peer('d', 50), peer('e', 400), peer('f', 10)];
    const d = choker.round(peers, 0, false);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['b', 'c', 'e']);
    expect(d.optimistic).toBeDefined();
    expect(['a', 'd', 'f']).toContain(d.optimistic);
    expect(d.unchoked.size).toBe(4);
    expect(choker.nextTimeout()).toBe(10_000);

    // Rates change: the next round follows them.
    peers[0] = peer('a', 1000);
    const d2 = choker.round(peers, 10_000, false);
    expect(regular(d2.unchoked, d2.optimistic)).toEqual(['a', 'b', 'e']);
    expect(choker.nextTimeout()).toBe(20_000);
  });

  it('leaves uninterested peers choked', () => {
    const choker = new Choker({ random: seededRandom(2) });
    const d = choker.round([peer('a', 100, { interested: false }), peer('b', 1)], 0, false);
    expect([...d.unchoked]).toEqual(['b']);
  });

  it('rotates the optimistic unchoke every 30 s, not every round', () => {
    const choker = new Choker({ random: seededRandom(3) });
    const peers = [peer('a', 900), peer('b', 800), peer('c', 700), peer('x', 0), peer('y', 0), peer('z', 0)];
    const first = choker.round(peers, 0, false).optimistic;
    expect(choker.round(peers, 10_000, false).optimistic).toBe(first);
    expect(choker.round(peers, 20_000, false).optimistic).toBe(first);
    const rotated = choker.round(peers, 30_000, false).optimistic;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(first);
  });

  it('favours new peers 3x for the optimistic unchoke', () => {
    let newPicked = 0;
    const trials = 2000;
    for (let seed = 0; seed < trials; seed++) {
      const choker = new Choker({ random: seededRandom(seed), slots: 0 });
      const peers = [peer('old1', 0), peer('old2', 0), peer('old3', 0), peer('new', 0, { connectedAt: 50_000 })];
      if (choker.round(peers, 60_000, false).optimistic === 'new') newPicked++;
    }
    // Weight 3 of a total of 6: about half.
    expect(newPicked / trials).toBeGreaterThan(0.42);
    expect(newPicked / trials).toBeLessThan(0.58);
  });

  it('takes the regular slot from a snubbing peer', () => {
    const choker = new Choker({ random: seededRandom(4) });
    const peers = [peer('a', 1000, { snubbed: true }), peer('b', 500), peer('c', 300), peer('d', 200)];
    const d = choker.round(peers, 0, false);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['b', 'c', 'd']);
    // It can still be the optimistic unchoke, the only one left.
    expect(d.optimistic).toBe('a');
  });

  it('as a seed, ranks by our upload rate to them', () => {
    const choker = new Choker({ random: seededRandom(5) });
    const peers = [
      peer('a', 0, { uploadRate: 10 }),
      peer('b', 0, { uploadRate: 900 }),
      peer('c', 0, { uploadRate: 800 }),
      peer('d', 999, { uploadRate: 1 }),
      peer('e', 0, { uploadRate: 700 }),
    ];
    const d = choker.round(peers, 0, true);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['b', 'c', 'e']);
  });

  it('fills free slots at once between rounds, and respects the slot count', () => {
    const choker = new Choker({ random: seededRandom(6), slots: 2 });
    let d = choker.fill([peer('a', 0)], 0, false);
    expect([...d.unchoked]).toEqual(['a']);
    expect(choker.nextTimeout()).toBe(10_000);
    d = choker.fill([peer('a', 0), peer('b', 0), peer('c', 0), peer('d', 0)], 1000, false);
    expect(d.unchoked.size).toBe(3); // 2 regular + 1 optimistic
    choker.removePeer('a');
    d = choker.fill([peer('b', 0), peer('c', 0), peer('d', 0)], 2000, false);
    expect(d.unchoked.size).toBe(3);
  });
});
