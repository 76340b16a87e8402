import { randomInt } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { seededRandom, type Random } from '../shared/random.js';
import { MAX_FRAME_BYTES, MAX_RETRY_AFTER_MS, iceServerSchema } from '../shared/signaling/messages.js';
import type { RateLimitOptions } from './rate-limiter.js';

/**
 * Defaults of every limit, in one place so the docs, the tests and the code agree.
 *
 * Per-address figures: the e2e suite and the benchmarks open about 10 tabs from 127.0.0.1 at
 * once, a NAT'd office or campus puts dozens of people behind one address, and each tab holds
 * one socket (two for a moment while it reconnects). 64 sockets per address leaves room for
 * both and still turns a 10,000-socket flood from one machine into 64. Tracker entries per
 * address: 64 tabs in 64 swarms each, far above what people share at once, yet a bound of a
 * few MiB of tracker memory per address instead of 10,000 sockets x 256 swarms.
 */
export const DEFAULTS = {
  port: 8080,
  host: '0.0.0.0',
  peersPerReply: 20,
  maxSwarmsPerPeer: 256,
  maxSwarmsPerAddress: 4096,
  heartbeatMs: 30_000,
  /** A tab registers as soon as its socket opens; 10 s covers a slow link many times over. */
  registerTimeoutMs: 10_000,
  /**
   * Told to a tab that got an empty bootstrap set (`retryAfterMs`). A lone tab need not ask at
   * all: the next tab to register is handed it and connects to it; this only bounds how long a
   * tab waits when that newcomer's link fails.
   */
  bootstrapRetryAfterMs: 60_000,
  rateLimit: { perSecond: 50, burst: 100, maxDropped: 200 } satisfies RateLimitOptions,
  /**
   * Distinct tabs one socket may start signalling per window. A tab has at most 40 links and
   * 24 half-open ones at once, and a link's signals (offer, answer, candidates) pass within a
   * few seconds: 64 new targets per 10 s is room for a tab joining several swarms at once, while
   * one socket can no longer offer links to thousands of tabs a minute.
   */
  maxSignalTargets: 64,
  signalTargetWindowMs: 10_000,
  maxConnections: 10_000,
  maxSocketsPerAddress: 64,
  maxBufferedBytes: 1024 * 1024,
  /** Node's own defaults hold a half-sent request for 60 s (300 s for the body). */
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  /** How often Node checks the two timeouts above (its default is 30 s). */
  httpTimeoutCheckMs: 1_000,
  /** TCP connections beyond the WebSocket cap: page loads and upgrades in flight. */
  tcpHeadroom: 1_024,
} as const;

