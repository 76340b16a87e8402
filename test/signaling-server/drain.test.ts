import { afterAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../signaling-server/hub.js';
import { OPS_PATHS } from '../../signaling-server/ops-endpoints.js';
import { startServer } from '../../signaling-server/server.js';
import { getRequest, rawRequest } from './raw-http.js';
import { runningPort, spawnServer, type ServerProcess } from './server-process.js';
import { sleep } from './wait-for.js';
import { registered, tabId } from './ws-client.js';

/** Long enough to look at a draining server before it closes its sockets. */
const DRAIN_DELAY_MS = 1_500;
const DRAIN_TIMEOUT_MS = 5_000;

const readyStatus = async (port: number): Promise<number | string> =>
  fetch(`http://127.0.0.1:${port}${OPS_PATHS.ready}`).then(
    (r) => r.status,
    (err: Error) => err.message,
  );

describe('drain', () => {
  it('goes unready, refuses new sockets, tells tabs to come back later (1012), then stops', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', drainDelayMs: DRAIN_DELAY_MS });
    const tab = (await registered(server.wsUrl, tabId(1))).client;
    const started = Date.now();
    const drained = server.drain();
    expect(server.ready()).toBe(false);
    expect(await readyStatus(server.port)).toBe(503);
    expect((await fetch(`${server.url}${OPS_PATHS.health.slice(1)}`)).status).toBe(200);
    expect((await rawRequest(server.port, getRequest('/signal', true))).status).toBe(503);
    expect(tab.isOpen).toBe(true);
    const closed = await tab.closed;
    expect(closed).toEqual({ code: CloseCode.ServiceRestart, reason: 'server restarting' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(DRAIN_DELAY_MS - 50);
    await drained;
    expect(typeof (await readyStatus(server.port))).toBe('string'); // no longer listening
  });
});

describe('SIGTERM', () => {
  let proc: ServerProcess | undefined;
  afterAll(() => {
    if (proc?.child.exitCode === null) proc.child.kill('SIGKILL');
  });

  it('turns /readyz unready, closes the tabs with 1012 and exits 0 within the bound', async () => {
    proc = spawnServer({
      PORT: '0',
      HOST: '127.0.0.1',
      DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
    });
    const port = await runningPort(proc);
    expect(await readyStatus(port)).toBe(200);
    const tab = (await registered(`ws://127.0.0.1:${port}/signal`, tabId(2))).client;
    const started = Date.now();
    proc.child.kill('SIGTERM');
    let status = await readyStatus(port);
    while (status !== 503) {
      if (Date.now() - started > DRAIN_DELAY_MS)
        throw new Error(`gave up waiting for /readyz to answer 503 (last: ${status})`);
      await sleep(20);
      status = await readyStatus(port);
    }
    expect((await tab.closed).code).toBe(CloseCode.ServiceRestart);
    expect(await proc.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(DRAIN_TIMEOUT_MS);
    expect(proc.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'draining', 'drained']));
  });
});
