import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { iceServerSchema } from '../shared/signaling/messages.js';
import { DEFAULTS, parseOrigin, parseRedisUrl, type ServerOptions, type TlsFiles } from './config.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { parseTrustedProxies } from './proxy-trust.js';

const HOUR_MS = 3_600_000;

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

const envText = (name: string) => z.string({ error: `${name} must be text` }).optional();

/** Every setting, by its environment name; a config file uses the same names. */
const settingsSchema = z.object({
  PORT: envNumber('PORT', 0, 65535),
  HOST: envText('HOST'),
  STATIC_DIR: envText('STATIC_DIR'),
  ICE_SERVERS: envText('ICE_SERVERS'),
  TURN_URLS: envText('TURN_URLS'),
  TURN_SECRET: envText('TURN_SECRET'),
  TURN_TTL_S: envNumber('TURN_TTL_S', 1, 7 * 86_400),
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
  ALLOWED_ORIGINS: envText('ALLOWED_ORIGINS'),
  PUBLIC_URL: envText('PUBLIC_URL'),
  TRUST_PROXY: envText('TRUST_PROXY'),
  TLS_CERT: envText('TLS_CERT'),
  TLS_KEY: envText('TLS_KEY'),
  HTTP_REDIRECT_PORT: envNumber('HTTP_REDIRECT_PORT', 0, 65535),
  DRAIN_DELAY_MS: envNumber('DRAIN_DELAY_MS', 0, HOUR_MS),
  DRAIN_TIMEOUT_MS: envNumber('DRAIN_TIMEOUT_MS', 100, HOUR_MS),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  LOG_PEERS: envBoolean('LOG_PEERS'),
  REDIS_URL: envText('REDIS_URL'),
  REDIS_PREFIX: envText('REDIS_PREFIX'),
  HUB_LEASE_MS: envNumber('HUB_LEASE_MS', 1_000, HOUR_MS),
});

/** The name of every setting (what a config file may hold). */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof typeof settingsSchema.shape)[];
type SettingName = (typeof SETTING_NAMES)[number];
type Settings = z.infer<typeof settingsSchema>;

/** Settings naming files: relative paths in a config file are taken from the file's folder. */
const PATH_SETTINGS: readonly SettingName[] = ['STATIC_DIR', 'TLS_CERT', 'TLS_KEY'];

/** Environment variable -> the option it sets, for the plain numeric ones. */
const NUMERIC_SETTINGS = {
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
  HTTP_REDIRECT_PORT: 'httpRedirectPort',
  DRAIN_DELAY_MS: 'drainDelayMs',
  DRAIN_TIMEOUT_MS: 'drainTimeoutMs',
  HUB_LEASE_MS: 'hubLeaseMs',
} as const satisfies Partial<Record<SettingName, keyof ServerOptions>>;

/** What `main` needs to start: the server's options and the logger's. */
export interface StartupSettings {
  options: ServerOptions;
  logLevel: LogLevel;
  logPeers: boolean;
  /** The certificate and key files, as named (their contents are in `options.tls`). */
  tlsFiles: { cert: string; key: string } | undefined;
  /** The config file read, if any. */
  configFile: string | undefined;
}

/** How settings reach the disk; tests pass their own. */
export type ReadText = (path: string) => string;
const readText: ReadText = (path) => readFileSync(path, 'utf8');

/**
 * Reads every setting from `env`, and from the JSON file `CONFIG_FILE` names if it is set (an
 * object of the same names, e.g. `{"PORT": 8443, "TLS_CERT": "cert.pem"}`; the environment wins
 * over the file). Every value is checked here, before anything listens: a bad one throws an Error
 * whose message starts with the setting's name. TLS files are read (and checked as a pair by
 * resolveConfig).
 */
