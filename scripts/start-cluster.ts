/**
 * `npm run start:cluster [-- N]`: a local try of tabswarm as N server processes sharing one Redis
 * (default 2). Starts redis-server on REDIS_PORT (default 6380, nothing persisted) unless REDIS_URL
 * names one, then N copies of signaling-server/main.ts on PORT, PORT+1, ... (default 8080), each
 * with REDIS_URL set; every other setting in the environment passes through. Prints the URLs and a
 * page URL listing every process (`?server=`), so a tab moves to a live process when one dies.
 * Ctrl-C (or SIGTERM) drains every process, then stops Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.argv[2] ?? 2);
if (!Number.isInteger(count) || count < 1 || count > 64) {
  console.error('start:cluster: give the number of processes, 1 to 64 (e.g. npm run start:cluster -- 3)');
  process.exit(2);
}
const basePort = Number(process.env.PORT ?? 8080);
const children: ChildProcess[] = [];
let redisUrl = process.env.REDIS_URL;

if (redisUrl === undefined || redisUrl === '') {
  const redisPort = Number(process.env.REDIS_PORT ?? 6380);
  const probe = spawnSync('redis-server', ['--version']);
  if (probe.error !== undefined) {
    console.error(
      'start:cluster: redis-server was not found: install it (Debian: apt-get install redis-server) or set REDIS_URL',
    );
    process.exit(2);
  }
  const redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(redis);
  redisUrl = `redis://127.0.0.1:${redisPort}`;
  console.log(`redis-server on ${redisUrl}`);
}

const servers: ChildProcess[] = [];
for (let i = 0; i < count; i++) {
  const port = basePort + i;
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) =>
    console.log(`process ${i + 1} (port ${port}) exited: ${signal ?? code}`),
  );
  servers.push(child);
}
const list = servers.map((_, i) => `ws://localhost:${basePort + i}/signal`).join(',');
console.log(
  `${count} processes on ports ${basePort}-${basePort + count - 1}; open http://localhost:${basePort}/?server=${list}`,
);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  const exits = servers.map((s) => new Promise((r) => (s.exitCode === null ? s.once('exit', r) : r(0))));
  for (const s of servers) s.kill('SIGTERM');
  void Promise.all(exits).then(() => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(0);
  });
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
