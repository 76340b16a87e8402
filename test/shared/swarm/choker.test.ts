import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { Choker, OPTIMISTIC_INTERVAL, ROUND_INTERVAL, TRIAL_INTERVAL } from '../../../shared/swarm/choker.js';
import type { ChokeCandidate } from '../../../shared/swarm/choker.js';

function peer(key: string, downloadRate: number, extra: Partial<ChokeCandidate> = {}): ChokeCandidate {
  return {
    key,
    interested: true,
    downloadRate,
    uploadRate: 0,
    connectedAt: -1_000_000,
    snubbed: false,
    ...extra,
  };
}

const regular = (unchoked: Set<string>, optimistic: string | undefined): string[] =>
  [...unchoked].filter((k) => k !== optimistic).sort();

describe('Choker', () => {
  it('unchokes the 3 best uploaders to us every 10 s, plus one optimistic', () => {
    const choker = new Choker({ random: seededRandom(1), trialInterval: 60_000 });
    const peers = [
      peer('a', 100),
      peer('b', 500),
      peer('c', 300),
      peer('d', 50),
      peer('e', 400),
      peer('f', 10),
    ];
    const d = choker.round(peers, 0, false);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['b', 'c', 'e']);
    expect(d.optimistic).toBeDefined();
    expect(['a', 'd', 'f']).toContain(d.optimistic);
    expect(d.unchoked.size).toBe(4);
    expect(choker.nextTimeout()).toBe(ROUND_INTERVAL);

    // Rates change: the next round follows them.
    peers[0] = peer('a', 1000);
    const d2 = choker.round(peers, ROUND_INTERVAL, false);
    expect(regular(d2.unchoked, d2.optimistic)).toEqual(['a', 'b', 'e']);
    expect(choker.nextTimeout()).toBe(2 * ROUND_INTERVAL);
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
    expect(choker.round(peers, ROUND_INTERVAL, false).optimistic).toBe(first);
    expect(choker.round(peers, 2 * ROUND_INTERVAL, false).optimistic).toBe(first);
    const rotated = choker.round(peers, OPTIMISTIC_INTERVAL, false).optimistic;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(first);
  });

  it('favours new peers 3x for the optimistic unchoke', () => {
    let newPicked = 0;
    const trials = 2000;
    for (let seed = 0; seed < trials; seed++) {
      const choker = new Choker({ random: seededRandom(seed), slots: 0 });
      const peers = [
        peer('old1', 0),
        peer('old2', 0),
        peer('old3', 0),
        peer('new', 0, { connectedAt: 50_000 }),
      ];
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

  it('as a seed, gives slots in turn: a peer that had its bytes or a round makes way for those waiting', () => {
    const choker = new Choker({ random: seededRandom(5), slots: 2, seedTurnBytes: 1000 });
    const peers = ['a', 'b', 'c', 'd', 'e'].map((k) => peer(k, 0, { uploaded: 0 }));
    const d = choker.round(peers, 0, true);
    const first = regular(d.unchoked, d.optimistic);
    expect(first).toHaveLength(2);
    // A fast downloader does not keep its slot: once it got its turn's bytes, it rotates out.
    const fast = first[0]!;
    const withBytes = peers.map((p) => (p.key === fast ? { ...p, uploaded: 5000 } : p));
    expect(choker.turnOver(fast, 5000)).toBe(true);
    expect(choker.turnOver(first[1]!, 0)).toBe(false);
    const r = choker.rotate(withBytes, 1000);
    const second = regular(r.unchoked, r.optimistic);
    expect(second).toContain(first[1]);
    expect(second).not.toContain(fast);
    // After a round every turn is over: the two that waited longest (never served) come next.
    const waitedLongest = ['a', 'b', 'c', 'd', 'e'].filter(
      (k) => !first.includes(k) && !second.includes(k) && k !== r.optimistic,
    );
    const third = choker.round(withBytes, ROUND_INTERVAL, true);
    for (const k of waitedLongest) expect([...third.unchoked]).toContain(k);
  });

  it('as a seed that was a leecher, serves peers that uploaded to it before those that never did', () => {
    const choker = new Choker({ random: seededRandom(8), slots: 2 });
    const peers = [
      peer('rider', 0, { downloaded: 0 }),
      peer('x', 0, { downloaded: 100 }),
      peer('y', 0, { downloaded: 5 }),
    ];
    const d = choker.round(peers, 0, true);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['x', 'y']);
  });

  it('as a leecher, prefers peers that unchoke us at equal rates, and peers that withhold come last', () => {
    const peers = [
      peer('withholder', 0, { weWant: true, unchokesUs: false }),
      peer('new', 0, { weWant: false, unchokesUs: false }),
      peer('friend', 0, { weWant: true, unchokesUs: true }),
    ];
    for (let seed = 0; seed < 5; seed++) {
      const d = new Choker({ random: seededRandom(seed), slots: 2 }).round(peers, 0, false);
      expect(regular(d.unchoked, d.optimistic)).toEqual(['friend', 'new']);
    }
    // A slot a withholder got for want of others goes to a reciprocating peer when one shows up.
    const one = new Choker({ random: seededRandom(9), slots: 1, trialInterval: 60_000 });
    let d = one.fill([peers[0]!], 0, false);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['withholder']);
    d = one.fill([peers[0]!, peer('giver', 500)], 100, false);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['giver']);
  });

  it('replaces an optimistic unchoke that does not reciprocate after its trial', () => {
    const choker = new Choker({ random: seededRandom(10), slots: 0, trialInterval: 5000 });
    const rider = peer('rider', 0, { weWant: true, unchokesUs: false });
    const honest = peer('honest', 0, { weWant: true, unchokesUs: false });
    const d = choker.round([rider], 0, false);
    expect(d.optimistic).toBe('rider');
    expect(choker.nextTimeout()).toBe(5000);
    // Its trial is up and it still gives nothing back: the slot goes to someone else.
    const after = choker.handleTimeout([rider, honest], 5000, false);
    expect(after.optimistic).toBe('honest');
    // One that reciprocates keeps it until the 30 s rotation.
    const c2 = new Choker({ random: seededRandom(11), slots: 0, trialInterval: 5000 });
    c2.round([peer('giver', 0, { weWant: true })], 0, false);
    const kept = c2.handleTimeout([peer('giver', 300, { weWant: true }), honest], 5000, false);
    expect(kept.optimistic).toBe('giver');
  });

  it('judges the optimistic trial when it falls due with a round, so the next deadline is ahead', () => {
    // Rounds and trials count from the same start, so every round is also a trial's end. The
    // round kept the optimistic peer and left its trial's deadline at `now`: the host was woken
    // again at once, and a late host saw a deadline in the past.
    const choker = new Choker({ random: seededRandom(3), slots: 1 });
    const giver = peer('giver', 500);
    const newcomer = peer('newcomer', 0);
    choker.round([giver, newcomer], 0, false);
    expect(ROUND_INTERVAL % TRIAL_INTERVAL).toBe(0);
    for (
      let now = choker.nextTimeout();
      now !== undefined && now <= 2 * ROUND_INTERVAL;
      now = choker.nextTimeout()
    ) {
      const d = choker.handleTimeout([giver, newcomer], now, false);
      expect(d.optimistic).toBe('newcomer');
      expect(choker.nextTimeout(), `after handleTimeout(${now})`).toBeGreaterThan(now);
    }
    // Past a round that kept the optimistic peer, its trials go on every TRIAL_INTERVAL.
    expect(choker.nextTimeout()).toBe(2 * ROUND_INTERVAL + TRIAL_INTERVAL);
  });

  it('draws peers that withhold from us less often for the optimistic unchoke', () => {
    let picked = 0;
    const trials = 2000;
    for (let seed = 0; seed < trials; seed++) {
      const choker = new Choker({ random: seededRandom(seed), slots: 0 });
      const peers = [peer('w', 0, { weWant: true }), peer('n', 0)];
      if (choker.round(peers, 60_000, false).optimistic === 'w') picked++;
    }
    // Weight 0.25 against 1.
    expect(picked / trials).toBeGreaterThan(0.14);
    expect(picked / trials).toBeLessThan(0.26);
  });

  it('fills free slots at once between rounds, and respects the slot count', () => {
    const choker = new Choker({ random: seededRandom(6), slots: 2 });
    let d = choker.fill([peer('a', 0)], 0, false);
    expect([...d.unchoked]).toEqual(['a']);
    expect(choker.nextTimeout()).toBe(ROUND_INTERVAL);
    d = choker.fill([peer('a', 0), peer('b', 0), peer('c', 0), peer('d', 0)], 1000, false);
    expect(d.unchoked.size).toBe(3); // 2 regular + 1 optimistic
    choker.removePeer('a');
    d = choker.fill([peer('b', 0), peer('c', 0), peer('d', 0)], 2000, false);
    expect(d.unchoked.size).toBe(3);
  });

  it('lends the slot of an idle unchoked peer to the next waiting one, up to maxUnchoked', () => {
    const choker = new Choker({ random: seededRandom(12), slots: 2, maxUnchoked: 5 });
    const peers = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => peer(k, 700 - 100 * i));
    const d = choker.round(peers, 0, false);
    expect(regular(d.unchoked, d.optimistic)).toEqual(['a', 'b']);
    expect(d.unchoked.size).toBe(3);
    // a asks us for nothing: it stays unchoked, and the best waiting peer is unchoked too.
    const idleA = peers.map((p) => (p.key === 'a' ? { ...p, idle: true } : p));
    const lent = choker.fill(idleA, 1000, false);
    expect(lent.unchoked.size).toBe(4);
    expect(lent.unchoked.has('a')).toBe(true);
    const extra = [...lent.unchoked].find((k) => !d.unchoked.has(k));
    const best = peers.find((p) => !d.unchoked.has(p.key))?.key;
    expect(extra).toBe(best);
    // Every unchoked peer idle: never more than maxUnchoked.
    const unchoked = lent.unchoked;
    const allIdle = peers.map((p) => (unchoked.has(p.key) ? { ...p, idle: true } : p));
    expect(choker.fill(allIdle, 2000, false).unchoked.size).toBe(5);
    // The next round starts over from the regular slots.
    expect(choker.round(peers, 10_000, false).unchoked.size).toBe(3);
  });

  it('gives no more optimistic unchokes to a peer that took a piece and never gave anything back', () => {
    for (let seed = 0; seed < 50; seed++) {
      const choker = new Choker({ random: seededRandom(seed), slots: 0 });
      const peers = [peer('rider', 0, { ungrateful: true }), peer('x', 0), peer('y', 0)];
      expect(choker.round(peers, 0, false).optimistic).not.toBe('rider');
    }
    // Alone, it may still have the slot (nobody else could use it)...
    const choker = new Choker({ random: seededRandom(13), slots: 0, trialInterval: 2000 });
    expect(choker.round([peer('rider', 0)], 0, false).optimistic).toBe('rider');
    // ... until its trial shows it took a piece and gave nothing back, and someone else waits.
    const after = choker.handleTimeout([peer('rider', 0, { ungrateful: true }), peer('x', 0)], 2000, false);
    expect(after.optimistic).toBe('x');
  });
});
