import { describe, expect, it, vi } from 'vitest';
import type { LinkSignal } from '../../../client/src/app/connections.js';
import type { DhtHost } from '../../../client/src/app/dht-host.js';
import { resendThroughServer, sendLinkSignal } from '../../../client/src/app/link-signal-route.js';
import type { ServerState, SignalingClient } from '../../../client/src/app/signaling-client.js';

const TO = 'ab'.repeat(20);
const envelope: LinkSignal = { link: '1', signal: { type: 'offer' } };

/** The server and the overlay as far as the routing sees them, recording what was sent where. */
function parts(state: ServerState, route: boolean) {
  const server: unknown[] = [];
  const overlay: unknown[] = [];
  const signaling = { state, signal: (_to: string, env: unknown) => server.push(env) === 0 };
  const dht = {
    node: { hasRouteTo: () => route },
    routeSignal: vi.fn((_to: string, env: LinkSignal, fallback: () => void) => {
      if (route) overlay.push(env);
      else fallback();
    }),
  };
  return {
    signaling: signaling as unknown as SignalingClient,
    dht: dht as unknown as DhtHost,
    routeSignal: dht.routeSignal,
    server,
    overlay,
  };
}

describe('link signal routing', () => {
  it('uses the server while it is online and the overlay has no route', () => {
    const p = parts('online', false);
    sendLinkSignal(p.signaling, p.dht, TO, envelope);
    expect(p.server).toEqual([envelope]);
    expect(p.routeSignal).not.toHaveBeenCalled();
  });

  it('uses the overlay when it has a route, even with the server online', () => {
    const p = parts('online', true);
    sendLinkSignal(p.signaling, p.dht, TO, envelope);
    expect(p.overlay).toEqual([envelope]);
    expect(p.server).toEqual([]);
  });

  it('without the server, asks the overlay, which falls back to the server when it cannot carry it', () => {
    const p = parts('offline', false);
    sendLinkSignal(p.signaling, p.dht, TO, envelope);
    expect(p.routeSignal).toHaveBeenCalledOnce();
    expect(p.server).toEqual([envelope]);
  });

  it('resends every signal the overlay could not carry through the server', () => {
    const p = parts('online', true);
    const second: LinkSignal = { link: '1', signal: { type: 'candidate' } };
    resendThroughServer(p.signaling, TO, [envelope, second]);
    expect(p.server).toEqual([envelope, second]);
  });
});
