import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { RedisHubStore } from '../../signaling-server/redis-hub-store.js';
import { TEST_LEASE_MS } from './hub-store-contract.js';
import { memoryLog, type LogLine } from './memory-log.js';
import { startRedis, type RedisProcess } from '../../harness/redis-server.js';
import { waitFor } from './wait-for.js';

const LIMITS = { maxSwarmsPerPeer: 8, maxSwarmsPerOwner: 64 };
const id = (n: number): string => n.toString(16).padStart(40, '0');
const HASH = 'ab'.repeat(20);
/** Reconnects wait at most 2 s; a restarted redis-server takes a moment to come up too. */
const BACK_WITHIN_MS = 10_000;

describe('Redis hub store when Redis goes away', () => {
  let redis: RedisProcess;
  const stores: RedisHubStore[] = [];
  const make = (log = memoryLog().log, prefix = 'outage:'): RedisHubStore => {
    const store = new RedisHubStore({
      ...LIMITS,
      url: redis.url,
      prefix,
      leaseMs: TEST_LEASE_MS,
      random: seededRandom(stores.length),
      log,
    });
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    redis = await startRedis();
  }, 20_000);
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('serves its own peers alone while Redis is down, says so, and writes them back when it returns', async () => {
    const { log: logger, lines } = memoryLog();
    const prefix = `outage-${randomBytes(3).toString('hex')}:`;
    const a = make(logger, prefix);
    const b = make(undefined, prefix);
    const noop = { deliver: () => {}, supersede: () => {} };
    await a.start(noop);
    await b.start(noop);
    await a.register(id(1), 0);
    await a.announce(id(1), HASH, 'completed', 0, 'addr');
    await a.register(id(4), 0);

    await redis.stop();
    await waitFor(() => a.health().up === 0, 'the store to notice Redis is gone', BACK_WITHIN_MS);
    expect(lines.some((l: LogLine) => l.level === 'warn' && /redis is unreachable/.test(l.msg))).toBe(true);
    // This process's own tabs still find each other; nothing is thrown at the hub.
    expect(await a.register(id(2), 5)).toEqual(expect.arrayContaining([id(1), id(4)]));
    expect(await a.announce(id(2), HASH, 'started', 5, 'addr')).toMatchObject({ ok: true, peers: [id(1)] });
    // A tab that left during the outage must not come back with the resync.
    a.unregister(id(4));
    expect(await a.relay(id(9), 'x')).toBe(false);

    // Redis restarts empty (no persistence): everything process a holds is written again.
    await redis.restart();
    await waitFor(
      () => a.health().up === 1 && a.health().resyncs >= 1,
      'process a to resync',
      BACK_WITHIN_MS,
    );
    await waitFor(() => b.health().up === 1, 'process b to reconnect', BACK_WITHIN_MS);
    expect((await b.sample(10, id(7))).sort()).toEqual([id(1), id(2)]);
    expect(await b.announce(id(3), HASH, 'started', 5, 'other')).toMatchObject({
      ok: true,
      complete: 1,
      incomplete: 2,
    });
    expect(lines.some((l) => /resynced with redis/.test(l.msg))).toBe(true);
  }, 30_000);

  it('starts while Redis is away and joins when it comes', async () => {
    await redis.stop();
    const a = make();
    await a.start({ deliver: () => {}, supersede: () => {} });
    expect(a.health().up).toBe(0);
    expect(await a.register(id(1), 5)).toEqual([]);
    await redis.restart();
    await waitFor(() => a.health().up === 1 && a.health().resyncs >= 1, 'the store to join', BACK_WITHIN_MS);
    const b = make();
    await b.start({ deliver: () => {}, supersede: () => {} });
    expect(await b.sample(5, id(2))).toEqual([id(1)]);
  }, 30_000);
});
