import { describe, expect, it } from 'vitest';
import { preferredRoute } from '../../../shared/dht/relay-preference.js';
import { RouteBook } from '../../../shared/dht/route-book.js';

/** When each live link opened: `old` long ago (a super-peer), the others just now. */
const since: Record<string, number> = { old: 1_000, young: 900_000, newer: 950_000 };
const linkedSince = (id: string): number | undefined => since[id];
const isLive = (id: string): boolean => id in since;

describe('preferredRoute', () => {
  it('takes the longest-linked relay among the shortest routes, and never a longer route for it', () => {
    expect(
      preferredRoute(
        [
          ['young', 'x'],
          ['old', 'x'],
        ],
        linkedSince,
      ),
    ).toBe(1);
    expect(
      preferredRoute(
        [
          ['newer', 'm', 'x'],
          ['young', 'n', 'x'],
          ['old', 'o', 'p', 'x'],
        ],
        linkedSince,
      ),
    ).toBe(1);
    expect(preferredRoute([['young', 'x']], linkedSince)).toBe(0);
    expect(preferredRoute([], linkedSince)).toBe(-1);
  });

  it('keeps the freshest route first when relay ages are unknown', () => {
    expect(
      preferredRoute(
        [
          ['a', 'x'],
          ['b', 'x'],
        ],
        () => undefined,
      ),
    ).toBe(0);
  });
});

describe('RouteBook with relay ages', () => {
  it('routes through the long-lived relay among equally short routes', () => {
    const book = new RouteBook(4, 4096, linkedSince);
    book.offer('x', ['old', 'm', 'x'], isLive);
    book.offer('x', ['young', 'n', 'x'], isLive); // fresher, same length: first in the book
    expect(book.get('x', isLive)).toEqual(['old', 'm', 'x']);
    book.offer('x', ['newer', 'x'], isLive); // shorter wins whatever its relay's age
    expect(book.get('x', isLive)).toEqual(['newer', 'x']);
  });

  it('without ages it keeps its order: shortest, freshest among equals', () => {
    const book = new RouteBook(4);
    book.offer('x', ['old', 'm', 'x'], isLive);
    book.offer('x', ['young', 'n', 'x'], isLive);
    expect(book.get('x', isLive)).toEqual(['young', 'n', 'x']);
  });
});
