import { describe, expect, it } from 'vitest';
import { RouteBook } from '../../../shared/dht/route-book.js';

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
