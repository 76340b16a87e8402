import { randomInt } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { seededRandom, type Random } from '../shared/random.js';
import { MAX_FRAME_BYTES, iceServerSchema } from '../shared/signaling/messages.js';
import type { RateLimitOptions } from './rate-limiter.js';

/** Options of startServer; everything but `port` has a default. */
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
  /** Ping interval; a socket that has not answered the previous ping is dropped (default 30 s). */
  heartbeatMs?: number;
  /** Per-socket flood control (default 50 msg/s, burst 100, closed after 200 drops). */
  rateLimit?: Partial<RateLimitOptions>;
  /** Largest WebSocket frame accepted (default and maximum 64 KiB). */
  maxPayload?: number;
  /** Most concurrent sockets (default 10 000). */
  maxConnections?: number;
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
  heartbeatMs: number;
  rateLimit: RateLimitOptions;
  maxPayload: number;
  maxConnections: number;
  maxBufferedBytes: number;
  random: Random;
  log: (line: string) => void;
}

/** `dist/` next to this directory: where `npm run build` puts the client. */
export const DEFAULT_STATIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** Fills in defaults and clamps limits to what the protocol allows. */
export function resolveConfig(options: ServerOptions): ServerConfig {
  return {
    port: options.port,
    host: options.host ?? '0.0.0.0',
    staticDir: resolve(options.staticDir ?? DEFAULT_STATIC_DIR),
    iceServers: options.iceServers ?? [],
    peersPerReply: options.peersPerReply ?? 20,
    maxSwarmsPerPeer: options.maxSwarmsPerPeer ?? 256,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    rateLimit: {
      perSecond: options.rateLimit?.perSecond ?? 50,
      burst: options.rateLimit?.burst ?? 100,
      maxDropped: options.rateLimit?.maxDropped ?? 200,
    },
    maxPayload: Math.min(options.maxPayload ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES),
    maxConnections: options.maxConnections ?? 10_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    random: options.random ?? seededRandom(randomInt(2 ** 31)),
    log: options.log ?? (() => {}),
  };
}

const envNumber = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be >= ${min}` })
    .max(max, { error: `${name} must be <= ${max}` })
    .optional();

const envSchema = z.object({
  PORT: envNumber('PORT', 0, 65535),
  HOST: z.string().min(1).optional(),
  STATIC_DIR: z.string().min(1).optional(),
  ICE_SERVERS: z.string().optional(),
  HEARTBEAT_MS: envNumber('HEARTBEAT_MS', 100, 3_600_000),
  RATE_LIMIT_PER_SEC: envNumber('RATE_LIMIT_PER_SEC', 1, 10_000_000),
  RATE_LIMIT_BURST: envNumber('RATE_LIMIT_BURST', 1, 10_000_000),
});

/**
 * Reads PORT (default 8080), HOST, STATIC_DIR, ICE_SERVERS (JSON array of RTCIceServer),
 * HEARTBEAT_MS, RATE_LIMIT_PER_SEC and RATE_LIMIT_BURST. Throws an Error naming the bad variable.
 */
export function optionsFromEnv(env: Record<string, string | undefined>): ServerOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid environment');
  const e = parsed.data;
  const options: ServerOptions = { port: e.PORT ?? 8080 };
  if (e.HOST !== undefined) options.host = e.HOST;
  if (e.STATIC_DIR !== undefined) options.staticDir = e.STATIC_DIR;
  if (e.HEARTBEAT_MS !== undefined) options.heartbeatMs = e.HEARTBEAT_MS;
  if (e.RATE_LIMIT_PER_SEC !== undefined || e.RATE_LIMIT_BURST !== undefined) {
    options.rateLimit = {};
    if (e.RATE_LIMIT_PER_SEC !== undefined) options.rateLimit.perSecond = e.RATE_LIMIT_PER_SEC;
    if (e.RATE_LIMIT_BURST !== undefined) options.rateLimit.burst = e.RATE_LIMIT_BURST;
  }
  if (e.ICE_SERVERS !== undefined && e.ICE_SERVERS.trim() !== '')
    options.iceServers = parseIceServers(e.ICE_SERVERS);
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
