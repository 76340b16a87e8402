import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { CloseCode } from '../../signaling-server/hub.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { waitFor } from './wait-for.js';
import { TestClient, hexId, registerMessage, tabId, registered, stillServed } from './ws-client.js';

const HEARTBEAT_MS = 150;
/** Several beats long, so a socket that only answers pings sees many of them before it. */
const REGISTER_TIMEOUT_MS = HEARTBEAT_MS * 4;
/** Slack for timers on a loaded machine. */
const SLACK_MS = 1500;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    heartbeatMs: HEARTBEAT_MS,
    registerTimeoutMs: REGISTER_TIMEOUT_MS,
  });
});
afterAll(() => server.close());

/** Counts the pings `client` receives (ws answers them by itself unless autoPong is off). */
function pingsOf(client: TestClient): () => number {
  let pings = 0;
  client.ws.on('ping', () => pings++);
  return () => pings;
}

describe('heartbeat', () => {
  it('reaps a socket that stops answering pings and frees its id and swarms', async () => {
    const healthy = (await registered(server.wsUrl, tabId(1))).client;
    const pings = pingsOf(healthy);
    const mute = await TestClient.open(server.wsUrl, { autoPong: false });
    expect(await mute.request(await registerMessage(mute, tabId(2)))).toMatchObject({ type: 'registered' });
    await mute.request({ type: 'announce', infoHash: hexId(1, 'f') });
    const started = Date.now();
    await mute.closed;
    const elapsed = Date.now() - started;
    // One beat to ping, the next to find no pong.
    expect(elapsed).toBeLessThan(HEARTBEAT_MS * 2 + SLACK_MS);
    expect(server.stats()).toMatchObject({ peers: 1, swarms: 0, socketsReaped: 1 });
    // The answering socket survives several more beats.
    const seen = pings();
    await waitFor(() => pings() >= seen + 4, '4 more pings', HEARTBEAT_MS * 4 + SLACK_MS);
    expect(healthy.isOpen).toBe(true);
    await stillServed(healthy);
    const back = await registered(server.wsUrl, tabId(2));
    await Promise.all([back.client.close(), healthy.close()]);
  });
});

describe('register deadline', () => {
  it('closes a socket that answers pings but never speaks, with TIMEOUT and 1008', async () => {
    const idle = await TestClient.open(server.wsUrl);
    const pings = pingsOf(idle);
    const started = Date.now();
    expect(await idle.next(REGISTER_TIMEOUT_MS + SLACK_MS)).toMatchObject({
      type: 'error',
      code: ErrorCode.Timeout,
    });
    expect((await idle.closed).code).toBe(CloseCode.PolicyViolation);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(REGISTER_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(REGISTER_TIMEOUT_MS + SLACK_MS);
    // It answered every ping: the heartbeat alone would have kept it forever.
    expect(pings()).toBeGreaterThan(0);
    expect(server.stats().registerTimeouts).toBeGreaterThanOrEqual(1);
  });

  it('closes a socket that speaks but never registers', async () => {
    const chatty = await TestClient.open(server.wsUrl);
    const refused = await chatty.request({ type: 'announce', infoHash: hexId(1, 'f') });
    expect(refused).toMatchObject({ code: ErrorCode.SignalInvalid });
    expect((await chatty.closed).code).toBe(CloseCode.PolicyViolation);
  });

  it('never closes a registered tab that stays quiet', async () => {
    const quiet = (await registered(server.wsUrl, tabId(30))).client;
    const pings = pingsOf(quiet);
    // Quiet for two register deadlines and many beats.
    const beats = (2 * REGISTER_TIMEOUT_MS) / HEARTBEAT_MS;
    await waitFor(() => pings() >= beats, `${beats} pings`, 2 * REGISTER_TIMEOUT_MS + SLACK_MS);
    expect(quiet.isOpen).toBe(true);
    await stillServed(quiet);
    await quiet.close();
  });
});
