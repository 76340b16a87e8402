import { randomInt } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { seededRandom, type Random } from '../shared/random.js';
import { MAX_FRAME_BYTES, MAX_RETRY_AFTER_MS } from '../shared/signaling/messages.js';
import { silentLogger, type Logger } from './logger.js';
import { parseTrustedProxies, type TrustedProxies } from './proxy-trust.js';
import type { RateLimitOptions } from './rate-limiter.js';
import { DEFAULT_LEASE_MS, type HubStore } from './hub-store.js';
import { DEFAULT_REDIS_PREFIX, redactUrl } from './redis-url.js';
import type { TurnSettings } from './turn-credentials.js';

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
  /**
   * How long a draining server stays up, unready, before it closes the tabs' sockets: time for a
   * load balancer polling /readyz to stop sending it people. 0 when nothing polls.
   */
  drainDelayMs: 0,
  /** A drain that has not finished by then (a socket that will not close) ends the process anyway. */
  drainTimeoutMs: 10_000,
  /** TURN credentials last a day by default, coturn's usual choice; renewed at half their life. */
  turnTtlSeconds: 86_400,
} as const;

/** A certificate chain and its private key, PEM. */
export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

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
  /**
   * A TURN relay whose short-lived per-tab credentials the server issues (TURN REST scheme,
   * coturn's `use-auth-secret`), handed after `iceServers` and renewed before they expire.
   */
  turn?: TurnSettings;
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
   * Reverse proxies (addresses or CIDR ranges, `loopback` for 127.0.0.0/8 and ::1) whose
   * `X-Forwarded-For` is believed: behind one every socket comes from the proxy's address, and
   * the per-address limits need the client's. From anyone else the header is ignored, so a
   * client cannot pick its own address (default: none).
   */
  trustProxy?: string[];
  /** Serve HTTPS and WSS with this certificate and key (default: plain HTTP and WS). */
  tls?: TlsFiles;
  /** With `tls`: also listen for plain HTTP on this port and redirect it to HTTPS (default: off). */
  httpRedirectPort?: number;
  /** Draining: how long to stay up unready before closing the tabs' sockets (default 0). */
  drainDelayMs?: number;
  /** Draining: the bound on the whole drain (default 10 s). */
  drainTimeoutMs?: number;
  /** A relay to a socket with more than this many bytes queued is refused (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Randomness for bootstrap sets and peer lists (default seeded from node:crypto). */
  random?: Random;
  /** Where to report notable events (default: nowhere). */
  log?: Logger;
  /**
   * Share registrations, swarms and relays with other server processes through this Redis
   * (`redis://host:port/db`, `rediss://` for TLS; default: none, everything in this process).
   */
  redisUrl?: string;
  /** Prefix of every Redis key and channel (default `tabswarm:`): deployments sharing one Redis. */
  redisPrefix?: string;
  /** A killed process's registrations are swept from Redis within this (default 10 s). */
  hubLeaseMs?: number;
  /** The hub store to use instead of one made from the settings above (tests). */
  hubStore?: HubStore;
}

/** ServerOptions with every default filled in. */
export interface ServerConfig {
  port: number;
  host: string;
  staticDir: string;
  iceServers: RTCIceServer[];
  turn: TurnSettings | undefined;
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
  trustProxy: TrustedProxies | undefined;
  tls: TlsFiles | undefined;
  httpRedirectPort: number | undefined;
  drainDelayMs: number;
  drainTimeoutMs: number;
  maxBufferedBytes: number;
  random: Random;
  log: Logger;
  redisUrl: string | undefined;
  redisPrefix: string;
  hubLeaseMs: number;
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
  if (options.httpRedirectPort !== undefined && options.tls === undefined)
    throw new Error('HTTP_REDIRECT_PORT redirects to HTTPS: set TLS_CERT and TLS_KEY too');
  if (options.tls !== undefined) checkTls(options.tls);
  return {
    port: options.port,
    host: options.host ?? DEFAULTS.host,
    staticDir: resolve(options.staticDir ?? DEFAULT_STATIC_DIR),
    iceServers: options.iceServers ?? [],
    turn: options.turn,
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
    trustProxy:
      options.trustProxy === undefined || options.trustProxy.length === 0
        ? undefined
        : parseTrustedProxies(options.trustProxy),
    tls: options.tls,
    httpRedirectPort: options.httpRedirectPort,
    drainDelayMs: options.drainDelayMs ?? DEFAULTS.drainDelayMs,
    drainTimeoutMs: options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    random: options.random ?? seededRandom(randomInt(2 ** 31)),
    log: options.log ?? silentLogger,
    redisUrl: options.redisUrl === undefined ? undefined : parseRedisUrl(options.redisUrl),
    redisPrefix: options.redisPrefix ?? DEFAULT_REDIS_PREFIX,
    hubLeaseMs: options.hubLeaseMs ?? DEFAULT_LEASE_MS,
  };
}

/** Fails at start, naming the setting, for a certificate or key Node cannot use or that do not match. */
export function checkTls(tls: TlsFiles): void {
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const which = /key/i.test(why) ? 'TLS_KEY' : 'TLS_CERT';
    throw new Error(`${which}: the certificate and key cannot be used together (${why})`, { cause: err });
  }
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
  const url = tryUrl(text);
  if (url === undefined || !/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== ''))
    throw new Error(`ALLOWED_ORIGINS: "${text}" is not an origin like https://swarm.example.org`);
  return url.origin;
}

export function parseRedisUrl(text: string): string {
  const url = tryUrl(text);
  if (url === undefined || !/^rediss?:$/.test(url.protocol))
    throw new Error(
      `REDIS_URL: "${redactUrl(text)}" is not a redis:// or rediss:// URL like redis://127.0.0.1:6379`,
    );
  return text;
}

export function parsePublicUrl(text: string): string {
  const url = tryUrl(text);
  if (url === undefined || !/^https?:$/.test(url.protocol))
    throw new Error(`PUBLIC_URL: "${text}" is not an http(s) URL like https://swarm.example.org/`);
  return url.href;
}

function tryUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
