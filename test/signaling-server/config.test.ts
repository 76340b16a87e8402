import { describe, expect, it } from 'vitest';
import { optionsFromEnv, resolveConfig } from '../../signaling-server/config.js';

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
