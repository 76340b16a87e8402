import { describe, expect, it } from 'vitest';
import { compareBytes, fromHex, toHex } from '../../../shared/bytes.js';

/** Share of colluding nodes in the adversarial lookup test. */
const BAD_FRACTION = 0.3;
import { seededRandom, shuffle } from '../../../shared/random.js';
import type { Random } from '../../../shared/random.js';
import { Lookup } from '../../../shared/dht/lookup.js';
import { xorDistance } from '../../../shared/dht/node-id.js';
import { RoutingTable } from '../../../shared/dht/routing-table.js';
import { testSeed } from './helpers/seed.js';

/** A static world of `n` nodes, each with a full Kademlia routing table over all the others. */
function world(random: Random, n: number) {
  const ids = Array.from({ length: n }, () => random.bytes(20));
  const hex = ids.map(toHex);
  const tables = new Map<string, RoutingTable>();
  for (const id of ids) {
    const table = new RoutingTable(id, 20);
    for (const i of shuffle([...ids.keys()], random)) table.add(ids[i] as Uint8Array, 0);
    tables.set(toHex(id), table);
  }
  const answer = (from: string, target: Uint8Array): string[] =>
    (tables.get(from) as RoutingTable).closest(target, 20).map((c) => c.id);
  const truth = (target: Uint8Array, k: number): string[] =>
    [...ids]
      .sort((a, b) => compareBytes(xorDistance(a, target), xorDistance(b, target)))
      .slice(0, k)
      .map(toHex);
  return { ids, hex, answer, truth };
}