/** Options of startServer; everything but `port` has a default (see DEFAULTS). */
export interface ServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to bind (default 0.0.0.0). */
  host?: string;
  /** Directory of the built client (default `dist/` at the repository root). */
  staticDir?: string;
  /** STUN/TURN servers handed to every tab on register (default none). */
  iceServers?: RTCIceServer[];
  /** Most peers in a bootstrap set or announce reply (default 20). */
  peersPerReply?: number;
  /** Swarms one peer may be in at once (default 256). */
  maxSwarmsPerPeer?: number;
  /** Tracker entries (peer in swarm) all sockets of one address may hold together (default 4096). */
  maxSwarmsPerAddress?: number;
  /** Ping interval; a socket that has not answered the previous ping is dropped (default 30 s). */
  heartbeatMs?: number;
  /** A socket that has not registered this long after it opened is closed (default 10 s). */
  registerTimeoutMs?: number;
  /** `retryAfterMs` in a `registered` reply with no peers: when to ask again (default 60 s). */
  bootstrapRetryAfterMs?: number;
  /** Per-socket flood control (default 50 msg/s, burst 100, closed after 200 drops). */
  rateLimit?: Partial<RateLimitOptions>;
  /** Distinct targets one socket may start signalling per `signalTargetWindowMs` (default 64). */
  maxSignalTargets?: number;
  /** The window of `maxSignalTargets` (default 10 s). */
  signalTargetWindowMs?: number;
  /** Largest WebSocket frame accepted (default and maximum 64 KiB). */
  maxPayload?: number;
  /** Most concurrent WebSockets (default 10 000). */
  maxConnections?: number;
  /** Most concurrent WebSockets from one client address (default 64; an IPv6 /64 is one address). */
  maxSocketsPerAddress?: number;
  /** Most concurrent TCP connections, WebSockets included (default maxConnections + 1024). */
  maxTcpConnections?: number;
  /** A request whose headers have not all arrived by then is answered 408 and closed (default 10 s). */
  headersTimeoutMs?: number;
  /** A request not fully received by then is answered 408 and closed (default 15 s). */
  requestTimeoutMs?: number;
  /** An idle keep-alive HTTP connection is closed after this (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** How often the two request timeouts are checked (default 1 s). */
  httpTimeoutCheckMs?: number;
  /**
   * Origins whose pages may open a WebSocket, e.g. `https://swarm.example.org`; `'*'` allows any.
   * Default: the origin of `publicUrl` if given, else any. Requests without an Origin header
   * (non-browser clients) are always allowed.
   */
  allowedOrigins?: string[];
  /** The URL people open, e.g. `https://swarm.example.org/` behind a TLS proxy. */
  publicUrl?: string;
  /**
   * Behind a reverse proxy every socket comes from the proxy's address: take the client's from
   * the last `X-Forwarded-For` entry instead (default false; set it only behind a proxy that
   * sets that header, or clients can pick their own address).
   */
  trustProxy?: boolean;
  /** A relay to a socket with more than this many bytes queued is refused (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Randomness for bootstrap sets and peer lists (default seeded from node:crypto). */
  random?: Random;
  /** Where to report notable events (default: nowhere). */
  log?: (line: string) => void;
}

/** ServerOptions with every default filled in. */
export interface ServerConfig {
  port: number;
  host: string;
  staticDir: string;
  iceServers: RTCIceServer[];
  peersPerReply: number;
  maxSwarmsPerPeer: number;
  maxSwarmsPerAddress: number;
  heartbeatMs: number;
  registerTimeoutMs: number;
  bootstrapRetryAfterMs: number;
  rateLimit: RateLimitOptions;
  maxSignalTargets: number;
  signalTargetWindowMs: number;
  maxPayload: number;
  maxConnections: number;
  maxSocketsPerAddress: number;
  maxTcpConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  httpTimeoutCheckMs: number;
  /** Normalised origins allowed to open a WebSocket, or 'any'. */
  allowedOrigins: ReadonlySet<string> | 'any';
  publicUrl: string | undefined;
  trustProxy: boolean;
  maxBufferedBytes: number;
  random: Random;
  log: (line: string) => void;
}

