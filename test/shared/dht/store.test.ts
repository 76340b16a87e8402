import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { DhtStore } from '../../../shared/dht/store.js';
import { testSeed } from './helpers/seed.js';

const MIN = 60_000;

describe('DhtStore', () => {
  const random = seededRandom(testSeed('store', 61));
  const key = toHex(random.bytes(20));
  const ih = toHex(random.bytes(20));
  const peers = Array.from({ length: 5 }, () => toHex(random.bytes(20)));

  it('expires values after their lifetime unless stored again', () => {
    const store = new DhtStore({ valueTtlMs: 24 * 60 * MIN });
    store.putValue(key, utf8('v'), 0);
    expect(store.getValue(key, 24 * 60 * MIN - 1)).toEqual(utf8('v'));
    expect(store.getValue(key, 24 * 60 * MIN)).toBeUndefined();
    store.putValue(key, utf8('v'), 23 * 60 * MIN); // republished
    expect(store.expire(24 * 60 * MIN)).toBe(0);
    expect(store.getValue(key, 46 * 60 * MIN)).toEqual(utf8('v'));
    expect(store.expire(47 * 60 * MIN)).toBe(1);
    expect(store.counts.values).toBe(0);
  });

  it('expires announcements after 30 minutes by default and refreshes on re-announce', () => {
    const store = new DhtStore();
    store.addPeer(ih, peers[0] as string, 0);
    store.addPeer(ih, peers[1] as string, 20 * MIN);
    expect(store.getPeers(ih, 29 * MIN).sort()).toEqual([peers[0], peers[1]].sort());
    expect(store.getPeers(ih, 31 * MIN)).toEqual([peers[1]]);
    expect(store.expire(31 * MIN)).toBe(1);
    store.addPeer(ih, peers[1] as string, 45 * MIN);
    expect(store.expire(60 * MIN)).toBe(0);
    expect(store.expire(76 * MIN)).toBe(1);
    expect(store.infoHashes()).toEqual([]);
  });

  it('enforces its caps and samples large peer lists', () => {
    const store = new DhtStore({ maxValues: 2, maxInfoHashes: 1, maxPeersPerInfoHash: 3 });
    expect(store.putValue('a'.repeat(40), utf8('1'), 0)).toBe(true);
    expect(store.putValue('b'.repeat(40), utf8('2'), 0)).toBe(true);
    expect(store.putValue('c'.repeat(40), utf8('3'), 0)).toBe(false);
    expect(store.putValue('a'.repeat(40), utf8('1'), 1)).toBe(true); // refresh is fine
    for (const p of peers.slice(0, 3)) expect(store.addPeer(ih, p, 0)).toBe(true);
    expect(store.addPeer(ih, peers[3] as string, 0)).toBe(false);
    expect(store.addPeer(key, peers[0] as string, 0)).toBe(false);
    expect(store.getPeers(ih, 1, 2, seededRandom(1))).toHaveLength(2);
    expect(store.counts).toEqual({ values: 2, infoHashes: 1, peers: 3 });
  });
});

describe('DhtStore shares per asker', () => {
  const random = seededRandom(testSeed('store-askers', 62));
  const id = (): string => toHex(random.bytes(20));

  it('caps the values and info-hashes of one asker, not those of others', () => {
    const store = new DhtStore({ maxInfoHashesPerAsker: 2, maxValuesPerAsker: 2 });
    const [greedy, other] = [id(), id()];
    const keys = [id(), id(), id()];
    expect(keys.map((k) => store.putValue(k, utf8(k), 0, greedy))).toEqual([true, true, false]);
    expect(store.putValue(keys[0] as string, utf8('x'), 1, greedy)).toBe(true); // a refresh
    expect(store.putValue(keys[2] as string, utf8('x'), 1, other)).toBe(true);
    expect(keys.map((k) => store.addPeer(k, greedy, 0))).toEqual([true, true, false]);
    expect(store.addPeer(keys[2] as string, other, 0)).toBe(true);
  });

  it('gives an asker its share back when its items expire', () => {
    const store = new DhtStore({ maxInfoHashesPerAsker: 1, maxValuesPerAsker: 1, announceTtlMs: MIN });
    const greedy = id();
    const [a, b] = [id(), id()];
    expect(store.addPeer(a, greedy, 0)).toBe(true);
    expect(store.addPeer(b, greedy, 0)).toBe(false);
    store.expire(2 * MIN);
    expect(store.addPeer(b, greedy, 2 * MIN)).toBe(true);
    expect(store.putValue(a, utf8('1'), 0, greedy)).toBe(true);
    expect(store.putValue(b, utf8('2'), 0, greedy)).toBe(false);
    store.expire(25 * 60 * MIN);
    expect(store.putValue(b, utf8('2'), 25 * 60 * MIN, greedy)).toBe(true);
  });
});
