import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveConfig } from '../../signaling-server/config.js';
import { optionsFromEnv } from '../../signaling-server/settings.js';

describe('config', () => {
  it('defaults to port 8080 and no ICE servers', () => {
    expect(optionsFromEnv({})).toEqual({ port: 8080 });
    const config = resolveConfig({ port: 0 });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      iceServers: [],
      peersPerReply: 20,
      maxSwarmsPerPeer: 256,
    });
    expect(config.maxPayload).toBeLessThanOrEqual(64 * 1024);
    expect(config.rateLimit).toEqual({ perSecond: 50, burst: 100, maxDropped: 200 });
    expect(config.staticDir).toMatch(/dist$/);
  });

  it('defaults every limit from DEFAULTS, with room for the e2e suite and a NAT', () => {
    const config = resolveConfig({ port: 0 });
    expect(config).toMatchObject({
      maxSocketsPerAddress: DEFAULTS.maxSocketsPerAddress,
      maxSwarmsPerAddress: DEFAULTS.maxSwarmsPerAddress,
      registerTimeoutMs: DEFAULTS.registerTimeoutMs,
      headersTimeoutMs: DEFAULTS.headersTimeoutMs,
      requestTimeoutMs: DEFAULTS.requestTimeoutMs,
      keepAliveTimeoutMs: DEFAULTS.keepAliveTimeoutMs,
      maxTcpConnections: DEFAULTS.maxConnections + DEFAULTS.tcpHeadroom,
      allowedOrigins: 'any',
      trustProxy: undefined,
    });
    // The e2e suite and benchmarks open about 10 tabs from 127.0.0.1.
    expect(DEFAULTS.maxSocketsPerAddress).toBeGreaterThanOrEqual(32);
    expect(DEFAULTS.maxSwarmsPerAddress).toBeGreaterThanOrEqual(DEFAULTS.maxSwarmsPerPeer);
    expect(DEFAULTS.headersTimeoutMs).toBeLessThanOrEqual(DEFAULTS.requestTimeoutMs);
    expect(resolveConfig({ port: 0, publicUrl: 'https://Swarm.Example.org/app/' }).allowedOrigins).toEqual(
      new Set(['https://swarm.example.org']),
    );
  });

  it('reads the limits, origins and proxy settings', () => {
    expect(
      optionsFromEnv({
        MAX_CONNECTIONS: '500',
        MAX_SOCKETS_PER_ADDRESS: '8',
        MAX_SWARMS_PER_ADDRESS: '100',
        MAX_TCP_CONNECTIONS: '600',
        REGISTER_TIMEOUT_MS: '3000',
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_REQUEST_TIMEOUT_MS: '4000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
        ALLOWED_ORIGINS: ' https://a.example.org , http://localhost:8080 ,',
        PUBLIC_URL: 'https://a.example.org/',
        TRUST_PROXY: 'loopback, 10.0.0.0/8',
      }),
    ).toEqual({
      port: DEFAULTS.port,
      maxConnections: 500,
      maxSocketsPerAddress: 8,
      maxSwarmsPerAddress: 100,
      maxTcpConnections: 600,
      registerTimeoutMs: 3000,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      keepAliveTimeoutMs: 1000,
      allowedOrigins: ['https://a.example.org', 'http://localhost:8080'],
      publicUrl: 'https://a.example.org/',
      trustProxy: ['loopback', '10.0.0.0/8'],
    });
    expect(optionsFromEnv({ TRUST_PROXY: '0' }).trustProxy).toBeUndefined();
  });

  it('names the bad limit, origin or URL', () => {
    expect(() => optionsFromEnv({ MAX_SOCKETS_PER_ADDRESS: '0' })).toThrow(
      /MAX_SOCKETS_PER_ADDRESS must be >= 1/,
    );
    expect(() => optionsFromEnv({ MAX_SWARMS_PER_ADDRESS: 'lots' })).toThrow(/MAX_SWARMS_PER_ADDRESS/);
    expect(() => optionsFromEnv({ REGISTER_TIMEOUT_MS: '1.5' })).toThrow(
      /REGISTER_TIMEOUT_MS must be an integer/,
    );
    expect(() => optionsFromEnv({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '-1' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
    expect(() => optionsFromEnv({ ALLOWED_ORIGINS: 'swarm.example.org' })).toThrow(/ALLOWED_ORIGINS/);
    expect(() => optionsFromEnv({ ALLOWED_ORIGINS: 'https://a.example.org/path' })).toThrow(
      /ALLOWED_ORIGINS/,
    );
    expect(() => optionsFromEnv({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
    const bad = optionsFromEnv({ PUBLIC_URL: 'ftp://x' });
    expect(() => resolveConfig(bad)).toThrow(/PUBLIC_URL/);
    const crossed = optionsFromEnv({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' });
    expect(() => resolveConfig(crossed)).toThrow(/HTTP_HEADERS_TIMEOUT_MS .* HTTP_REQUEST_TIMEOUT_MS/);
  });

  it('reads the environment', () => {
    const ice = [
      { urls: 'stun:stun.example.org:3478' },
      { urls: ['turn:t.example.org'], username: 'u', credential: 'p' },
    ];
    expect(
      optionsFromEnv({
        PORT: '9000',
        HOST: '127.0.0.1',
        ICE_SERVERS: JSON.stringify(ice),
        HEARTBEAT_MS: '5000',
        RATE_LIMIT_PER_SEC: '1000',
      }),
    ).toEqual({
      port: 9000,
      host: '127.0.0.1',
      iceServers: ice,
      heartbeatMs: 5000,
      rateLimit: { perSecond: 1000 },
    });
  });

  it('names the bad variable', () => {
    expect(() => optionsFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => optionsFromEnv({ PORT: '70000' })).toThrow(/PORT must be <= 65535/);
    expect(() => optionsFromEnv({ ICE_SERVERS: 'stun:x' })).toThrow(/ICE_SERVERS must be JSON/);
    expect(() => optionsFromEnv({ ICE_SERVERS: '[{"url":"stun:x"}]' })).toThrow(/ICE_SERVERS\[0\.urls\]/);
    expect(() => resolveConfig({ port: 0, maxPayload: 1 << 20 }).maxPayload).not.toThrow();
    expect(resolveConfig({ port: 0, maxPayload: 1 << 20 }).maxPayload).toBe(64 * 1024);
  });
});