export function readSettings(
  env: Record<string, string | undefined>,
  read: ReadText = readText,
): StartupSettings {
  const configFile = nonEmpty(env.CONFIG_FILE);
  const merged: Record<string, string | undefined> = configFile ? fileSettings(configFile, read) : {};
  for (const name of SETTING_NAMES) if (env[name] !== undefined) merged[name] = env[name];
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'settings');
    const message = issue?.message ?? 'invalid';
    throw new Error(message.startsWith(name) ? message : `${name}: ${message}`);
  }
  const s = parsed.data;
  const tlsFiles = readTlsNames(s);
  const options = toOptions(s);
  if (tlsFiles !== undefined) options.tls = readTlsFiles(tlsFiles, read);
  return {
    options,
    logLevel: s.LOG_LEVEL ?? 'info',
    logPeers: isTrue(s.LOG_PEERS),
    tlsFiles,
    configFile,
  };
}

/** The server's options from the environment alone (no logger settings). */
export function optionsFromEnv(env: Record<string, string | undefined>, read?: ReadText): ServerOptions {
  return readSettings(env, read).options;
}

function toOptions(s: Settings): ServerOptions {
  const options: ServerOptions = { port: s.PORT ?? DEFAULTS.port };
  const host = nonEmpty(s.HOST);
  if (host !== undefined) options.host = host;
  const staticDir = nonEmpty(s.STATIC_DIR);
  if (staticDir !== undefined) {
    // Only the default (dist/) may be missing: the server then says to run the build.
    if (!isDirectory(staticDir)) throw new Error(`STATIC_DIR: ${staticDir} is not a directory`);
    options.staticDir = staticDir;
  }
  for (const [name, key] of Object.entries(NUMERIC_SETTINGS)) {
    const value = s[name as keyof typeof NUMERIC_SETTINGS];
    if (value !== undefined) options[key] = value;
  }
  if (s.RATE_LIMIT_PER_SEC !== undefined || s.RATE_LIMIT_BURST !== undefined) {
    options.rateLimit = {};
    if (s.RATE_LIMIT_PER_SEC !== undefined) options.rateLimit.perSecond = s.RATE_LIMIT_PER_SEC;
    if (s.RATE_LIMIT_BURST !== undefined) options.rateLimit.burst = s.RATE_LIMIT_BURST;
  }
  const ice = nonEmpty(s.ICE_SERVERS);
  if (ice !== undefined) options.iceServers = parseIceServers(ice);
  const turn = readTurn(s);
  if (turn !== undefined) options.turn = turn;
  const origins = list(s.ALLOWED_ORIGINS);
  if (origins.length > 0) {
    options.allowedOrigins = origins;
    for (const o of origins) if (o !== '*') parseOrigin(o);
  }
  const redisUrl = nonEmpty(s.REDIS_URL);
  if (redisUrl !== undefined) options.redisUrl = parseRedisUrl(redisUrl);
  const redisPrefix = nonEmpty(s.REDIS_PREFIX);
  if (redisPrefix !== undefined) options.redisPrefix = redisPrefix;
  const publicUrl = nonEmpty(s.PUBLIC_URL);
  if (publicUrl !== undefined) options.publicUrl = publicUrl;
  const proxies = list(s.TRUST_PROXY);
  if (proxies.length === 1 && /^(0|false|no)$/i.test(proxies[0] ?? '')) proxies.length = 0;
  if (proxies.length > 0) {
    if (proxies.length === 1 && /^(1|true|yes)$/i.test(proxies[0] ?? ''))
      throw new Error(
        'TRUST_PROXY: list the proxy addresses whose X-Forwarded-For to believe (e.g. loopback or 10.0.0.0/8), not a yes',
      );
    parseTrustedProxies(proxies);
    options.trustProxy = proxies;
  }
  return options;
}

