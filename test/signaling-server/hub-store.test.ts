import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { silentLogger } from '../../signaling-server/logger.js';
import { MemoryBackplane, MemoryHubStore } from '../../signaling-server/memory-hub-store.js';
import { RedisHubStore } from '../../signaling-server/redis-hub-store.js';
import { hubStoreContract, type ProcessUnderTest } from './hub-store-contract.js';
import { startRedis, type RedisProcess } from '../../harness/redis-server.js';

type Store = MemoryHubStore | RedisHubStore;

async function processes(stores: Store[]): Promise<ProcessUnderTest[]> {
  const out: ProcessUnderTest[] = [];
  for (const store of stores) {
    const p: ProcessUnderTest = { store, delivered: [], superseded: [], crash: () => store.crash() };
    await store.start({
      deliver: (to, frame) => p.delivered.push({ to, frame }),
      supersede: (peerId) => p.superseded.push(peerId),
    });
    out.push(p);
  }
  return out;
}

hubStoreContract('in memory', (count, options) => {
  const plane = new MemoryBackplane(options, seededRandom(7));
  return processes(Array.from({ length: count }, () => new MemoryHubStore(plane, options)));
});

let redis: RedisProcess | undefined;
beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  await redis?.stop();
});

hubStoreContract('redis', (count, options) => {
  if (redis === undefined) throw new Error('redis-server did not start');
  // A prefix per test: every test starts from empty shared state.
  const prefix = `test-${randomBytes(4).toString('hex')}:`;
  const url = redis.url;
  return processes(
    Array.from(
      { length: count },
      (_, i) => new RedisHubStore({ ...options, url, prefix, random: seededRandom(i), log: silentLogger }),
    ),
  );
});
