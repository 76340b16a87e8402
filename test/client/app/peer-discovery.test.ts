import { afterEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { SECRET_KEY_BYTES, identityFromSecretKey } from '../../../shared/identity/index.js';
import { createMagnet } from '../../../shared/magnet.js';
import { seededRandom } from '../../../shared/random.js';
import { MemoryFileReader } from '../../../client/src/adapters/memory-file-reader.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import {
  MemorySignalingHub,
  MemorySignalingSocketFactory,
  type MemoryServerConnection,
} from '../../../client/src/adapters/memory-signaling-socket.js';
import { createPieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import { Connections } from '../../../client/src/app/connections.js';
import { DhtHost } from '../../../client/src/app/dht-host.js';
import { Notices } from '../../../client/src/app/notices.js';
import { FIRST_RETRY_MS, PeerDiscovery, REANNOUNCE_MS } from '../../../client/src/app/peer-discovery.js';
import { SignalingClient } from '../../../client/src/app/signaling-client.js';
import { Transfers } from '../../../client/src/app/transfers.js';
import { WebTorrentTrackers } from '../../../client/src/app/webtorrent-trackers.js';
import { waitFor } from '../wait-for.js';

const URL = 'memory://signal';

/** A stand-in signaling server: challenges, answers register with `bootstrap` and announces with `swarm`. */
class FakeServer {
  readonly announces: { infoHash: string; event?: string }[] = [];
  registrations = 0;
  connection: MemoryServerConnection | undefined;

  constructor(
    readonly bootstrap: string[] = [],
    readonly swarm: string[] = [],
  ) {}

  listen(hub: MemorySignalingHub): void {
    hub.listen(URL, (conn) => {
      this.connection = conn;
      // A real server speaks first with its challenge; this stand-in takes any proof.
      conn.send({ type: 'challenge', nonce: '00'.repeat(32) });
      conn.on('message', (raw) => {
        const m = raw as { type: string; peerId?: string; infoHash?: string; event?: string; rid?: number };
        if (m.type === 'register') {
          this.registrations++;
          conn.send({
            type: 'registered',
            peerId: m.peerId,
            peers: this.bootstrap,
            iceServers: [],
            rid: m.rid,
          });
        } else if (m.type === 'announce') {
          this.announces.push({ infoHash: m.infoHash!, ...(m.event ? { event: m.event } : {}) });
          conn.send({
            type: 'announced',
            infoHash: m.infoHash,
            peers: this.swarm,
            complete: 0,
            incomplete: 0,
            rid: m.rid,
          });
        }
      });
    });
  }
}

interface Rig {
  id: string;
  hub: MemorySignalingHub;
  signaling: SignalingClient;
  connections: Connections;
  dht: DhtHost;
  transfers: Transfers;
  notices: Notices;
  discovery: PeerDiscovery;
}

const rigs: Rig[] = [];
let seed = 1;

/** Peer discovery over in-memory adapters; the transfers never look for peers by themselves. */
function rig(opts: { useTracker?: boolean } = {}): Rig {
  const random = seededRandom(seed++);
  const identity = identityFromSecretKey(random.bytes(SECRET_KEY_BYTES));
  const peerId = identity.peerId;
  const id = toHex(peerId);
  const hub = new MemorySignalingHub();
  const notices = new Notices();
  const signaling = new SignalingClient(new MemorySignalingSocketFactory(hub), URL, identity);
  const connections = new Connections(
    id,
    new MemoryPeerLinkFactory(),
    random,
    40,
    () => [],
    () => false,
  );
  const now = (): number => Date.now();
  const dht = new DhtHost(
    peerId,
    random,
    connections,
    now,
    () => {},
    () => {},
    () => {},
    () => {},
  );
  const transfers = new Transfers({
    peerId,
    random,
    trackers: [],
    store: new MemoryPieceStore(),
    hasher: createPieceHasher(),
    reader: new MemoryFileReader(),
    saver: new MemoryFileSaver(),
    connections,
    notices,
    now,
    changed: () => {},
    findPeers: () => {},
    completed: () => {},
  });
  const discovery = new PeerDiscovery({
    peerId: id,
    signaling,
    dht,
    connections,
    transfers,
    notices,
    webtorrent: new WebTorrentTrackers({
      peerId: id,
      random,
      connections,
      sockets: new MemorySignalingSocketFactory(hub),
    }),
    useTracker: opts.useTracker ?? true,
    changed: () => {},
  });
  const r = { id, hub, signaling, connections, dht, transfers, notices, discovery };
  rigs.push(r);
  return r;
}

function ids(n: number, from: number): string[] {
  return Array.from({ length: n }, (_, i) => toHex(seededRandom(from + i).bytes(20)));
}

async function download(r: Rig, from: number): Promise<string> {
  return (await r.transfers.download(createMagnet({ infoHash: seededRandom(from).bytes(20) }))).infoHash;
}

afterEach(() => {
  vi.useRealTimers();
  for (const r of rigs.splice(0)) {
    r.discovery.stop();
    void r.transfers.stop();
    r.dht.stop();
    r.connections.closeAll();
    r.signaling.stop();
  }
});

describe('PeerDiscovery', () => {
  it('registers, joins the DHT through the bootstrap set, and connects to swarm peers of every transfer', async () => {
    const r = rig();
    const [boot, p1, p2] = ids(3, 1000);
    const server = new FakeServer([boot!], [r.id, p1!, p2!]);
    server.listen(r.hub);
    const infoHash = await download(r, 1);
    r.discovery.start();
    await waitFor('the tracker announce', () => server.announces.length > 0);
    expect(server.announces).toEqual([{ infoHash, event: 'started' }]);
    await waitFor('links to the swarm peers', () => r.connections.find(p2!, infoHash) !== undefined);
    expect(r.connections.find(p1!, infoHash)).toBeDefined();
    expect(r.connections.find(r.id, infoHash)).toBeUndefined(); // never itself
    // The bootstrap peer is dialled for the DHT alone.
    expect(r.connections.find(boot!, undefined)).toBeDefined();
  });

  it('with the tracker off, looks through the DHT alone', async () => {
    const r = rig({ useTracker: false });
    const server = new FakeServer([], ids(1, 2000));
    server.listen(r.hub);
    const lookups: string[] = [];
    r.dht.announce = (h) => {
      lookups.push(h);
      return Promise.resolve([]);
    };
    const infoHash = await download(r, 2);
    r.discovery.start();
    await waitFor('the DHT lookup', () => lookups.length > 0);
    expect(lookups[0]).toBe(infoHash);
    r.discovery.completed(r.transfers.get(infoHash)!);
    expect(server.announces).toEqual([]);
    expect(server.registrations).toBe(1);
  });

  it('tells the tracker when a transfer completes', async () => {
    const r = rig();
    const server = new FakeServer();
    server.listen(r.hub);
    const infoHash = await download(r, 3);
    r.dht.announce = () => Promise.resolve([]);
    r.discovery.start();
    await waitFor('the first announce', () => server.announces.length === 1);
    r.discovery.completed(r.transfers.get(infoHash)!);
    await waitFor('the completed announce', () => server.announces.length === 2);
    expect(server.announces[1]).toEqual({ infoHash, event: 'completed' });
  });

  it('a transfer with nobody looks again after FIRST_RETRY_MS, doubling, until the re-announce takes over', async () => {
    vi.useFakeTimers();
    const r = rig({ useTracker: false });
    const infoHash = await download(r, 4);
    let lookups = 0;
    r.dht.announce = () => {
      lookups++;
      return Promise.resolve([]);
    };
    await r.discovery.findPeers(r.transfers.get(infoHash)!);
    expect(lookups).toBe(1);
    let delay = FIRST_RETRY_MS;
    let expected = 1;
    for (; delay < REANNOUNCE_MS; delay *= 2) {
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(lookups).toBe(expected);
      await vi.advanceTimersByTimeAsync(1);
      expect(lookups).toBe(++expected);
    }
    // No more quick looks (start() was not called, so no re-announce either).
    await vi.advanceTimersByTimeAsync(10 * REANNOUNCE_MS);
    expect(lookups).toBe(expected);
  });

  it('says when the server cannot be reached, and clears it once registered', async () => {
    const r = rig();
    r.discovery.start();
    await waitFor('the unreachable notice', () =>
      r.notices.all().some((n) => n.code === ErrorCode.ServerUnreachable),
    );
    expect(r.notices.all()[0]?.text).toContain(URL);
    new FakeServer().listen(r.hub);
    await waitFor('registration', () => r.signaling.state === 'online');
    expect(r.notices.all()).toEqual([]);
  });

  it('says when the server goes away', async () => {
    const r = rig();
    const server = new FakeServer();
    server.listen(r.hub);
    r.discovery.start();
    await waitFor('registration', () => r.signaling.state === 'online');
    server.connection!.terminate();
    await waitFor('the server-gone notice', () =>
      r.notices.all().some((n) => n.code === ErrorCode.ServerGone),
    );
    expect(r.notices.all()[0]?.text).toMatch(/went away/);
  });
});