describe('Lookup', () => {
  it('converges on the true k closest', () => {
    const random = seededRandom(testSeed('lookup converges', 31));
    const w = world(random, 500);
    for (let trial = 0; trial < 30; trial++) {
      const target = random.bytes(20);
      const seeds = Array.from({ length: 3 }, () => w.hex[random.int(w.hex.length)] as string);
      const lookup = new Lookup(target, seeds, { k: 20, alpha: 3 });
      let steps = 0;
      while (!lookup.done && steps++ < 1000) {
        const next = lookup.next();
        const inflight = lookup.pending;
        expect(inflight.length).toBeLessThanOrEqual(3);
        // Answer the oldest in flight first.
        const id = (inflight[0] ?? next[0]) as string;
        lookup.onResponse(id, w.answer(id, target));
      }
      expect(lookup.done).toBe(true);
      expect(lookup.closest(20)).toEqual(w.truth(target, 20));
      expect(lookup.stats.rpcs).toBeLessThan(120);
      expect(lookup.stats.rounds).toBeGreaterThan(0);
    }
  });

  it('terminates early once the k closest answered, ignoring stragglers', () => {
    const random = seededRandom(testSeed('lookup early', 32));
    const target = random.bytes(20);
    const ids = Array.from({ length: 10 }, () => random.bytes(20)).sort((a, b) =>
      compareBytes(xorDistance(a, target), xorDistance(b, target)),
    );
    const hex = ids.map(toHex);
    // k = 3: seeds are the 3 closest plus one far one.
    const lookup = new Lookup(target, [hex[0], hex[1], hex[2], hex[9]] as string[], { k: 3, alpha: 3 });
    const first = lookup.next();
    expect(first).toEqual(hex.slice(0, 3));
    for (const id of first) lookup.onResponse(id, []);
    expect(lookup.done).toBe(true);
    expect(lookup.next()).toEqual([]);
    expect(lookup.closest()).toEqual(hex.slice(0, 3));
    expect(lookup.stats.rpcs).toBe(3);
  });

  it('keeps a straggler from blocking completion when closer contacts answered', () => {
    const random = seededRandom(testSeed('lookup straggler', 33));
    const target = random.bytes(20);
    const ids = Array.from({ length: 6 }, () => random.bytes(20)).sort((a, b) =>
      compareBytes(xorDistance(a, target), xorDistance(b, target)),
    );
    const hex = ids.map(toHex);
    const lookup = new Lookup(target, [hex[5]] as string[], { k: 2, alpha: 1 });
    expect(lookup.next()).toEqual([hex[5]]);
    lookup.onResponse(hex[5] as string, [hex[3], hex[4]] as string[]);
    expect(lookup.next()).toEqual([hex[3]]);
    lookup.onResponse(hex[3] as string, [hex[0], hex[1]] as string[]);
    expect(lookup.next()).toEqual([hex[0]]);
    lookup.onResponse(hex[0] as string, []);
    expect(lookup.next()).toEqual([hex[1]]);
    lookup.onResponse(hex[1] as string, []);
    expect(lookup.done).toBe(true);
    expect(lookup.closest()).toEqual([hex[0], hex[1]]);
    expect(lookup.stats.rounds).toBe(3);
  });

  it('drops contacts that fail and still converges', () => {
    const random = seededRandom(testSeed('lookup failures', 34));
    const w = world(random, 500);
    const dead = new Set(w.hex.filter(() => random.next() < 0.2));
    let overlap = 0;
    let failures = 0;
    for (let trial = 0; trial < 20; trial++) {
      const target = random.bytes(20);
      const seeds = w.hex.filter((h) => !dead.has(h)).slice(trial * 3, trial * 3 + 3);
      const lookup = new Lookup(target, seeds, { k: 20, alpha: 3 });
      let steps = 0;
      while (!lookup.done && steps++ < 2000) {
        lookup.next();
        const id = lookup.pending[0];
        if (id === undefined) break;
        if (dead.has(id)) lookup.onFailure(id);
        else lookup.onResponse(id, w.answer(id, target));
      }
      expect(lookup.done).toBe(true);
      const closest = lookup.closest(20);
      for (const id of closest) expect(dead.has(id)).toBe(false);
      const aliveTruth = w
        .truth(target, 200)
        .filter((h) => !dead.has(h))
        .slice(0, 20);
      // Answers list dead nodes too, so an alive node ranked just past k in every answer can be
      // missed; nearly all of the alive k closest must be found.
      const found = closest.filter((h) => aliveTruth.includes(h)).length;
      expect(found).toBeGreaterThanOrEqual(15);
      overlap += found;
      failures += lookup.stats.failures;
    }
    expect(overlap / 20).toBeGreaterThanOrEqual(18);
    expect(failures).toBeGreaterThan(0);
  });

  it('is done at once with no seeds, and ignores unsolicited or duplicate answers', () => {
    const random = seededRandom(testSeed('lookup empty', 35));
    const empty = new Lookup(random.bytes(20), []);
    expect(empty.done).toBe(true);
    expect(empty.next()).toEqual([]);
    const a = toHex(random.bytes(20));
    const b = toHex(random.bytes(20));
    const lookup = new Lookup(random.bytes(20), [a], { k: 2, alpha: 3 });
    expect(lookup.next()).toEqual([a]);
    lookup.onResponse(b, [a]); // b was never asked
    lookup.onResponse(a, [b, a]);
    lookup.onResponse(a, []); // duplicate
    expect(lookup.stats.responses).toBe(1);
    expect(lookup.next()).toEqual([b]);
    lookup.onFailure(b);
    expect(lookup.done).toBe(true);
    expect(lookup.closest()).toEqual([a]);
  });

  it('asks a contact again, once, when a later answer offers it after its route broke', () => {
    const random = seededRandom(testSeed('lookup route broke', 36));
    const target = random.bytes(20);
    const [a, b, c, x] = Array.from({ length: 4 }, () => random.bytes(20))
      .sort((p, q) => compareBytes(xorDistance(q, target), xorDistance(p, target)))
      .map(toHex) as [string, string, string, string];
    // Farthest first: a, b, c are seeds; x is the closest and only named by them.
    const lookup = new Lookup(target, [a, b, c], { k: 4, alpha: 1 });
    expect(lookup.next()).toEqual([c]);
    lookup.onResponse(c, [x]);
    expect(lookup.next()).toEqual([x]);
    lookup.onFailure(x, true); // a relay on the way had lost its link
    expect(lookup.next()).toEqual([b]);
    lookup.onResponse(b, [x]); // b has a link to it: ask again
    expect(lookup.next()).toEqual([x]);
    lookup.onFailure(x, true); // only once
    expect(lookup.next()).toEqual([a]);
    lookup.onResponse(a, [x]);
    expect(lookup.next()).toEqual([]);
    expect(lookup.done).toBe(true);
    expect(lookup.closest()).toEqual([c, b, a]);
    expect(lookup.stats.failures).toBe(2);
  });

  it('stops asking for a contact that did not answer when the failure was not the route', () => {
    const random = seededRandom(testSeed('lookup timeout', 37));
    const target = random.bytes(20);
    const [b, c, x] = Array.from({ length: 3 }, () => random.bytes(20))
      .sort((p, q) => compareBytes(xorDistance(q, target), xorDistance(p, target)))
      .map(toHex) as [string, string, string];
    const lookup = new Lookup(target, [b, c], { k: 3, alpha: 1 });
    expect(lookup.next()).toEqual([c]);
    lookup.onResponse(c, [x]);
    expect(lookup.next()).toEqual([x]);
    lookup.onFailure(x); // timed out
    expect(lookup.next()).toEqual([b]);
    lookup.onResponse(b, [x]);
    expect(lookup.next()).toEqual([]);
    expect(lookup.closest()).toEqual([c, b]);
  });

  it('spends at most maxQueries queries (a bucket refresh)', () => {
    const random = seededRandom(testSeed('lookup budget', 38));
    const w = world(random, 200);
    const target = random.bytes(20);
    const lookup = new Lookup(target, w.hex.slice(0, 10), { k: 20, alpha: 3, maxQueries: 2 });
    const asked = lookup.next();
    expect(asked).toHaveLength(2);
    expect(lookup.done).toBe(false);
    lookup.onResponse(asked[0] as string, w.answer(asked[0] as string, target));
    expect(lookup.next()).toEqual([]);
    lookup.onFailure(asked[1] as string);
    expect(lookup.done).toBe(true);
    expect(lookup.stats.rpcs).toBe(2);
    expect(lookup.closest()).toEqual([asked[0]]);
  });
});

