/**
 * `npm run bench -- server`: the signaling server under load, as child processes of their own, for
 * one process in memory, one on Redis, and two on one Redis (every relay crossing processes):
 * memory per idle socket (10,000 sockets), register and announce rates, and signal relays per
 * second, with the CPU the server processes and redis-server used. Clients are WebSockets in this
 * process; the per-socket rate limit is lifted. No browser.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { toHex } from '../shared/bytes.js';
import { identityFromSecretKey, proveRegister } from '../shared/identity/index.js';
import { startRedis, type RedisProcess } from '../harness/redis-server.js';
import { table } from './bench-types.js';
import { procCpuSeconds, startServerChild, type ServerChild } from './server-child.js';

const UNLIMITED = '10000000';
const PAYLOAD = 'x'.repeat(98); // 100 bytes as JSON, quotes included
/** Relay targets: per core, in memory; the Redis path within 3x of it; memory per 10,000 sockets. */
export const TARGET_RELAYS_PER_CORE = 100_000;
export const TARGET_REDIS_RATIO = 3;
export const TARGET_MB_PER_10K_SOCKETS = 200;

/** CPU seconds of `pid` so far (0 when unknown). */
const cpuSeconds = (pid: number | undefined): number => procCpuSeconds(pid) ?? 0;

/** Resident memory of `pid`, bytes. */
function rssBytes(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

function startChild(env: Record<string, string>): Promise<ServerChild> {
  return startServerChild({
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_SEC: UNLIMITED,
    RATE_LIMIT_BURST: UNLIMITED,
    MAX_SIGNAL_TARGETS: UNLIMITED,
    MAX_SOCKETS_PER_ADDRESS: UNLIMITED,
    MAX_SWARMS_PER_ADDRESS: '1000000000',
    MAX_CONNECTIONS: '20000',
    REGISTER_TIMEOUT_MS: '3600000',
    ...env,
  });
}

async function stopChild(s: ServerChild): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  // A drain: the process releases its registrations and exits; cut if it takes too long.
  s.child.kill('SIGTERM');
  const cut = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(cut);
}

/** A socket that has its challenge (not registered). */
async function open(url: string): Promise<{ ws: WebSocket; nonce: string }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const nonce = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => resolve((JSON.parse(String(data)) as { nonce: string }).nonce));
    ws.once('error', reject);
  });
  return { ws, nonce };
}

interface Tab {
  ws: WebSocket;
  id: string;
  onMessage: (m: { type: string; from?: string }) => void;
}

/** Opens `count` sockets to `url` and registers each; returns them and the registrations/s. */
async function registerTabs(url: string, count: number): Promise<{ tabs: Tab[]; perSecond: number }> {
  const opened = await Promise.all(
    Array.from({ length: count }, async () => {
      const identity = identityFromSecretKey(randomBytes(32));
      const { ws, nonce } = await open(url);
      // Signed before the clock starts: the rate is the server's (proof check included).
      const message = JSON.stringify({
        type: 'register',
        peerId: toHex(identity.peerId),
        ...proveRegister(identity, nonce),
      });
      return { ws, id: toHex(identity.peerId), message };
    }),
  );
  const start = performance.now();
  const tabs = await Promise.all(
    opened.map(
      ({ ws, id, message }) =>
        new Promise<Tab>((resolve) => {
          const tab: Tab = { ws, id, onMessage: () => {} };
          ws.once('message', () => {
            ws.on('message', (data) => tab.onMessage(JSON.parse(String(data)) as { type: string }));
            resolve(tab);
          });
          ws.send(message);
        }),
    ),
  );
  return { tabs, perSecond: count / ((performance.now() - start) / 1000) };
}

/** Announces: every tab keeps `window` in flight, `rounds` each; announces answered per second. */
async function announceRate(tabs: Tab[], rounds: number): Promise<number> {
  const infoHash = randomBytes(20).toString('hex');
  const start = performance.now();
  await Promise.all(
    tabs.map(
      (tab) =>
        new Promise<void>((resolve) => {
          let left = rounds;
          tab.onMessage = () => {
            if (--left === 0) resolve();
            else tab.ws.send(JSON.stringify({ type: 'announce', infoHash, numWant: 5 }));
          };
          tab.ws.send(JSON.stringify({ type: 'announce', infoHash, numWant: 5 }));
        }),
    ),
  );
  return (tabs.length * rounds) / ((performance.now() - start) / 1000);
}

/** Pairs bounce signals, `window` in flight each, for `seconds`; relays delivered per second. */
async function relayRate(pairs: [Tab, Tab][], window: number, seconds: number): Promise<number> {
  let delivered = 0;
  let sent = 0;
  const stopAt = performance.now() + seconds * 1000;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  const send = (from: Tab, to: Tab): void => {
    sent++;
    from.ws.send(JSON.stringify({ type: 'signal', to: to.id, data: PAYLOAD }));
  };
  for (const [a, b] of pairs) {
    const bounce = (me: Tab, other: Tab) => (m: { type: string }) => {
      if (m.type !== 'signal') return;
      delivered++;
      if (performance.now() < stopAt) send(me, other);
      else if (delivered === sent) finish();
    };
    a.onMessage = bounce(a, b);
    b.onMessage = bounce(b, a);
  }
  const start = performance.now();
  for (const [a, b] of pairs) for (let i = 0; i < window; i++) send(a, b);
  const guard = setTimeout(finish, seconds * 1000 + 5_000);
  await done;
  clearTimeout(guard);
  return delivered / ((performance.now() - start) / 1000);
}

interface Setup {
  name: string;
  processes: number;
  redis: boolean;
}

const SETUPS: Setup[] = [
  { name: 'memory, 1 process', processes: 1, redis: false },
  { name: 'Redis, 1 process', processes: 1, redis: true },
  { name: 'Redis, 2 processes', processes: 2, redis: true },
];

