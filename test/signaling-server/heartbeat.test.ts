import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { TestClient, hexId, registered, stillServed } from './ws-client.js';

const HEARTBEAT_MS = 150;
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', heartbeatMs: HEARTBEAT_MS });
});
afterAll(() => server.close());

describe('heartbeat', () => {
  it('reaps a socket that stops answering pings and frees its id and swarms', async () => {
    const healthy = (await registered(server.wsUrl, hexId(1))).client;
    const mute = await TestClient.open(server.wsUrl, { autoPong: false });
    expect(await mute.request({ type: 'register', peerId: hexId(2) })).toMatchObject({ type: 'registered' });
    await mute.request({ type: 'announce', infoHash: hexId(1, 'f') });
    const started = Date.now();
    await mute.closed;
    const elapsed = Date.now() - started;
    // One beat to ping, the next to find no pong.
    expect(elapsed).toBeLessThan(HEARTBEAT_MS * 2 + 1500);
    expect(server.stats()).toMatchObject({ peers: 1, swarms: 0, socketsReaped: 1 });
    // The answering socket survives several more beats.
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 4));
    expect(healthy.isOpen).toBe(true);
    await stillServed(healthy);
    const back = await registered(server.wsUrl, hexId(2));
    await Promise.all([back.client.close(), healthy.close()]);
  });
});
