import { BlockList, isIP } from 'node:net';

/**
 * The reverse proxies whose `X-Forwarded-For` the server believes: addresses and CIDR ranges,
 * IPv4 or IPv6. `loopback` stands for 127.0.0.0/8 and ::1 (a proxy on the same machine).
 */
export interface TrustedProxies {
  /** Whether a request whose TCP peer is `address` came through one of the listed proxies. */
  has(address: string): boolean;
  /** The entries as given, for the start-up printout. */
  readonly entries: readonly string[];
}

/** Parses `TRUST_PROXY` entries; throws naming the entry that is not an address or CIDR range. */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      rest.length > 0 ||
      (prefix !== undefined && (!/^\d+$/.test(bits ?? '') || prefix > maxBits))
    )
      throw new Error(
        `TRUST_PROXY: "${entry}" is not an address or CIDR range like 10.0.0.0/8, ::1 or loopback`,
      );
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return {
    entries: entries.map((e) => e.trim()),
    has: (address) => {
      const plain = unmapIPv4(address);
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/** `::ffff:203.0.113.7` -> `203.0.113.7`: dual-stack sockets report IPv4 peers this way. */
export function unmapIPv4(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}
