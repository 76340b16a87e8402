import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { LEASE_REFRESHES } from '../../signaling-server/hub-store.js';
import { CloseCode } from '../../signaling-server/session.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { startRedis, type RedisProcess } from '../../harness/redis-server.js';
import { runningPort, spawnServer } from './server-process.js';
import { waitFor } from './wait-for.js';
import { hexId, registered, tabId } from './ws-client.js';

/** The smallest lease the settings take: a killed process's tabs are gone within it (plus a sweep). */
const LEASE_MS = 1_000;
/** Reconnect waits are at most 2 s; a restarted redis-server takes a moment too. */
const REDIS_BACK_WITHIN_MS = 10_000;
const SWEPT_WITHIN_MS = LEASE_MS + (2 * LEASE_MS) / LEASE_REFRESHES + 3_000;

describe('two server processes sharing one Redis', () => {
  let redis: RedisProcess;
  let a: RunningServer;
  let b: RunningServer;
  let prefix: string;
  const start = (): Promise<RunningServer> =>
    startServer({
      port: 0,
      host: '127.0.0.1',
      redisUrl: redis.url,
      redisPrefix: prefix,
      hubLeaseMs: LEASE_MS,
    });

  beforeAll(async () => {
    redis = await startRedis();
    prefix = `cluster-${randomBytes(3).toString('hex')}:`;
    a = await start();
    b = await start();
  }, 20_000);
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('hands out, finds and signals tabs whose sockets are on the other process', async () => {
    const one = await registered(a.wsUrl, tabId(1));
    const two = await registered(b.wsUrl, tabId(2));
    expect(two.reply.peers).toEqual([tabId(1)]);
    const infoHash = hexId(1, 'c');
    expect(
      await one.client.request({ type: 'announce', infoHash, event: 'completed', rid: 1 }),
    ).toMatchObject({
      type: 'announced',
      peers: [],
    });
    expect(await two.client.request({ type: 'announce', infoHash, rid: 2 })).toMatchObject({
      type: 'announced',
      peers: [tabId(1)],
      complete: 1,
      incomplete: 1,
    });
    one.client.send({ type: 'signal', to: tabId(2), data: { sdp: 'offer' } });
    expect(await two.client.next()).toEqual({ type: 'signal', from: tabId(1), data: { sdp: 'offer' } });
    two.client.send({ type: 'signal', to: tabId(1), data: 'answer' });
    expect(await one.client.next()).toEqual({ type: 'signal', from: tabId(2), data: 'answer' });
    const unknown = await one.client.request({ type: 'signal', to: tabId(99), data: {}, rid: 'u' });
    expect(unknown).toMatchObject({ type: 'error', code: ErrorCode.UnknownPeer, ref: tabId(99), rid: 'u' });
    expect(a.stats()).toMatchObject({ hubStore: 'redis', hubStoreUp: 1, relaysToOtherProcesses: 1 });
    expect(b.stats()).toMatchObject({ relaysFromOtherProcesses: 1, messagesRelayed: 1, peers: 1 });
    await Promise.all([one.client.close(), two.client.close()]);
  });

  it('supersedes the socket on the other process when a tab registers its id again', async () => {
    const old = await registered(a.wsUrl, tabId(3));
    const moved = await registered(b.wsUrl, tabId(3));
    expect(moved.reply.type).toBe('registered');
    expect((await old.client.closed).code).toBe(CloseCode.Superseded);
    // The id now lives on process b: a tab on a reaches it there.
    const caller = await registered(a.wsUrl, tabId(4));
    caller.client.send({ type: 'signal', to: tabId(3), data: 'hi' });
    expect(await moved.client.next()).toEqual({ type: 'signal', from: tabId(4), data: 'hi' });
    await Promise.all([moved.client.close(), caller.client.close()]);
  });

  it('forgets the tabs of a killed process within its lease; a drained one at once', async () => {
    const killed = spawnServer({
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      HUB_LEASE_MS: String(LEASE_MS),
    });
    // Ends it whatever happens below (a SIGKILL to an exited process is a no-op).
    onTestFinished(() => void killed.child.kill('SIGKILL'));
    const port = await runningPort(killed);
    const doomed = await registered(`ws://127.0.0.1:${port}/signal`, tabId(5));
    await doomed.client.request({ type: 'announce', infoHash: hexId(5, 'c'), rid: 1 });
    const watcher = (await registered(b.wsUrl, tabId(6))).client;
    const peers = async (): Promise<unknown> =>
      (await watcher.request({ type: 'register', peerId: tabId(6), rid: 'again' })).peers;
    expect(await peers()).toContain(tabId(5));
    killed.child.kill('SIGKILL');
    const killedAt = Date.now();
    while (((await peers()) as string[]).includes(tabId(5))) {
      if (Date.now() - killedAt > SWEPT_WITHIN_MS)
        throw new Error(`the killed process's tab was still handed out after ${SWEPT_WITHIN_MS} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await watcher.request({ type: 'announce', infoHash: hexId(5, 'c'), rid: 2 })).toMatchObject({
      peers: [],
    });

    const c = await start();
    const drained = await registered(c.wsUrl, tabId(7));
    expect(await peers()).toContain(tabId(7));
    const closed = drained.client.closed;
    await c.drain();
    expect((await closed).code).toBe(CloseCode.ServiceRestart);
    expect(await peers()).not.toContain(tabId(7));
    await watcher.close();
  }, 40_000);

  it('keeps serving its own tabs while Redis is away, says so in /stats, and writes them back', async () => {
    await redis.stop();
    await waitFor(() => a.stats().hubStoreUp === 0, 'process a to see Redis gone', REDIS_BACK_WITHIN_MS);
    const one = await registered(a.wsUrl, tabId(8));
    const two = await registered(a.wsUrl, tabId(9));
    expect(two.reply.peers).toContain(tabId(8));
    one.client.send({ type: 'signal', to: tabId(9), data: 'still here' });
    expect(await two.client.next()).toEqual({ type: 'signal', from: tabId(8), data: 'still here' });
    await redis.restart();
    await waitFor(
      () => a.stats().hubStoreUp === 1 && a.stats().hubStoreResyncs >= 1,
      'process a to write its tabs back',
      REDIS_BACK_WITHIN_MS,
    );
    await waitFor(() => b.stats().hubStoreUp === 1, 'process b to reconnect', REDIS_BACK_WITHIN_MS);
    const seen = await registered(b.wsUrl, tabId(10));
    expect(seen.reply.peers).toEqual(expect.arrayContaining([tabId(8), tabId(9)]));
    await Promise.all([one.client.close(), two.client.close(), seen.client.close()]);
  }, 40_000);
});
