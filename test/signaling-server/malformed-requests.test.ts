import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../shared/random.js';
import { CloseCode } from '../../signaling-server/hub.js';
import { STATS_PATH, startServer, type RunningServer } from '../../signaling-server/server.js';
import { memoryLog } from './memory-log.js';
import { getRequest, rawRequest } from './raw-http.js';
import { runningPort, spawnServer, type ServerProcess } from './server-process.js';
import { TestClient, registerMessage, tabId, registered, stillServed } from './ws-client.js';

/** Request targets Node's parser lets through and `new URL` rejects. */
const BAD_TARGETS = ['//', '///', '//:99999', '//a:b@', 'http://[', '//[::1', '//%'];
/** Requests Node's own parser cannot read at all. */
const UNPARSEABLE = [
  'HELLO\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
  'GET //a b HTTP/9\r\n\r\n',
];
const MALFORMED_COUNT = 1000;
const BATCH = 50;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterAll(() => server.close());

async function statsStatus(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${STATS_PATH}`)).status;
}

describe('requests the server cannot parse', () => {
  it.each(BAD_TARGETS)('answers %s with 400, plain and as a WebSocket upgrade', async (target) => {
    for (const upgrade of [false, true]) {
      const reply = await rawRequest(server.port, getRequest(target, upgrade));
      expect(reply.status, `${target} upgrade=${upgrade}`).toBe(400);
    }
    expect(await statsStatus(server.port)).toBe(200);
  });

  it.each(UNPARSEABLE)('answers a request Node cannot parse (%j) with 400', async (request) => {
    expect((await rawRequest(server.port, request)).status).toBe(400);
  });

  it(`serves on after ${MALFORMED_COUNT} malformed requests, and a tab registered before is untouched`, async () => {
    const tab = (await registered(server.wsUrl, tabId(1))).client;
    const all = [...BAD_TARGETS.flatMap((t) => [getRequest(t), getRequest(t, true)]), ...UNPARSEABLE];
    const before = server.stats().badRequests;
    for (let sent = 0; sent < MALFORMED_COUNT; sent += BATCH) {
      const replies = await Promise.all(
        Array.from({ length: BATCH }, (_, i) =>
          rawRequest(server.port, all[(sent + i) % all.length] as string),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 400));
    }
    expect(server.stats().badRequests - before).toBe(MALFORMED_COUNT);
    expect(await statsStatus(server.port)).toBe(200);
    await stillServed(tab);
    const late = await registered(server.wsUrl, tabId(2));
    await Promise.all([tab.close(), late.client.close()]);
  });
});

describe('the server process', () => {
  let server: ServerProcess;
  let port = 0;
  beforeAll(async () => {
    server = spawnServer({ PORT: '0', HOST: '127.0.0.1' });
    port = await runningPort(server);
  });
  afterAll(() => {
    server.child.kill();
  });

  it('keeps running after a request for // (plain and upgrade)', async () => {
    expect(server.child.exitCode).toBe(null);
    expect((await rawRequest(port, getRequest('//'))).status).toBe(400);
    expect((await rawRequest(port, getRequest('//', true))).status).toBe(400);
    expect(await statsStatus(port)).toBe(200);
    expect(server.child.exitCode).toBe(null);
  });
});

describe('unexpected errors', () => {
  it('close only the socket they came from (1011); everyone else is served', async () => {
    let armed = false;
    const base = seededRandom(1);
    const random: Random = {
      next: () => base.next(),
      bytes: (n) => base.bytes(n),
      int: (n) => {
        if (armed) throw new Error('injected fault');
        return base.int(n);
      },
    };
    const { log, lines } = memoryLog();
    const faulty = await startServer({ port: 0, host: '127.0.0.1', random, log });
    const first = (await registered(faulty.wsUrl, tabId(1))).client;
    armed = true;
    // Registering next to another peer draws a random bootstrap set: the handler throws.
    const victim = await TestClient.open(faulty.wsUrl);
    victim.send(await registerMessage(victim, tabId(2)));
    expect((await victim.closed).code).toBe(CloseCode.InternalError);
    armed = false;
    expect(faulty.stats().internalErrors).toBe(1);
    const line = lines.find((l) => l.level === 'error' && String(l.error).includes('injected fault'));
    expect(line).toMatchObject({ msg: 'internal error' });
    await stillServed(first);
    const again = await registered(faulty.wsUrl, tabId(2));
    await Promise.all([first.close(), again.client.close()]);
    await faulty.close();
  });
});
