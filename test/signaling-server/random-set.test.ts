import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { RandomSet } from '../../signaling-server/random-set.js';

describe('RandomSet', () => {
  it('adds, deletes and keeps membership consistent', () => {
    const s = new RandomSet<number>();
    for (let i = 0; i < 10; i++) expect(s.add(i)).toBe(true);
    expect(s.add(3)).toBe(false);
    expect(s.delete(0)).toBe(true);
    expect(s.delete(9)).toBe(true);
    expect(s.delete(42)).toBe(false);
    expect(s.size).toBe(8);
    expect([...s.values()].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) expect(s.has(i)).toBe(true);
    expect(s.has(0)).toBe(false);
  });

  it('samples distinct items, never the excluded one, at most what exists', () => {
    const seed = 7;
    console.log(`RandomSet sample seed ${seed}`);
    const random = seededRandom(seed);
    const s = new RandomSet<number>();
    for (let i = 0; i < 50; i++) s.add(i);
    for (let round = 0; round < 200; round++) {
      const k = random.int(60);
      const picked = s.sample(k, random, 17);
      expect(picked.length).toBe(Math.min(k, 49));
      expect(new Set(picked).size).toBe(picked.length);
      expect(picked).not.toContain(17);
      for (const p of picked) expect(s.has(p)).toBe(true);
    }
    expect(new RandomSet<number>().sample(5, random)).toEqual([]);
    const one = new RandomSet<number>();
    one.add(1);
    expect(one.sample(5, random, 1)).toEqual([]);
    expect(one.sample(5, random, 2)).toEqual([1]);
  });

  it('samples roughly uniformly', () => {
    const random = seededRandom(11);
    const s = new RandomSet<number>();
    for (let i = 0; i < 10; i++) s.add(i);
    const hits = new Array<number>(10).fill(0);
    for (let round = 0; round < 5000; round++)
      for (const p of s.sample(3, random)) hits[p] = (hits[p] ?? 0) + 1;
    // Each item is expected 1500 times.
    for (const h of hits) {
      expect(h).toBeGreaterThan(1300);
      expect(h).toBeLessThan(1700);
    }
  });
});
