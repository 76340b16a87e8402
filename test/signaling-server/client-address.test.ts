import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import type { IncomingMessage } from 'node:http';
import { addressKey, clientAddress } from '../../signaling-server/client-address.js';
import { parseTrustedProxies } from '../../signaling-server/proxy-trust.js';
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

describe('clientAddress', () => {
  const request = (remoteAddress: string, forwardedFor?: string) =>
    ({
      socket: { remoteAddress },
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    }) as unknown as IncomingMessage;
  const proxies = parseTrustedProxies(['loopback', '10.0.0.0/8', 'fd00::/8']);

  it('reads X-Forwarded-For only from a configured proxy', () => {
    expect(clientAddress(request('127.0.0.1', '198.51.100.1'), proxies)).toBe('198.51.100.1');
    expect(clientAddress(request('::ffff:10.2.3.4', '198.51.100.1'), proxies)).toBe('198.51.100.1');
    expect(clientAddress(request('203.0.113.5', '198.51.100.1'), proxies)).toBe('203.0.113.5');
    expect(clientAddress(request('127.0.0.1', '198.51.100.1'), undefined)).toBe('127.0.0.1');
  });

  it('walks back through trusted proxies and stops at the first address that is not one', () => {
    // client-written entry, the real client, then our own inner proxy
    const chain = '192.0.2.66, 198.51.100.1, 10.0.0.7';
    expect(clientAddress(request('127.0.0.1', chain), proxies)).toBe('198.51.100.1');
    expect(clientAddress(request('fd00::1', '2001:db8:1:2::1'), proxies)).toBe(addressKey('2001:db8:1:2::1'));
  });

  it('stops at the proxy that passed on a malformed or missing entry', () => {
    expect(clientAddress(request('127.0.0.1', 'not-an-ip'), proxies)).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.1', ''), proxies)).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.1', '10.0.0.1'), proxies)).toBe('10.0.0.1');
  });

  it('refuses a proxy entry that is not an address or range, naming TRUST_PROXY', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.example.org', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x'])
      expect(() => parseTrustedProxies([bad])).toThrow(/TRUST_PROXY: ".*" is not an address/);
  });
});

describe('behind a configured proxy', () => {
  let server: RunningServer;
  let untrusting: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      trustProxy: ['127.0.0.1'],
      maxSocketsPerAddress: 1,
    });
    untrusting = await startServer({
      port: 0,
      host: '127.0.0.1',
      trustProxy: ['10.9.9.9'],
      maxSocketsPerAddress: 1,
    });
  });
  afterAll(() => Promise.all([server.close(), untrusting.close()]));

  const via = (forwardedFor: string) => ({ headers: { 'X-Forwarded-For': forwardedFor } });

  it('counts sockets under the address the proxy appended, not the proxy', async () => {
    const a = (await registered(server.wsUrl, tabId(1), via('198.51.100.1'))).client;
    // A client-supplied entry before the proxy's own is not trusted.
    const b = (await registered(server.wsUrl, tabId(2), via('198.51.100.1, 198.51.100.2'))).client;
    const again = await TestClient.open(server.wsUrl, via('198.51.100.2'));
    expect(await again.next()).toMatchObject({ code: ErrorCode.LimitExceeded });
    await Promise.all([a.close(), b.close(), again.closed]);
  });

  it('ignores X-Forwarded-For from an address that is not a configured proxy', async () => {
    const a = (await registered(untrusting.wsUrl, tabId(3), via('198.51.100.1'))).client;
    // Another claimed address does not help: both sockets are 127.0.0.1's.
    const b = await TestClient.open(untrusting.wsUrl, via('198.51.100.2'));
    expect(await b.next()).toMatchObject({ code: ErrorCode.LimitExceeded });
    await Promise.all([a.close(), b.closed]);
  });
});
