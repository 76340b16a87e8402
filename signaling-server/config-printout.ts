import type { ServerConfig } from './config.js';
import { redactUrl } from './redis-url.js';
import type { StartupSettings } from './settings.js';

/** What stands in for a secret in the printout. */
export const MASK = '***';

/**
 * The settings in force, by setting name, as printed at start: every value the server runs with,
 * defaults included, and secrets (TURN credentials, key material) masked. File names are shown,
 * never their contents.
 */
export function describeConfig(
  config: ServerConfig,
  startup: Pick<StartupSettings, 'tlsFiles' | 'configFile' | 'logLevel' | 'logPeers'>,
): Record<string, unknown> {
  return {
    CONFIG_FILE: startup.configFile ?? null,
    PORT: config.port,
    HOST: config.host,
    STATIC_DIR: config.staticDir,
    PUBLIC_URL: config.publicUrl ?? null,
    TLS_CERT: startup.tlsFiles?.cert ?? null,
    TLS_KEY: startup.tlsFiles?.key ?? null,
    HTTP_REDIRECT_PORT: config.httpRedirectPort ?? null,
    ICE_SERVERS: config.iceServers.map((s) => (s.credential === undefined ? s : { ...s, credential: MASK })),
    TURN_URLS: config.turn?.urls ?? [],
    TURN_SECRET: config.turn === undefined ? null : MASK,
    TURN_TTL_S: config.turn?.ttlSeconds ?? null,
    ALLOWED_ORIGINS: config.allowedOrigins === 'any' ? '*' : [...config.allowedOrigins],
    TRUST_PROXY: config.trustProxy?.entries ?? [],
    HEARTBEAT_MS: config.heartbeatMs,
    REGISTER_TIMEOUT_MS: config.registerTimeoutMs,
    BOOTSTRAP_RETRY_AFTER_MS: config.bootstrapRetryAfterMs,
    RATE_LIMIT_PER_SEC: config.rateLimit.perSecond,
    RATE_LIMIT_BURST: config.rateLimit.burst,
    MAX_SIGNAL_TARGETS: config.maxSignalTargets,
    SIGNAL_TARGET_WINDOW_MS: config.signalTargetWindowMs,
    MAX_CONNECTIONS: config.maxConnections,
    MAX_SOCKETS_PER_ADDRESS: config.maxSocketsPerAddress,
    MAX_SWARMS_PER_ADDRESS: config.maxSwarmsPerAddress,
    MAX_TCP_CONNECTIONS: config.maxTcpConnections,
    HTTP_HEADERS_TIMEOUT_MS: config.headersTimeoutMs,
    HTTP_REQUEST_TIMEOUT_MS: config.requestTimeoutMs,
    HTTP_KEEP_ALIVE_TIMEOUT_MS: config.keepAliveTimeoutMs,
    DRAIN_DELAY_MS: config.drainDelayMs,
    DRAIN_TIMEOUT_MS: config.drainTimeoutMs,
    REDIS_URL: config.redisUrl === undefined ? null : redactUrl(config.redisUrl),
    REDIS_PREFIX: config.redisPrefix,
    HUB_LEASE_MS: config.hubLeaseMs,
    LOG_LEVEL: startup.logLevel,
    LOG_PEERS: startup.logPeers,
  };
}
