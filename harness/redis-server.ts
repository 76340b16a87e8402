import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Where the tests find redis-server (Debian's package; scripts/test.sh installs it). */
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? 'redis-server';
/** How long a fresh redis-server may take to answer PING. */
const START_TIMEOUT_MS = 10_000;

/** A redis-server a test or benchmark started, on a port of its own, with nothing persisted. */
export interface RedisProcess {
  url: string;
  port: number;
  /** Its process id (for CPU figures), undefined once stopped. */
  readonly pid: number | undefined;
  /** Stops it (SIGTERM) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (as a Redis restarted without persistence). */
  restart(): Promise<void>;
}

/** A TCP port nobody listens on now (bound by the OS, then let go). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

/** Fails with what to install when redis-server is missing: the test never skips. */
function checkInstalled(): void {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0)
    throw new Error(
      `redis-server is needed for the Redis hub tests and was not found (${REDIS_SERVER}): ` +
        "install Debian's redis-server (apt-get install redis-server; scripts/test.sh does it as root) " +
        'or set REDIS_SERVER_PATH',
    );
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += String(c)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (child.exitCode === null && !(await answers(port))) {
    if (Date.now() > deadline)
      throw new Error(
        `gave up after ${START_TIMEOUT_MS} ms waiting for redis-server on port ${port}: ${stderr}`,
      );
    await sleep(50);
  }
  if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${stderr}`);
  return child;
}

/** Whether a Redis on `port` answers PING. */
async function answers(port: number): Promise<boolean> {
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Starts redis-server on a free port. */
export async function startRedis(): Promise<RedisProcess> {
  checkInstalled();
  const port = await freePort();
  let child = await launch(port);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.exitCode === null ? child.pid : undefined;
    },
    stop,
    restart: async () => {
      await stop();
      child = await launch(port);
    },
  };
}
