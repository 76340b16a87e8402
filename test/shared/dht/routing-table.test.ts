import { describe, expect, it } from 'vitest';
import { compareBytes, toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { commonPrefixLength, xorDistance } from '../../../shared/dht/node-id.js';
import { RoutingTable } from '../../../shared/dht/routing-table.js';
import { testSeed } from './helpers/seed.js';

function bruteClosest(ids: Uint8Array[], target: Uint8Array, count: number): string[] {
  return ids
    .map((id) => ({ id, d: xorDistance(id, target) }))
    .sort((a, b) => compareBytes(a.d, b.d))
    .slice(0, count)
    .map((x) => toHex(x.id));
}

describe('RoutingTable', () => {
  it('splits around the own id and keeps every bucket within k for thousands of ids', () => {
    const random = seededRandom(testSeed('routing-table split', 11));
    const own = random.bytes(20);
    const table = new RoutingTable(own, 20);
    let added = 0;
    let full = 0;
    for (let i = 0; i < 5000; i++) {
      const r = table.add(random.bytes(20), i);
      if (r.type === 'added') added++;
      if (r.type === 'full') full++;
    }
    expect(table.size).toBe(added);
    expect(full).toBeGreaterThan(0);
    const buckets = table.buckets();
    // 5000 random ids leave about log2(5000/20) ~ 8 full buckets before the own bucket.
    expect(buckets.length).toBeGreaterThan(6);
    buckets.forEach((b, i) => {
      expect(b.index).toBe(i);
      expect(b.contacts.length).toBeLessThanOrEqual(20);
      const last = i === buckets.length - 1;
      for (const c of b.contacts) {
        const cpl = commonPrefixLength(own, c.bytes);
        if (last) expect(cpl).toBeGreaterThanOrEqual(i);
        else expect(cpl).toBe(i);
      }
    });
    // Far buckets are full; only the own bucket may be short.
    for (const b of buckets.slice(0, -2)) expect(b.contacts.length).toBe(20);
  });

  it('returns closest(k) equal to a brute-force sort of all contacts', () => {
    const random = seededRandom(testSeed('routing-table closest', 12));
    const table = new RoutingTable(random.bytes(20), 20);
    for (let i = 0; i < 3000; i++) table.add(random.bytes(20), i);
    const ids = table.all().map((c) => c.bytes);
    for (let t = 0; t < 300; t++) {
      // Mix random targets with targets near contacts and near the own id.
      const target =
        t % 3 === 0
          ? random.bytes(20)
          : t % 3 === 1
            ? (ids[random.int(ids.length)] as Uint8Array)
            : table.own;
      for (const count of [1, 8, 20, 50]) {
        expect(table.closest(target, count).map((c) => c.id)).toEqual(bruteClosest(ids, target, count));
      }
    }
    const even = (c: { bytes: Uint8Array }): boolean => ((c.bytes[19] as number) & 1) === 0;
    const target = random.bytes(20);
    expect(table.closest(target, 20, even).map((c) => c.id)).toEqual(
      bruteClosest(
        ids.filter((id) => even({ bytes: id })),
        target,
        20,
      ),
    );
  });

  it('keeps the k closest ids to itself whatever the insertion order', () => {
    const random = seededRandom(testSeed('routing-table own neighbourhood', 13));
    const own = random.bytes(20);
    const table = new RoutingTable(own, 20);
    const ids = Array.from({ length: 4000 }, () => random.bytes(20));
    ids.forEach((id, i) => table.add(id, i));
    const have = new Set(table.all().map((c) => c.id));
    for (const id of bruteClosest(ids, own, 20)) expect(have.has(id)).toBe(true);
  });

  it('moves a seen contact to the tail and names the least-recently-seen when full', () => {
    const random = seededRandom(testSeed('routing-table eviction', 14));
    const own = new Uint8Array(20); // all zero: ids with the top bit set go to bucket 0
    const table = new RoutingTable(own, 4);
    const far = (): Uint8Array => {
      const id = random.bytes(20);
      id[0] = (id[0] as number) | 0x80;
      return id;
    };
    const near = random.bytes(20);
    near[0] = 0x01; // keeps the own bucket splitting so bucket 0 stops growing
    table.add(near, 0);
    const first = [far(), far(), far(), far()];
    first.forEach((id, i) => expect(table.add(id, i + 1).type).toBe('added'));
    expect(table.bucketIndex(first[0] as Uint8Array)).toBe(0);
    const newcomer = far();
    const r1 = table.add(newcomer, 10);
    expect(r1.type).toBe('full');
    if (r1.type !== 'full') return;
    expect(r1.oldest.id).toBe(toHex(first[0] as Uint8Array));
    expect(r1.candidate).toBe(toHex(newcomer));
    // The oldest answers the ping: it is seen again and moves to the tail.
    expect(table.add(first[0] as Uint8Array, 11).type).toBe('updated');
    const bucket0 = table.buckets()[0];
    expect(bucket0?.contacts.map((c) => c.id)).toEqual(
      [first[1], first[2], first[3], first[0]].map((x) => toHex(x as Uint8Array)),
    );
    const r2 = table.add(newcomer, 12);
    expect(r2.type === 'full' && r2.oldest.id).toBe(toHex(first[1] as Uint8Array));
    // The next one does not answer: it is replaced by the newcomer.
    expect(table.replace(first[1] as Uint8Array, newcomer, 13).type).toBe('added');
    expect(table.has(newcomer)).toBe(true);
    expect(table.has(first[1] as Uint8Array)).toBe(false);
    expect(table.buckets()[0]?.contacts.at(-1)?.id).toBe(toHex(newcomer));
  });

  it('never adds itself, counts failures, and resets them when the contact is seen', () => {
    const random = seededRandom(testSeed('routing-table self', 15));
    const own = random.bytes(20);
    const table = new RoutingTable(own, 20);
    expect(table.add(own, 0).type).toBe('self');
    const other = random.bytes(20);
    table.add(other, 1);
    expect(table.markFailed(other)).toBe(1);
    expect(table.markFailed(other)).toBe(2);
    table.add(other, 2);
    expect(table.get(other)?.failures).toBe(0);
    expect(table.get(other)?.lastSeen).toBe(2);
    expect(table.remove(other)).toBe(true);
    expect(table.size).toBe(0);
  });
});
