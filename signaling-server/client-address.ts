import { isIP, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { unmapIPv4, type TrustedProxies } from './proxy-trust.js';

/**
 * The key per-address limits count under: an IPv4 address as is (IPv4-mapped IPv6 unwrapped),
 * an IPv6 address by its /64, since one host usually holds a whole /64 and can pick any address
 * in it.
 */
export function addressKey(address: string): string {
  const plain = unmapIPv4(address);
  if (plain !== address || !isIPv6(address)) return plain;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Where a request comes from, as an addressKey. `X-Forwarded-For` is read only when the TCP peer
 * is a trusted proxy, and then from the right: each hop a trusted proxy appended is believed, and
 * the first address that is not a trusted proxy is the client. Entries left of it were written
 * by the client (or by proxies we do not know) and could name anyone. A malformed entry stops the
 * walk at the proxy that passed it on.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies | undefined): string {
  let address = req.socket.remoteAddress ?? 'unknown';
  if (trusted !== undefined && trusted.has(address)) {
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    while (trusted.has(address)) {
      const next = hops.pop();
      if (next === undefined || isIP(next) === 0) break;
      address = next;
    }
  }
  return addressKey(address);
}