interface Row {
  setup: Setup;
  sockets: number;
  mbPerSocketBase: number;
  rssMb: number;
  kbPerSocket: number;
  registers: number;
  announces: number;
  relays: number;
  serverCpu: number;
  redisCpu: number;
}

async function runSetup(setup: Setup, quick: boolean, log: (l: string) => void): Promise<Row> {
  let redis: RedisProcess | undefined;
  const servers: ServerChild[] = [];
  const sockets: WebSocket[] = [];
  try {
    if (setup.redis) redis = await startRedis();
    const env: Record<string, string> = redis ? { REDIS_URL: redis.url, REDIS_PREFIX: 'bench:' } : {};
    for (let i = 0; i < setup.processes; i++) servers.push(await startChild(env));
    const first = servers[0] as ServerChild;
    const pid = first.child.pid;

    // Memory per idle socket, on the first process.
    const idle = quick ? 2_000 : 10_000;
    const rssBefore = rssBytes(pid);
    for (let i = 0; i < idle; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, idle - i) }, () => open(first.wsUrl)),
      );
      for (const s of batch) sockets.push(s.ws);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const rssAfter = rssBytes(pid);
    log(
      `${setup.name}: ${idle} idle sockets, RSS ${(rssBefore / 1e6).toFixed(0)} -> ${(rssAfter / 1e6).toFixed(0)} MB`,
    );
    for (const ws of sockets.splice(0)) ws.terminate();

    // Registrations: half the tabs on each process.
    const perProcess = quick ? 200 : 1_000;
    const registered = await Promise.all(servers.map((s) => registerTabs(s.wsUrl, perProcess)));
    const registers = registered.reduce((sum, r) => sum + r.perSecond, 0);
    const tabs = registered.flatMap((r) => r.tabs);
    for (const t of tabs) sockets.push(t.ws);
    const announces = await announceRate(tabs.slice(0, quick ? 100 : 400), quick ? 20 : 50);

    // Relays: each pair's two tabs on different processes when there are two.
    const pairCount = 32;
    const pairs: [Tab, Tab][] = [];
    const onFirst = registered[0]?.tabs ?? [];
    const onLast = registered[registered.length - 1]?.tabs ?? [];
    for (let i = 0; i < pairCount; i++)
      pairs.push([onFirst[i] as Tab, onLast[setup.processes === 1 ? pairCount + i : i] as Tab]);
    const cpuBefore = servers.map((s) => cpuSeconds(s.child.pid));
    const redisBefore = cpuSeconds(redis?.pid);
    const seconds = quick ? 2 : 4;
    const startedAt = performance.now();
    const relays = await relayRate(pairs, 32, seconds);
    const elapsed = (performance.now() - startedAt) / 1000;
    const serverCpu =
      servers.reduce((sum, s, i) => sum + cpuSeconds(s.child.pid) - (cpuBefore[i] ?? 0), 0) / elapsed;
    const redisCpu = (cpuSeconds(redis?.pid) - redisBefore) / elapsed;
    return {
      setup,
      sockets: idle,
      mbPerSocketBase: rssBefore / 1e6,
      rssMb: rssAfter / 1e6,
      kbPerSocket: (rssAfter - rssBefore) / idle / 1024,
      registers,
      announces,
      relays,
      serverCpu,
      redisCpu,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    for (const s of servers) await stopChild(s);
    await redis?.stop();
  }
}

const k = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (share: number): string => `${Math.round(share * 100)}%`;

/** Runs every setup and returns the Markdown tables. */
export async function serverBench(opts: { quick: boolean; log: (line: string) => void }): Promise<string> {
  const rows: Row[] = [];
  for (const setup of SETUPS) rows.push(await runSetup(setup, opts.quick, opts.log));
  const memory = rows[0] as Row;
  const perCore = (r: Row): number => r.relays / Math.max(r.serverCpu, 0.01);
  const perCoreAll = (r: Row): number => r.relays / Math.max(r.serverCpu + r.redisCpu, 0.01);
  const relays = table(
    [
      'setup',
      'register/s',
      'announce/s',
      'relays/s',
      'server cpu',
      'redis cpu',
      'relays/s per server core',
      'per core, Redis included',
      'memory per core / this',
    ],
    rows.map((r) => [
      r.setup.name,
      k(r.registers),
      k(r.announces),
      k(r.relays),
      pct(r.serverCpu),
      r.setup.redis ? pct(r.redisCpu) : '-',
      k(perCore(r)),
      k(perCoreAll(r)),
      `${(perCore(memory) / perCore(r)).toFixed(2)}x`,
    ]),
  );
  const held = table(
    [
      'setup',
      'idle sockets',
      'RSS before',
      'RSS with sockets',
      'per socket',
      `RSS at 10,000 (target < ${TARGET_MB_PER_10K_SOCKETS} MB)`,
    ],
    rows.map((r) => [
      r.setup.name,
      k(r.sockets),
      `${r.mbPerSocketBase.toFixed(0)} MB`,
      `${r.rssMb.toFixed(0)} MB`,
      `${r.kbPerSocket.toFixed(1)} KiB`,
      `${(r.mbPerSocketBase + (r.kbPerSocket * 1024 * 10_000) / 1e6).toFixed(0)} MB`,
    ]),
  );
  return [
    relays,
    '',
    `Relays: 32 pairs, 32 signals in flight each, 100-byte payloads; with 2 processes every relay crosses processes through Redis. cpu = share of one core over the relay run (servers summed). Targets: >= ${k(TARGET_RELAYS_PER_CORE)} relays/s per core in memory; Redis within ${TARGET_REDIS_RATIO}x of it.`,
    '',
    held,
  ].join('\n');
}
