/**
 * Relayed `signal` messages per second through the signaling server, 100-byte payloads, for
 * N pairs of local WebSocket clients. Each pair keeps `window` messages in flight: A sends to
 * B through the server, B sends each one back, A sends the next. Loopback only; every run is
 * bounded by a message count and a time limit.
 *
 *   npx tsx bench/signaling-relay.ts [--pairs 1,4,16,64] [--window 32] [--seconds 3]
 *                                    [--messages 200000] [--in-process]
 *
 * By default the server runs in a child process so it has a core of its own; --in-process runs
 * it in this process (clients and server then share one core). The per-socket rate limit is
 * lifted for the run: it would otherwise cap each socket at 50 messages/s.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { toHex } from '../shared/bytes.js';
import { identityFromSecretKey, proveRegister } from '../shared/identity/index.js';
import { startServer } from '../signaling-server/server.js';
import { procCpuSeconds, startServerChild } from './server-child.js';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '1,4,16,64' },
    window: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '3' },
    messages: { type: 'string', default: '200000' },
    'in-process': { type: 'boolean', default: false },
  },
});
const PAIRS = args.pairs.split(',').map(Number);
const WINDOW = Number(args.window);
const SECONDS = Math.min(Number(args.seconds), 30);
const MAX_MESSAGES = Math.min(Number(args.messages), 2_000_000);
const PAYLOAD = 'x'.repeat(98); // 100 bytes as JSON, quotes included
const UNLIMITED = '10000000';

interface Server {
  wsUrl: string;
  statsUrl: string;
  /** CPU seconds the server process has used so far, where it can be read (Linux /proc). */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

const ownCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function childServer(): Promise<Server> {
  const { child, wsUrl, statsUrl } = await startServerChild({
    RATE_LIMIT_PER_SEC: UNLIMITED,
    RATE_LIMIT_BURST: UNLIMITED,
    // Every client comes from 127.0.0.1: up to 64 pairs is 128 sockets from one address.
    MAX_SOCKETS_PER_ADDRESS: UNLIMITED,
  });
  return {
    wsUrl,
    statsUrl,
    cpuSeconds: () => procCpuSeconds(child.pid),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function inProcessServer(): Promise<Server> {
  const n = Number(UNLIMITED);
  const s = await startServer({
    port: 0,
    host: '127.0.0.1',
    rateLimit: { perSecond: n, burst: n },
    maxSocketsPerAddress: n,
  });
  return { wsUrl: s.wsUrl, statsUrl: `${s.url}stats`, cpuSeconds: () => undefined, stop: () => s.close() };
}

/** A registered client; `onSignal` sees every relayed signal. */
async function client(
  wsUrl: string,
  onSignal: (ws: WebSocket, from: string) => void,
): Promise<{ ws: WebSocket; id: string }> {
  const identity = identityFromSecretKey(randomBytes(32));
  const id = toHex(identity.peerId);
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  // The server speaks first: its challenge, which the register signs.
  await new Promise<void>((resolve, reject) => {
    ws.on('message', function onReply(data) {
      const m = JSON.parse(String(data)) as { type: string; nonce?: string };
      if (m.type === 'challenge' && m.nonce !== undefined) {
        ws.send(JSON.stringify({ type: 'register', peerId: id, ...proveRegister(identity, m.nonce) }));
        return;
      }
      ws.off('message', onReply);
      if (m.type === 'registered') resolve();
      else reject(new Error(`register: ${String(data)}`));
    });
    ws.once('error', reject);
  });
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; from?: string };
    if (m.type === 'signal' && m.from) onSignal(ws, m.from);
    else if (m.type === 'error') console.error(`server error: ${String(data)}`);
  });
  return { ws, id };
}

async function relayedCount(statsUrl: string): Promise<number> {
  const stats = (await (await fetch(statsUrl)).json()) as { messagesRelayed: number };
  return stats.messagesRelayed;
}

interface Row {
  pairs: number;
  relayed: number;
  seconds: number;
  perSecond: number;
  serverRelayed: number;
  /** CPU use over the run as a share of one core: this process (clients) and the server. */
  clientCpu: number;
  serverCpu: number | undefined;
}

async function run(server: Server, pairs: number): Promise<Row> {
  let sent = 0;
  let delivered = 0;
  let stopAt = Infinity;
  const sendTo = (ws: WebSocket, to: string): void => {
    sent++;
    ws.send(JSON.stringify({ type: 'signal', to, data: PAYLOAD }));
  };
  const mayContinue = (): boolean => sent < MAX_MESSAGES && performance.now() < stopAt;
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const checkDone = (): void => {
    if (!mayContinue() && delivered === sent) allDone();
  };

  const sockets: WebSocket[] = [];
  const pairList: { a: { ws: WebSocket; id: string }; b: { ws: WebSocket; id: string } }[] = [];
  for (let i = 0; i < pairs; i++) {
    // Each side answers every message it gets with a fresh one to the sender while the budget
    // lasts: B echoes A's messages, A sends the next one for each echo.
    const bounce = (ws: WebSocket, from: string): void => {
      delivered++;
      if (mayContinue()) sendTo(ws, from);
      checkDone();
    };
    const a = await client(server.wsUrl, bounce);
    const b = await client(server.wsUrl, bounce);
    sockets.push(a.ws, b.ws);
    pairList.push({ a, b });
  }

  const before = await relayedCount(server.statsUrl);
  const clientCpuBefore = ownCpuSeconds();
  const serverCpuBefore = server.cpuSeconds();
  const start = performance.now();
  stopAt = start + SECONDS * 1000;
  for (const { a, b } of pairList) for (let w = 0; w < WINDOW && mayContinue(); w++) sendTo(a.ws, b.id);
  const guard = setTimeout(() => allDone(), SECONDS * 1000 + 5000);
  await done;
  clearTimeout(guard);
  const seconds = (performance.now() - start) / 1000;
  const clientCpu = (ownCpuSeconds() - clientCpuBefore) / seconds;
  const serverCpuAfter = server.cpuSeconds();
  const serverCpu =
    serverCpuBefore === undefined || serverCpuAfter === undefined
      ? undefined
      : (serverCpuAfter - serverCpuBefore) / seconds;
  const serverRelayed = (await relayedCount(server.statsUrl)) - before;
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
  return {
    pairs,
    relayed: delivered,
    seconds,
    perSecond: delivered / seconds,
    serverRelayed,
    clientCpu,
    serverCpu,
  };
}

async function main(): Promise<void> {
  const inProcess = args['in-process'];
  console.log(
    `signaling relay: 100-byte payloads, window ${WINDOW} per pair, <= ${MAX_MESSAGES} messages or ${SECONDS} s per row, ` +
      `server ${inProcess ? 'in this process' : 'in a child process'}, loopback, rate limit lifted`,
  );
  const server = inProcess ? await inProcessServer() : await childServer();
  const rows: Row[] = [];
  try {
    for (const pairs of PAIRS) rows.push(await run(server, pairs));
  } finally {
    await server.stop();
  }
  const header = ['pairs', 'relayed', 'seconds', 'msgs/s', 'server count', 'server cpu', 'clients cpu'];
  const pct = (share: number | undefined): string =>
    share === undefined ? '-' : `${Math.round(share * 100)}%`;
  const lines = rows.map((r) => [
    String(r.pairs),
    String(r.relayed),
    r.seconds.toFixed(2),
    Math.round(r.perSecond).toLocaleString('en-US'),
    String(r.serverRelayed),
    pct(r.serverCpu),
    pct(r.clientCpu),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
  console.log('cpu = share of one core over the run; a column near 100% is the bottleneck.');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
