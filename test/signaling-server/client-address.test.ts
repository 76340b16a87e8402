import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { addressKey } from '../../signaling-server/client-address.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { TestClient, tabId, registered } from './ws-client.js';

describe('addressKey', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6 and groups IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    const key = addressKey('2001:db8:1:2::1');
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe(key);
    expect(addressKey('2001:db8:1:3::1')).not.toBe(key);
  });
});

describe('behind a proxy (trustProxy)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', trustProxy: true, maxSocketsPerAddress: 1 });
  });
  afterAll(() => server.close());

  const via = (forwardedFor: string) => ({ headers: { 'X-Forwarded-For': forwardedFor } });

  it('counts sockets under the address the proxy appended, not the proxy', async () => {
    const a = (await registered(server.wsUrl, tabId(1), via('198.51.100.1'))).client;
    // A client-supplied entry before the proxy's own is not trusted.
    const b = (await registered(server.wsUrl, tabId(2), via('198.51.100.1, 198.51.100.2'))).client;
    const again = await TestClient.open(server.wsUrl, via('198.51.100.2'));
    expect(await again.next()).toMatchObject({ code: ErrorCode.LimitExceeded });
    await Promise.all([a.close(), b.close(), again.closed]);
  });
});