describe('Lookup over disjoint paths', () => {
  /** Runs `lookup` to the end against `answer`, answering in the order queries went out. */
  function drive(lookup: Lookup, answer: (id: string) => string[]): string[] {
    const asked: string[] = [];
    for (let steps = 0; !lookup.done && steps < 5000; steps++) {
      asked.push(...lookup.next());
      const id = lookup.pending[0];
      if (id === undefined) break;
      lookup.onResponse(id, answer(id));
    }
    return asked;
  }

  it('converges on the true k closest, asking no node twice', () => {
    const random = seededRandom(testSeed('lookup paths', 35));
    const w = world(random, 500);
    for (let trial = 0; trial < 20; trial++) {
      const target = random.bytes(20);
      const seeds = Array.from({ length: 20 }, () => w.hex[random.int(w.hex.length)] as string);
      const lookup = new Lookup(target, seeds, { k: 20, alpha: 3, paths: 3 });
      const asked = drive(lookup, (id) => w.answer(id, target));
      expect(lookup.done).toBe(true);
      expect(new Set(asked).size).toBe(asked.length);
      expect(lookup.closest(20)).toEqual(w.truth(target, 20));
    }
  });

  it('reaches the closest honest node more often when colluders answer only with each other', () => {
    const seed = testSeed('lookup paths colluders', 36);
    const random = seededRandom(seed);
    const w = world(random, 500);
    const bad = w.hex.filter(() => random.next() < BAD_FRACTION);
    const badSet = new Set(bad);
    const honest = w.hex.filter((id) => !badSet.has(id));
    const trials = 100;
    const reached = (paths: number): number => {
      const r = seededRandom(seed + 1);
      let ok = 0;
      for (let trial = 0; trial < trials; trial++) {
        const target = r.bytes(20);
        const byDistance = (ids: string[]): string[] =>
          [...ids].sort((a, b) =>
            compareBytes(
              xorDistance(fromHex(a) as Uint8Array, target),
              xorDistance(fromHex(b) as Uint8Array, target),
            ),
          );
        const colluding = byDistance(bad).slice(0, 20);
        const seeds = Array.from({ length: 20 }, () => honest[r.int(honest.length)] as string);
        const lookup = new Lookup(target, seeds, { k: 20, alpha: 3, paths });
        // A colluder names only colluders, the ones closest to the target: it holds nothing.
        const asked = drive(lookup, (id) => (badSet.has(id) ? colluding : w.answer(id, target)));
        if (asked.includes(byDistance(honest)[0] as string)) ok++;
      }
      return ok / trials;
    };
    const plain = reached(1);
    const disjoint = reached(4);
    console.log(
      `[lookup paths colluders] seed=${seed}: closest honest node asked, 1 path ${plain}, 4 paths ${disjoint}`,
    );
    expect(disjoint).toBeGreaterThanOrEqual(plain);
  });
});
