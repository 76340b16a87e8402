import { describe, expect, it } from 'vitest';
import { SIGNAL_MEMORY_MS, SignalRouter } from '../../../shared/dht/signal-router.js';

function router(routes: Set<string>): SignalRouter<string> {
  return new SignalRouter<string>({ hasRoute: (to) => routes.has(to) });
}

describe('SignalRouter: one rule for signaling a new link', () => {
  it('uses the overlay when it has a route, else the server while it is online', () => {
    const routes = new Set(['a']);
    const r = router(routes);
    r.send('a', 'offer', true, 0);
    r.send('b', 'offer', true, 0);
    expect(r.poll()).toEqual([
      { type: 'overlay', to: 'a', payload: 'offer' },
      { type: 'server', to: 'b', payload: 'offer', fallback: false },
    ]);
    expect(r.nextTimeout()).toBeUndefined();
  });

  it('without the server, looks the peer up once, then uses the overlay or falls back to the server', () => {
    const routes = new Set<string>();
    const r = router(routes);
    r.send('a', 'offer', false, 0);
    r.send('a', 'candidate', false, 1);
    r.send('b', 'offer', false, 1);
    expect(r.poll()).toEqual([
      { type: 'lookup', to: 'a' },
      { type: 'lookup', to: 'b' },
    ]);
    routes.add('a');
    r.lookupDone('a', 5);
    r.lookupDone('b', 5);
    expect(r.poll()).toEqual([
      { type: 'overlay', to: 'a', payload: 'offer' },
      { type: 'overlay', to: 'a', payload: 'candidate' },
      { type: 'server', to: 'b', payload: 'offer', fallback: true },
    ]);
  });

  it('resends what the overlay failed through the server, kept per peer within the memory window', () => {
    const r = router(new Set(['a', 'c']));
    r.send('a', 'offer', true, 0);
    r.send('a', 'candidate', true, SIGNAL_MEMORY_MS - 1);
    r.send('c', 'old', true, 0);
    r.send('c', 'new', true, SIGNAL_MEMORY_MS);
    r.poll();
    r.signalFailed('a');
    r.signalFailed('c');
    expect(r.poll()).toEqual([
      { type: 'server', to: 'a', payload: 'offer', fallback: true },
      { type: 'server', to: 'a', payload: 'candidate', fallback: true },
      { type: 'server', to: 'c', payload: 'new', fallback: true },
    ]);
    // Once failed (or once the link opened), nothing is left to resend.
    r.signalFailed('a');
    r.send('c', 'x', true, 0);
    r.forget('c');
    r.signalFailed('c');
    expect(r.poll()).toEqual([{ type: 'overlay', to: 'c', payload: 'x' }]);
  });
});
