import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { RouteBook } from '../../../shared/dht/route-book.js';
import { testSeed } from './helpers/seed.js';

const live = new Set(['a', 'b', 'c']);
const isLive = (id: string): boolean => live.has(id);

describe('RouteBook', () => {
  it('keeps up to three routes, shortest first, freshest first among equals', () => {
    const book = new RouteBook(5);
    expect(book.offer('x', ['a', 'm', 'x'], isLive)).toBe(true);
    expect(book.offer('x', ['b', 'n', 'o', 'x'], isLive)).toBe(true);
    expect(book.offer('x', ['c', 'p', 'x'], isLive)).toBe(true);
    expect(book.get('x', isLive)).toEqual(['c', 'p', 'x']);
    // A fourth, longer route does not displace shorter ones; an equally long one is fresher.
    expect(book.offer('x', ['a', 'q', 'r', 's', 'x'], isLive)).toBe(false);
    expect(book.offer('x', ['a', 'q', 'r', 'x'], isLive)).toBe(true);
    expect(book.offer('x', ['b', 'x'], isLive)).toBe(true);
    expect(book.get('x', isLive)).toEqual(['b', 'x']);
  });

  it('refuses routes that are too long, loop, do not end at the contact or start at a dead link', () => {
    const book = new RouteBook(3);
    expect(book.offer('x', ['a', 'm', 'n', 'x'], isLive)).toBe(false);
    expect(book.offer('x', ['a', 'm', 'a', 'x'].slice(0, 3), isLive)).toBe(false);
    expect(book.offer('x', ['a', 'm'], isLive)).toBe(false);
    expect(book.offer('x', ['z', 'x'], isLive)).toBe(false);
    expect(book.offer('x', ['a', 'a', 'x'], isLive)).toBe(false);
    expect(book.get('x', isLive)).toBeUndefined();
  });

  it('forgets routes whose first link died or that use a broken hop', () => {
    const links = new Set(['a', 'b']);
    const alive = (id: string): boolean => links.has(id);
    const book = new RouteBook(4);
    book.offer('x', ['a', 'm', 'x'], alive);
    book.offer('x', ['b', 'n', 'x'], alive);
    book.offer('y', ['a', 'm', 'n', 'y'], alive);
    book.forgetHop('m', 'x');
    expect(book.get('x', alive)).toEqual(['b', 'n', 'x']);
    links.delete('b');
    expect(book.get('x', alive)).toBeUndefined();
    expect(book.get('y', alive)).toEqual(['a', 'm', 'n', 'y']);
    book.forgetHop('m', 'n');
    expect(book.get('y', alive)).toBeUndefined();
    expect(book.size).toBe(0);
  });

  it('offerVia keeps exactly what offer keeps for the same route', () => {
    const random = seededRandom(testSeed('route-book offerVia', 43));
    const links = new Set(['a', 'b', 'c']);
    const alive = (id: string): boolean => links.has(id);
    const plain = new RouteBook(5);
    const via = new RouteBook(5);
    const hops = ['a', 'b', 'c', 'm', 'n', 'o', 'p'];
    for (let i = 0; i < 3000; i++) {
      if (i % 97 === 0) {
        const link = ['a', 'b', 'c'][random.int(3)] as string;
        if (links.has(link)) links.delete(link);
        else links.add(link);
      }
      const id = `x${random.int(6)}`;
      const prefix = [['a', 'b', 'c'][random.int(3)] as string];
      for (let n = random.int(5); n > 0; n--) prefix.push(hops[3 + random.int(4)] as string);
      const unique = new Set(prefix).size === prefix.length;
      if (!unique) continue;
      expect(via.offerVia(id, prefix, alive), `offer ${i}`).toBe(plain.offer(id, [...prefix, id], alive));
      expect(via.get(id, alive)).toEqual(plain.get(id, alive));
    }
  });

  it('sweeps routes to contacts outside the table that went unused for a whole sweep period', () => {
    const book = new RouteBook(4);
    for (const x of ['t', 'u', 'v']) book.offer(x, ['a', x], isLive);
    const inTable = (id: string): boolean => id === 't';
    book.sweep(inTable); // all three were offered since the last sweep
    expect(book.size).toBe(3);
    expect(book.get('u', isLive)).toEqual(['a', 'u']);
    book.sweep(inTable); // v went unused for a whole period; u was used
    expect(book.get('v', isLive)).toBeUndefined();
    expect(book.size).toBe(2);
    book.sweep(inTable);
    book.sweep(inTable);
    expect(book.get('u', isLive)).toBeUndefined();
    expect(book.get('t', isLive)).toEqual(['a', 't']); // a table contact keeps its route
  });

  it('is bounded', () => {
    const book = new RouteBook(4, 10);
    for (let i = 0; i < 25; i++) book.offer(`x${i}`, ['a', `x${i}`], isLive);
    expect(book.size).toBe(10);
    expect(book.get('x24', isLive)).toEqual(['a', 'x24']);
    expect(book.get('x0', isLive)).toBeUndefined();
  });

  it('gives contacts whose routes were used since a second chance before evicting them', () => {
    const book = new RouteBook(4, 3);
    for (const x of ['x0', 'x1', 'x2']) book.offer(x, ['a', x], isLive);
    expect(book.get('x0', isLive)).toEqual(['a', 'x0']);
    book.offer('x3', ['a', 'x3'], isLive);
    expect(book.size).toBe(3);
    expect(book.get('x1', isLive)).toBeUndefined(); // the oldest unused one went
    expect(book.get('x0', isLive)).toEqual(['a', 'x0']);
    expect(book.get('x3', isLive)).toEqual(['a', 'x3']);
  });
});