/** `dist/` next to this directory: where `npm run build` puts the client. */
export const DEFAULT_STATIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** Fills in defaults, clamps limits to what the protocol allows, and rejects contradictions. */
export function resolveConfig(options: ServerOptions): ServerConfig {
  const maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout; say so in our own words.
  if (headersTimeoutMs > requestTimeoutMs)
    throw new Error(
      `HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must be <= HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  const publicUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl);
  return {
    port: options.port,
    host: options.host ?? DEFAULTS.host,
    staticDir: resolve(options.staticDir ?? DEFAULT_STATIC_DIR),
    iceServers: options.iceServers ?? [],
    peersPerReply: options.peersPerReply ?? DEFAULTS.peersPerReply,
    maxSwarmsPerPeer: options.maxSwarmsPerPeer ?? DEFAULTS.maxSwarmsPerPeer,
    maxSwarmsPerAddress: options.maxSwarmsPerAddress ?? DEFAULTS.maxSwarmsPerAddress,
    heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
    registerTimeoutMs: options.registerTimeoutMs ?? DEFAULTS.registerTimeoutMs,
    bootstrapRetryAfterMs: Math.min(
      options.bootstrapRetryAfterMs ?? DEFAULTS.bootstrapRetryAfterMs,
      MAX_RETRY_AFTER_MS,
    ),
    rateLimit: { ...DEFAULTS.rateLimit, ...definedOnly(options.rateLimit ?? {}) },
    maxSignalTargets: options.maxSignalTargets ?? DEFAULTS.maxSignalTargets,
    signalTargetWindowMs: options.signalTargetWindowMs ?? DEFAULTS.signalTargetWindowMs,
    maxPayload: Math.min(options.maxPayload ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES),
    maxConnections,
    maxSocketsPerAddress: options.maxSocketsPerAddress ?? DEFAULTS.maxSocketsPerAddress,
    maxTcpConnections: options.maxTcpConnections ?? maxConnections + DEFAULTS.tcpHeadroom,
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs,
    httpTimeoutCheckMs: options.httpTimeoutCheckMs ?? DEFAULTS.httpTimeoutCheckMs,
    allowedOrigins: resolveOrigins(options.allowedOrigins, publicUrl),
    publicUrl,
    trustProxy: options.trustProxy ?? false,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    random: options.random ?? seededRandom(randomInt(2 ** 31)),
    log: options.log ?? (() => {}),
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function resolveOrigins(
  listed: string[] | undefined,
  publicUrl: string | undefined,
): ServerConfig['allowedOrigins'] {
  if (listed === undefined) return publicUrl === undefined ? 'any' : new Set([new URL(publicUrl).origin]);
  if (listed.includes('*')) return 'any';
  return new Set(listed.map((o) => parseOrigin(o)));
}

/** `https://Example.org:443` -> `https://example.org`; throws for anything that is not an origin. */
export function parseOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== ''))
    throw new Error(`ALLOWED_ORIGINS: "${text}" is not an origin like https://swarm.example.org`);
  return url.origin;
}

function parsePublicUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol))
    throw new Error(`PUBLIC_URL: "${text}" is not an http(s) URL like https://swarm.example.org/`);
  return url.href;
}

