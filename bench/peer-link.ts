/**
 * Data channel throughput in Node with @roamhq/wrtc: a raw RTCDataChannel against simple-peer's
 * stream layer (`peer.write` + 'drain') and against the PeerLink adapter (both its channels), for
 * 16 KiB and 64 KiB messages in both directions. Each run sends for at most RUN_MS or RUN_BYTES.
 *
 *   npx tsx bench/peer-link.ts
 */
import wrtc from '@roamhq/wrtc';
import SimplePeer from 'simple-peer/simplepeer.min.js';
import { SimplePeerLinkFactory, type WrtcImplementation } from '../client/src/adapters/simple-peer-link.js';
import {
  PEER_HIGH_WATER_BYTES,
  PEER_LOW_WATER_BYTES,
  type PeerChannel,
  type PeerLink,
} from '../client/src/adapters/peer-link.js';

const RUN_MS = 1500;
const RUN_BYTES = 96 * 1024 * 1024;
const SIZES = [16 * 1024, 64 * 1024];

/** One direction of one transport: `send` returns a promise only when it must wait. */
interface Pipe {
  send(data: Uint8Array): void | Promise<void>;
  onData(listener: (bytes: number) => void): void;
}

interface Pair {
  forward: Pipe;
  backward: Pipe;
  close(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(pipe: Pipe, size: number): Promise<number> {
  let received = 0;
  let lastAt = 0;
  pipe.onData((bytes) => {
    received += bytes;
    lastAt = performance.now();
  });
  const chunk = new Uint8Array(size).fill(7);
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < RUN_MS && sent < RUN_BYTES) {
    const wait = pipe.send(chunk);
    if (wait) await wait;
    sent += size;
  }
  const deadline = performance.now() + 10_000;
  while (received < sent && performance.now() < deadline) await sleep(2);
  if (received < sent) throw new Error(`lost bytes: sent ${sent}, received ${received}`);
  return received / 1e6 / ((lastAt - start) / 1000);
}

/** Paces a raw channel with the adapter's marks, polling because wrtc has no bufferedamountlow. */
function rawPipe(channel: RTCDataChannel, receiver: RTCDataChannel): Pipe {
  return {
    send(data) {
      channel.send(data as Uint8Array<ArrayBuffer>);
      if (channel.bufferedAmount <= PEER_HIGH_WATER_BYTES) return;
      return (async () => {
        while (channel.bufferedAmount > PEER_LOW_WATER_BYTES) await sleep(1);
      })();
    },
    onData(listener) {
      receiver.onmessage = (e: MessageEvent<ArrayBuffer>) => listener(e.data.byteLength);
    },
  };
}

async function rawPair(): Promise<Pair> {
  const a = new wrtc.RTCPeerConnection({ iceServers: [] });
  const b = new wrtc.RTCPeerConnection({ iceServers: [] });
  a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
  const ca = a.createDataChannel('raw', { negotiated: true, id: 0 });
  const cb = b.createDataChannel('raw', { negotiated: true, id: 0 });
  ca.binaryType = cb.binaryType = 'arraybuffer';
  const opened = Promise.all([ca, cb].map((c) => new Promise((r) => (c.onopen = r))));
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
  await opened;
  return {
    forward: rawPipe(ca, cb),
    backward: rawPipe(cb, ca),
    close: () => {
      a.close();
      b.close();
    },
  };
}

/** simple-peer as a Node stream: `write` until it returns false, then wait for 'drain'. */
function streamPipe(from: SimplePeer.Instance, to: SimplePeer.Instance): Pipe {
  return {
    send(data) {
      if (from.write(data)) return;
      return new Promise((r) => from.once('drain', r));
    },
    onData(listener) {
      to.removeAllListeners('data');
      to.on('data', (d: Uint8Array) => listener(d.byteLength));
    },
  };
}

async function simplePeerStreamPair(): Promise<Pair> {
  const a = new SimplePeer({ initiator: true, wrtc: wrtc as WrtcImplementation, trickle: true });
  const b = new SimplePeer({ initiator: false, wrtc: wrtc as WrtcImplementation, trickle: true });
  a.on('signal', (d) => b.signal(d));
  b.on('signal', (d) => a.signal(d));
  await Promise.all([a, b].map((p) => new Promise((r) => p.once('connect', r))));
  return {
    forward: streamPipe(a, b),
    backward: streamPipe(b, a),
    close: () => {
      a.destroy();
      b.destroy();
    },
  };
}

function linkPipe(from: PeerLink, to: PeerLink, channel: PeerChannel): Pipe {
  let listener: ((bytes: number) => void) | undefined;
  to.on('data', (ch, d) => {
    if (ch === channel) listener?.(d.byteLength);
  });
  return {
    send(data) {
      from.send(channel, data);
      if (from.bufferedAmount(channel) > PEER_HIGH_WATER_BYTES) return from.waitForDrain(channel);
    },
    onData(l) {
      listener = l;
    },
  };
}

async function peerLinkPair(channel: PeerChannel): Promise<Pair> {
  const factory = new SimplePeerLinkFactory({ wrtc: wrtc as WrtcImplementation });
  const a = factory.create({ remoteId: 'b', initiator: true, iceServers: [] });
  const b = factory.create({ remoteId: 'a', initiator: false, iceServers: [] });
  a.on('signal', (d) => b.signal(d));
  b.on('signal', (d) => a.signal(d));
  await Promise.all([a, b].map((l) => new Promise<void>((r) => l.on('open', r))));
  return {
    forward: linkPipe(a, b, channel),
    backward: linkPipe(b, a, channel),
    close: () => {
      a.close();
      b.close();
    },
  };
}

const transports: Array<[string, () => Promise<Pair>]> = [
  ['raw RTCDataChannel', rawPair],
  ['simple-peer stream (write/drain)', simplePeerStreamPair],
  ['PeerLink wire (simple-peer channel, send)', () => peerLinkPair('wire')],
  ['PeerLink dht (negotiated raw channel)', () => peerLinkPair('dht')],
];

async function main(): Promise<void> {
  console.log(
    `@roamhq/wrtc loopback, ${RUN_MS} ms or ${RUN_BYTES / 2 ** 20} MiB per run, MB/s (1 MB = 10^6 B)`,
  );
  console.log(
    'transport'.padEnd(44) +
      SIZES.map((s) => `${s / 1024}K a->b`.padStart(11) + `${s / 1024}K b->a`.padStart(11)).join(''),
  );
  for (const [name, makePair] of transports) {
    const cells: string[] = [];
    for (const size of SIZES) {
      for (const direction of ['forward', 'backward'] as const) {
        const pair = await makePair();
        try {
          cells.push((await measure(pair[direction], size)).toFixed(1).padStart(11));
        } finally {
          pair.close();
        }
        await sleep(100);
      }
    }
    console.log(name.padEnd(44) + cells.join(''));
  }
}

const watchdog = setTimeout(() => {
  console.error('bench/peer-link: timed out');
  process.exit(1);
}, 120_000);
main().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
