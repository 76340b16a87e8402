import { createHmac, createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/**
 * Just enough STUN and TURN (RFC 8489, RFC 8656) to probe the namespace network from inside a
 * home: a Binding request that reads back the mapped address, and an Allocate with long-term
 * credentials that tells whether coturn takes a credential.
 */

const MAGIC = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  xorMappedAddress: 0x0020,
  requestedTransport: 0x0019,
} as const;

/** One decoded STUN message: its type and attributes by type. */
interface StunMessage {
  type: number;
  attrs: Map<number, Buffer>;
}

function encode(type: number, attrs: [number, Buffer][], integrityKey?: Buffer): Buffer {
  const tid = randomBytes(12);
  const body: Buffer[] = [];
  for (const [t, v] of attrs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(t, 0);
    head.writeUInt16BE(v.length, 2);
    body.push(head, v, Buffer.alloc((4 - (v.length % 4)) % 4));
  }
  let payload = Buffer.concat(body);
  const header = (length: number): Buffer => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC, 4);
    tid.copy(h, 8);
    return h;
  };
  if (integrityKey !== undefined) {
    // The HMAC covers the header with the length as if MESSAGE-INTEGRITY were already there.
    const mac = createHmac('sha1', integrityKey)
      .update(Buffer.concat([header(payload.length + 24), payload]))
      .digest();
    const head = Buffer.alloc(4);
    head.writeUInt16BE(ATTR.messageIntegrity, 0);
    head.writeUInt16BE(20, 2);
    payload = Buffer.concat([payload, head, mac]);
  }
  return Buffer.concat([header(payload.length), payload]);
}

function decode(msg: Buffer): StunMessage {
  const attrs = new Map<number, Buffer>();
  let at = 20;
  while (at + 4 <= msg.length) {
    const t = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 2);
    attrs.set(t, msg.subarray(at + 4, at + 4 + len));
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { type: msg.readUInt16BE(0), attrs };
}

function request(socket: Socket, host: string, port: number, message: Buffer): Promise<StunMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      reject(new Error(`no STUN answer from ${host}:${port} within 3 s`));
    }, 3000);
    const onMessage = (data: Buffer): void => {
      if (
        data.length < 20 ||
        data.readUInt32BE(4) !== MAGIC ||
        !data.subarray(8, 20).equals(message.subarray(8, 20))
      )
        return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(decode(data));
    };
    socket.on('message', onMessage);
    socket.send(message, port, host);
  });
}

/** The public address:port a Binding request to `host:port` came from, as the server saw it. */
async function mappedAddress(socket: Socket, host: string, port: number): Promise<string> {
  const answer = await request(socket, host, port, encode(BINDING, []));
  const xor = answer.attrs.get(ATTR.xorMappedAddress);
  if (xor === undefined) throw new Error('Binding answer without XOR-MAPPED-ADDRESS');
  const mappedPort = xor.readUInt16BE(2) ^ (MAGIC >>> 16);
  const address = (xor.readUInt32BE(4) ^ MAGIC) >>> 0;
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}:${mappedPort}`;
}

/**
 * From one UDP socket, the mapped address seen by each server: equal for an endpoint-independent
 * NAT, different ports for a symmetric one.
 */
export async function probeMapping(servers: { host: string; port: number }[]): Promise<string[]> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  try {
    const out: string[] = [];
    for (const s of servers) out.push(await mappedAddress(socket, s.host, s.port));
    return out;
  } finally {
    socket.close();
  }
}

/**
 * Tries a TURN allocation with `username` / `password` (long-term credentials, the scheme
 * coturn's use-auth-secret checks): `allocated`, or the error coturn answered (e.g. `401`).
 */
export async function tryAllocate(
  host: string,
  port: number,
  username: string,
  password: string,
): Promise<'allocated' | string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const udp = Buffer.from([17, 0, 0, 0]);
  try {
    // The first request is refused with 401 and carries the realm and a nonce to answer with.
    const first = await request(socket, host, port, encode(ALLOCATE, [[ATTR.requestedTransport, udp]]));
    const realm = first.attrs.get(ATTR.realm);
    const nonce = first.attrs.get(ATTR.nonce);
    if (realm === undefined || nonce === undefined) return errorOf(first);
    const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest();
    const second = await request(
      socket,
      host,
      port,
      encode(
        ALLOCATE,
        [
          [ATTR.requestedTransport, udp],
          [ATTR.username, Buffer.from(username)],
          [ATTR.realm, realm],
          [ATTR.nonce, nonce],
        ],
        key,
      ),
    );
    return second.type === 0x0103 ? 'allocated' : errorOf(second);
  } finally {
    socket.close();
  }
}

function errorOf(m: StunMessage): string {
  const e = m.attrs.get(ATTR.errorCode);
  if (e === undefined) return `type 0x${m.type.toString(16)}`;
  return String((e[2] ?? 0) * 100 + (e[3] ?? 0));
}

// Run inside a namespace: `tsx e2e/netns/stun.ts mapping HOST:PORT...` or
// `tsx e2e/netns/stun.ts allocate HOST:PORT USERNAME PASSWORD`; prints JSON.
if (process.argv[1]?.endsWith('stun.ts')) {
  const [command, ...args] = process.argv.slice(2);
  const target = (s: string | undefined): { host: string; port: number } => {
    const [host, port] = (s ?? '').split(':');
    return { host: host ?? '', port: Number(port) };
  };
  const run = async (): Promise<unknown> => {
    if (command === 'mapping') return probeMapping(args.map(target));
    if (command === 'allocate') {
      const t = target(args[0]);
      return tryAllocate(t.host, t.port, args[1] ?? '', args[2] ?? '');
    }
    throw new Error('usage: stun.ts mapping HOST:PORT... | allocate HOST:PORT USERNAME PASSWORD');
  };
  run().then(
    (out) => console.log(JSON.stringify(out)),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
