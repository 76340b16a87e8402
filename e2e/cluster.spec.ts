import { test, expect, type Page } from '@playwright/test';
import { ALLOW_LOOPBACK_PORTS, launchChromium } from '../harness/chromium.js';
import { startRedis, type RedisProcess } from '../harness/redis-server.js';
import { runningPort, spawnServer, type ServerProcess } from '../test/signaling-server/server-process.js';
import { appReady, randomFile, sha256 } from './fixtures.js';

/** Short, so the killed process's registrations lapse within the test. */
const LEASE_MS = 2_000;

interface Process {
  proc: ServerProcess;
  port: number;
  page: string;
  ws: string;
}

async function serverProcess(redis: RedisProcess): Promise<Process> {
  const proc = spawnServer({
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    HUB_LEASE_MS: String(LEASE_MS),
  });
  const port = await runningPort(proc);
  return { proc, port, page: `http://127.0.0.1:${port}/`, ws: `ws://127.0.0.1:${port}/signal` };
}

async function stats(p: Process): Promise<Record<string, unknown>> {
  return (await (await fetch(`${p.page}stats`)).json()) as Record<string, unknown>;
}

/** Opens the app on `p`, told every process (its own first) so it can move when one dies. */
async function openOn(page: Page, p: Process, all: Process[]): Promise<void> {
  const servers = [p, ...all.filter((o) => o !== p)].map((o) => o.ws).join(',');
  await page.goto(`${p.page}?server=${servers}`);
  await appReady(page);
}

test('two server processes on one Redis: tabs on each swarm, and survive one being killed', async () => {
  const redis = await startRedis();
  const one = await serverProcess(redis);
  const two = await serverProcess(redis);
  const all = [one, two];
  // Pages on one port open sockets to the other: Chromium must allow loopback ports.
  const browser = await launchChromium([ALLOW_LOOPBACK_PORTS]);
  try {
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => (await browser.newContext()).newPage()));
    await openOn(a!, one, all);
    await openOn(b!, two, all);
    const file = randomFile(512 * 1024);
    const { infoHash, magnet } = await a!.evaluate(
      (bytes) => window.tabswarm.seed(new Uint8Array(bytes), 'cluster.bin'),
      [...file],
    );
    // b's socket is on the other process: the tracker and the signals cross through Redis.
    await b!.evaluate((m) => window.tabswarm.download(m), magnet);
    await b!.evaluate((h) => window.tabswarm.waitForComplete(h, 60_000), infoHash);
    expect(await b!.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
    expect(await stats(one)).toMatchObject({ hubStore: 'redis', hubStoreUp: 1 });
    expect(Number((await stats(two)).relaysToOtherProcesses)).toBeGreaterThan(0);

    // Process one dies without a word; its tab moves to process two and registers there.
    one.proc.child.kill('SIGKILL');
    await expect
      .poll(async () => (await stats(two)).peers, { timeout: 30_000, message: 'tab a to register on two' })
      .toBe(2);
    await expect
      .poll(async () => (await stats(two)).clusterPeers, {
        timeout: 10_000,
        message: 'only live tabs counted',
      })
      .toBe(2);
    await openOn(c!, two, [two]);
    await c!.evaluate((m) => window.tabswarm.download(m), magnet);
    await c!.evaluate((h) => window.tabswarm.waitForComplete(h, 60_000), infoHash);
    expect(await c!.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
    expect(await a!.evaluate(() => window.tabswarm.status().server)).toBe('online');
  } finally {
    await browser.close();
    for (const p of all) p.proc.child.kill('SIGTERM');
    await Promise.all(all.map((p) => p.proc.exited));
    await redis.stop();
  }
});
