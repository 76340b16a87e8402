import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { rawRequest } from './raw-http.js';
import { TestClient, tabId, registered, stillServed } from './ws-client.js';

const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 400;
const KEEP_ALIVE_TIMEOUT_MS = 200;
const CHECK_MS = 50;
/** Slack for timers on a loaded machine. */
const SLACK_MS = 1500;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    httpTimeoutCheckMs: CHECK_MS,
  });
});
afterAll(() => server.close());

describe('HTTP timeouts', () => {
  it('answers 408 and closes a request whose headers never finish', async () => {
    const started = Date.now();
    const reply = await rawRequest(
      server.port,
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n',
      HEADERS_TIMEOUT_MS + SLACK_MS,
    );
    expect(reply).toMatchObject({ status: 408, closed: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - CHECK_MS);
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', async () => {
    const socket = connect({ host: '127.0.0.1', port: server.port });
    let answered = 0;
    socket.on('data', () => (answered = Date.now()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    socket.write('GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const closedAt = await Promise.race([
      closed,
      // Node adds up to a second of its own to the keep-alive timeout.
      new Promise<number>((r) => setTimeout(() => r(-1), KEEP_ALIVE_TIMEOUT_MS + 1000 + SLACK_MS)),
    ]);
    socket.destroy();
    expect(answered).toBeGreaterThan(0);
    expect(closedAt).toBeGreaterThan(0);
    expect(closedAt - answered).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - CHECK_MS);
  });

  it('leaves WebSockets alone past every HTTP timeout', async () => {
    const tab = (await registered(server.wsUrl, tabId(1))).client;
    await new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + KEEP_ALIVE_TIMEOUT_MS + 4 * CHECK_MS));
    expect(tab.isOpen).toBe(true);
    await stillServed(tab);
    await tab.close();
  });
});

describe('TCP connection cap', () => {
  it('refuses connections beyond maxTcpConnections and serves the ones it holds', async () => {
    const MAX = 3;
    const small = await startServer({ port: 0, host: '127.0.0.1', maxTcpConnections: MAX });
    const held = [];
    for (let i = 0; i < MAX; i++) held.push((await registered(small.wsUrl, tabId(i))).client);
    await expect(TestClient.open(small.wsUrl)).rejects.toThrow();
    expect(await rawRequest(small.port, 'GET /stats HTTP/1.1\r\nHost: x\r\n\r\n')).toMatchObject({
      status: undefined,
      closed: true,
    });
    for (const c of held) await stillServed(c);
    await held[0]?.close();
    // A freed connection is a connection to take again (the close reaches the server soon after).
    let again: TestClient | undefined;
    for (let i = 0; i < 50 && again === undefined; i++)
      again = await TestClient.open(small.wsUrl).catch(() => undefined);
    expect(again?.isOpen).toBe(true);
    await Promise.all([...held.slice(1), ...(again ? [again] : [])].map((c) => c.close()));
    await small.close();
  });
});