/** TURN_URLS and TURN_SECRET go together: a relay the server issues credentials for. */
function readTurn(s: Settings): ServerOptions['turn'] {
  const urls = list(s.TURN_URLS);
  const secret = nonEmpty(s.TURN_SECRET);
  if (urls.length === 0 && secret === undefined) {
    if (s.TURN_TTL_S !== undefined) throw new Error('TURN_TTL_S: set TURN_URLS and TURN_SECRET too');
    return undefined;
  }
  if (urls.length === 0)
    throw new Error('TURN_URLS: is required with TURN_SECRET (e.g. turn:turn.example.org:3478)');
  if (secret === undefined)
    throw new Error("TURN_SECRET: is required with TURN_URLS (coturn's static-auth-secret)");
  for (const url of urls)
    if (!/^turns?:[^\s]+$/i.test(url))
      throw new Error(`TURN_URLS: "${url}" is not a turn: or turns: URL (STUN servers go in ICE_SERVERS)`);
  return { urls, secret, ttlSeconds: s.TURN_TTL_S ?? DEFAULTS.turnTtlSeconds };
}

function readTlsNames(s: Settings): StartupSettings['tlsFiles'] {
  const cert = nonEmpty(s.TLS_CERT);
  const key = nonEmpty(s.TLS_KEY);
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined) throw new Error('TLS_CERT: is required with TLS_KEY (the certificate chain, PEM)');
  if (key === undefined) throw new Error('TLS_KEY: is required with TLS_CERT (the private key, PEM)');
  return { cert, key };
}

/** Reads the certificate and key files (at start, and again on SIGHUP). */
export function readTlsFiles(files: { cert: string; key: string }, read: ReadText = readText): TlsFiles {
  return { cert: readFile('TLS_CERT', files.cert, read), key: readFile('TLS_KEY', files.key, read) };
}

function readFile(name: string, path: string, read: ReadText): string {
  try {
    return read(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`${name}: cannot read ${path} (${why})`, { cause: err });
  }
}

/** A config file's settings as strings, the way the environment would hold them. */
function fileSettings(path: string, read: ReadText): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(read(path));
  } catch (err) {
    const why =
      err instanceof SyntaxError ? err.message : ((err as NodeJS.ErrnoException).code ?? String(err));
    throw new Error(`CONFIG_FILE: cannot read ${path} as JSON (${why})`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`CONFIG_FILE: ${path} must hold a JSON object of settings, e.g. {"PORT": 8080}`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!(SETTING_NAMES as string[]).includes(name))
      throw new Error(`CONFIG_FILE: ${name} is not a setting (known: ${SETTING_NAMES.join(', ')})`);
    if (v === null || v === undefined) continue;
    let text: string;
    if (name === 'ICE_SERVERS' && typeof v !== 'string') text = JSON.stringify(v);
    else if (Array.isArray(v)) text = v.map(String).join(',');
    else if (typeof v === 'boolean') text = v ? '1' : '0';
    else if (typeof v === 'string' || typeof v === 'number') text = String(v);
    else throw new Error(`${name}: in ${path} must be a string, number, boolean or list`);
    out[name] = (PATH_SETTINGS as string[]).includes(name) ? resolve(dirname(path), text) : text;
  }
  return out;
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
  parsed.data.forEach(checkIceServer);
  return parsed.data;
}

/**
 * What browsers would refuse when a tab builds its RTCPeerConnection (every tab's links would
 * fail): a URL that is not stun:, stuns:, turn: or turns:, and a TURN server without a username
 * and credential.
 */
function checkIceServer(server: RTCIceServer, i: number): void {
  const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
  if (urls.length === 0) throw new Error(`ICE_SERVERS[${i}.urls]: is empty`);
  for (const url of urls) {
    const scheme = /^(stuns?|turns?):[^\s]+$/i.exec(url)?.[1]?.toLowerCase();
    if (scheme === undefined)
      throw new Error(`ICE_SERVERS[${i}.urls]: "${url}" is not a stun:, stuns:, turn: or turns: URL`);
    if (scheme.startsWith('turn') && (server.username === undefined || server.credential === undefined))
      throw new Error(`ICE_SERVERS[${i}]: the TURN server ${url} needs a username and a credential`);
  }
}

const isDirectory = (path: string): boolean =>
  statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
const nonEmpty = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === '' ? undefined : v.trim();
const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
const isTrue = (v: string | undefined): boolean => v !== undefined && ['1', 'true', 'yes'].includes(v);
