import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, type TabswarmError } from '../../../shared/errors.js';
import { WebSocketSignalingSocketFactory } from '../../../client/src/adapters/websocket-signaling-socket.js';
import { DRAIN_RECONNECT_SPREAD_MS } from '../../../client/src/app/reconnect-backoff.js';
import { RECONNECT_MIN_MS, SignalingClient } from '../../../client/src/app/signaling-client.js';
import { CloseCode } from '../../../signaling-server/hub.js';
import { startServer, type RunningServer } from '../../../signaling-server/server.js';
import { sleep, waitFor } from '../../signaling-server/wait-for.js';
import { registered, tabId, tabIdentity } from '../../signaling-server/ws-client.js';

/** Watch well past the client's first reconnect. */
const RECONNECT_WATCH_MS = RECONNECT_MIN_MS * 1.5;
let server: RunningServer;
const clients: SignalingClient[] = [];

const sockets = new WebSocketSignalingSocketFactory({
  WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
});

function client(n: number): SignalingClient {
  const c = new SignalingClient(sockets, server.wsUrl, tabIdentity(n));
  clients.push(c);
  return c;
}

beforeEach(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await server.close();
});

describe('SignalingClient identity', () => {
  it('registers its key-bound id by answering the challenge', async () => {
    const c = client(1);
    expect(c.peerId).toBe(tabId(1));
    await c.start();
    expect(c.state).toBe('online');
    expect(server.stats()).toMatchObject({ peers: 1, proofsRefused: 0 });
  });

  it('a reconnecting tab gets its id back while a stale socket still holds it', async () => {
    const stale = await registered(server.wsUrl, tabId(2));
    const c = client(2);
    await c.start();
    expect(c.state).toBe('online');
    expect((await stale.client.closed).code).toBe(CloseCode.Superseded);
    // Signals for the id reach the tab.
    const got: unknown[] = [];
    c.on('signal', (_from, data) => got.push(data));
    const caller = await registered(server.wsUrl, tabId(3));
    caller.client.send({ type: 'signal', to: tabId(2), data: 'offer' });
    await waitFor(() => got.length === 1, 'the offer');
    await caller.client.close();
  });

  it('superseded by another holder of its key, it goes offline and stops reconnecting', async () => {
    const first = client(4);
    await first.start();
    const errors: TabswarmError[] = [];
    first.on('state', (state, error) => {
      if (state === 'offline' && error) errors.push(error);
    });
    const second = client(4);
    await second.start();
    await waitFor(() => first.state === 'offline', 'the first client to go offline');
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.PeerIdSuperseded]);
    await sleep(RECONNECT_WATCH_MS);
    expect(first.state).toBe('offline');
    expect(second.state).toBe('online');
    expect(server.stats()).toMatchObject({ peers: 1, peersSuperseded: 1 });
  });
});

describe('SignalingClient and a draining server', () => {
  /** Where in the drain window this tab's return falls: early, to keep the test short. */
  const SPREAD_DRAW = 0.05;

  it('goes offline on 1012 and comes back to the restarted server after a spread-out wait', async () => {
    const c = new SignalingClient(sockets, server.wsUrl, tabIdentity(5), () => SPREAD_DRAW);
    clients.push(c);
    await c.start();
    const port = server.port;
    const offline: TabswarmError[] = [];
    c.on('state', (state, error) => {
      if (state === 'offline' && error) offline.push(error);
    });
    await server.drain();
    expect(offline.map((e) => e.message)).toEqual([expect.stringMatching(/restarting/) as string]);
    const expected = RECONNECT_MIN_MS + SPREAD_DRAW * DRAIN_RECONNECT_SPREAD_MS;
    expect(c.lastReconnectDelayMs).toBe(expected);
    server = await startServer({ port, host: '127.0.0.1' });
    await waitFor(
      () => c.state === 'online',
      'the tab to register with the restarted server',
      expected + 2_000,
    );
  }, 20_000);
});

describe('SignalingClient TURN credentials', () => {
  it('uses the newest credentials the server sends for new links', async () => {
    await server.close();
    const turn = { urls: ['turn:turn.example.org:3478'], secret: 'north-wind', ttlSeconds: 1 };
    server = await startServer({ port: 0, host: '127.0.0.1', turn });
    const c = client(20);
    await c.start();
    const first = c.iceServers[0]?.username;
    expect(first).toMatch(new RegExp(`^\\d+:${tabId(20)}$`));
    // Renewed at half the TTL: a later expiry replaces the first.
    await waitFor(() => (c.iceServers[0]?.username ?? '') > (first ?? ''), 'renewed TURN credentials', 3000);
    expect(c.iceServers[0]?.urls).toEqual(turn.urls);
  });
});

describe('SignalingClient with several servers', () => {
  it('moves to the next server when the one it used is gone', async () => {
    const other = await startServer({ port: 0, host: '127.0.0.1' });
    try {
      const c = new SignalingClient(sockets, [server.wsUrl, other.wsUrl], tabIdentity(30));
      clients.push(c);
      await c.start();
      expect(c.url).toBe(server.wsUrl);
      // The first server dies; the tab's next attempt goes to the second, and it registers there.
      await server.close();
      await waitFor(
        () => other.stats().peers === 1,
        'the tab to register on the second server',
        RECONNECT_MIN_MS * 2 + 2_000,
      );
      expect(c.url).toBe(other.wsUrl);
      await waitFor(() => c.state === 'online', 'the tab to be online again');
    } finally {
      for (const c of clients.splice(0)) c.stop();
      await other.close();
    }
  });
});