const envNumber = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be >= ${min}` })
    .max(max, { error: `${name} must be <= ${max}` })
    .optional();

const envBoolean = (name: string) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', ''], {
      error: `${name} must be 1/0, true/false or yes/no`,
    })
    .optional();

const HOUR_MS = 3_600_000;

const envSchema = z.object({
  PORT: envNumber('PORT', 0, 65535),
  HOST: z.string().min(1).optional(),
  STATIC_DIR: z.string().min(1).optional(),
  ICE_SERVERS: z.string().optional(),
  HEARTBEAT_MS: envNumber('HEARTBEAT_MS', 100, HOUR_MS),
  REGISTER_TIMEOUT_MS: envNumber('REGISTER_TIMEOUT_MS', 100, HOUR_MS),
  BOOTSTRAP_RETRY_AFTER_MS: envNumber('BOOTSTRAP_RETRY_AFTER_MS', 0, HOUR_MS),
  RATE_LIMIT_PER_SEC: envNumber('RATE_LIMIT_PER_SEC', 1, 10_000_000),
  RATE_LIMIT_BURST: envNumber('RATE_LIMIT_BURST', 1, 10_000_000),
  MAX_SIGNAL_TARGETS: envNumber('MAX_SIGNAL_TARGETS', 1, 10_000_000),
  SIGNAL_TARGET_WINDOW_MS: envNumber('SIGNAL_TARGET_WINDOW_MS', 100, HOUR_MS),
  MAX_CONNECTIONS: envNumber('MAX_CONNECTIONS', 1, 10_000_000),
  MAX_SOCKETS_PER_ADDRESS: envNumber('MAX_SOCKETS_PER_ADDRESS', 1, 10_000_000),
  MAX_SWARMS_PER_ADDRESS: envNumber('MAX_SWARMS_PER_ADDRESS', 1, 1_000_000_000),
  MAX_TCP_CONNECTIONS: envNumber('MAX_TCP_CONNECTIONS', 1, 10_000_000),
  HTTP_HEADERS_TIMEOUT_MS: envNumber('HTTP_HEADERS_TIMEOUT_MS', 100, HOUR_MS),
  HTTP_REQUEST_TIMEOUT_MS: envNumber('HTTP_REQUEST_TIMEOUT_MS', 100, HOUR_MS),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: envNumber('HTTP_KEEP_ALIVE_TIMEOUT_MS', 100, HOUR_MS),
  ALLOWED_ORIGINS: z.string().optional(),
  PUBLIC_URL: z.string().optional(),
  TRUST_PROXY: envBoolean('TRUST_PROXY'),
});

/** Environment variable -> the option it sets, for the plain numeric ones. */
const NUMERIC_ENV = {
  HEARTBEAT_MS: 'heartbeatMs',
  REGISTER_TIMEOUT_MS: 'registerTimeoutMs',
  BOOTSTRAP_RETRY_AFTER_MS: 'bootstrapRetryAfterMs',
  MAX_SIGNAL_TARGETS: 'maxSignalTargets',
  SIGNAL_TARGET_WINDOW_MS: 'signalTargetWindowMs',
  MAX_CONNECTIONS: 'maxConnections',
  MAX_SOCKETS_PER_ADDRESS: 'maxSocketsPerAddress',
  MAX_SWARMS_PER_ADDRESS: 'maxSwarmsPerAddress',
  MAX_TCP_CONNECTIONS: 'maxTcpConnections',
  HTTP_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  HTTP_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  HTTP_KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
} as const satisfies Record<string, keyof ServerOptions>;

/**
 * Reads the server's environment (every variable is listed in docs/signaling-protocol.md):
 * PORT (default 8080), HOST, STATIC_DIR, ICE_SERVERS (JSON array of RTCIceServer), the limits
 * and timeouts, ALLOWED_ORIGINS (comma-separated, `*` for any), PUBLIC_URL and TRUST_PROXY.
 * Throws an Error naming the bad variable; the result is checked by resolveConfig as well, so a
 * bad combination fails at start too.
 */
export function optionsFromEnv(env: Record<string, string | undefined>): ServerOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid environment');
  const e = parsed.data;
  const options: ServerOptions = { port: e.PORT ?? DEFAULTS.port };
  if (e.HOST !== undefined) options.host = e.HOST;
  if (e.STATIC_DIR !== undefined) options.staticDir = e.STATIC_DIR;
  for (const [name, key] of Object.entries(NUMERIC_ENV)) {
    const value = e[name as keyof typeof NUMERIC_ENV];
    if (value !== undefined) options[key] = value;
  }
  if (e.RATE_LIMIT_PER_SEC !== undefined || e.RATE_LIMIT_BURST !== undefined) {
    options.rateLimit = {};
    if (e.RATE_LIMIT_PER_SEC !== undefined) options.rateLimit.perSecond = e.RATE_LIMIT_PER_SEC;
    if (e.RATE_LIMIT_BURST !== undefined) options.rateLimit.burst = e.RATE_LIMIT_BURST;
  }
  if (e.ICE_SERVERS !== undefined && e.ICE_SERVERS.trim() !== '')
    options.iceServers = parseIceServers(e.ICE_SERVERS);
  if (e.ALLOWED_ORIGINS !== undefined && e.ALLOWED_ORIGINS.trim() !== '') {
    options.allowedOrigins = e.ALLOWED_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '');
    for (const o of options.allowedOrigins) if (o !== '*') parseOrigin(o);
  }
  if (e.PUBLIC_URL !== undefined && e.PUBLIC_URL.trim() !== '') options.publicUrl = e.PUBLIC_URL.trim();
  if (e.TRUST_PROXY !== undefined && e.TRUST_PROXY !== '')
    options.trustProxy = ['1', 'true', 'yes'].includes(e.TRUST_PROXY);
  return options;
}

/** Parses the ICE_SERVERS value, e.g. `[{"urls":"stun:stun.example.org:3478"}]`. */
export function parseIceServers(text: string): RTCIceServer[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('ICE_SERVERS must be JSON, e.g. [{"urls":"stun:stun.example.org:3478"}]');
  }
  const parsed = z.array(iceServerSchema).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`ICE_SERVERS[${issue?.path.join('.') ?? ''}]: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
