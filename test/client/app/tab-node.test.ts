import wrtc from '@roamhq/wrtc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode } from '../../../shared/errors.js';
import { SECRET_KEY_BYTES, identityFromSecretKey } from '../../../shared/identity/index.js';
import { DEFAULT_PIECE_LENGTH } from '../../../shared/info-dictionary.js';
import { seededRandom } from '../../../shared/random.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import { MemoryFileReader } from '../../../client/src/adapters/memory-file-reader.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';
import { createPieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import type { PeerLinkFactory } from '../../../client/src/adapters/peer-link.js';
import { NO_RELAY_MESSAGE } from '../../../shared/links/index.js';
import { SimplePeerLinkFactory } from '../../../client/src/adapters/simple-peer-link.js';
import { WebSocketSignalingSocketFactory } from '../../../client/src/adapters/websocket-signaling-socket.js';
import { REANNOUNCE_MS } from '../../../client/src/app/peer-discovery.js';
import { TabNode } from '../../../client/src/app/tab-node.js';
import type { StorageManagerLike } from '../../../client/src/app/storage-status.js';
import { startServer, type RunningServer } from '../../../signaling-server/server.js';
import { waitFor } from '../wait-for.js';
import { STORE_BATCH_PIECES } from '../../../client/src/app/piece-writes.js';

/**
 * Whole tabs in Node: the real server, real WebRTC (@roamhq/wrtc), the in-memory piece store.
 * These cover what a browser test cannot set up cheaply: a full disk, an unreachable server.
 */
let server: RunningServer;
const nodes: TabNode[] = [];
let seed = 1;

function tab(
  opts: {
    store?: MemoryPieceStore;
    serverUrl?: string;
    reader?: MemoryFileReader;
    saver?: MemoryFileSaver;
    links?: PeerLinkFactory;
    storage?: StorageManagerLike;
  } = {},
): TabNode {
  const random = seededRandom(seed++);
  const node = new TabNode({
    identity: identityFromSecretKey(random.bytes(SECRET_KEY_BYTES)),
    random,
    serverUrl: opts.serverUrl ?? server.wsUrl,
    trackers: [server.wsUrl],
    store: opts.store ?? new MemoryPieceStore(),
    hasher: createPieceHasher(),
    reader: opts.reader ?? new MemoryFileReader(),
    saver: opts.saver ?? new MemoryFileSaver(),
    links: opts.links ?? new SimplePeerLinkFactory({ wrtc }),
    sockets: new WebSocketSignalingSocketFactory({
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    }),
    ...(opts.storage ? { storage: opts.storage } : {}),
  });
  nodes.push(node);
  return node;
}

function until(node: TabNode, check: () => boolean, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.off('change', listener);
      reject(new Error('condition not met in time'));
    }, ms);
    const listener = (): void => {
      if (!check()) return;
      clearTimeout(timer);
      node.off('change', listener);
      resolve();
    };
    node.on('change', listener);
    listener();
  });
}

function randomBlob(bytes: number): Blob {
  return new Blob([seededRandom(bytes).bytes(bytes) as Uint8Array<ArrayBuffer>]);
}

beforeEach(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});

afterEach(async () => {
  for (const n of nodes.splice(0)) n.stop();
  await server.close();
});

describe('TabNode', () => {
  it('shows how each link got through: per link, per swarm peer and counted in the status', async () => {
    const links = new MemoryPeerLinkFactory({ path: 'relay', rttMs: 42 });
    const a = tab({ links });
    const b = tab({ links });
    await Promise.all([a.start(), b.start()]);
    const { infoHash, magnet } = await a.seed(randomBlob(200_000), 'r.bin');
    await b.download(magnet);
    await until(b, () => b.transfer(infoHash)?.state === 'seeding');
    await until(b, () => b.view().paths.relay > 0);
    expect(b.view().paths).toMatchObject({ direct: 0, srflx: 0 });
    expect(b.view().links.find((l) => l.open)).toMatchObject({ path: 'relay', rttMs: 42 });
    await until(b, () => b.transfer(infoHash)?.peers[0]?.path === 'relay');
    expect(b.transfer(infoHash)?.peers[0]).toMatchObject({ id: a.peerId, path: 'relay', rttMs: 42 });
  });

  it('says in plain words why a peer cannot be reached when ICE finds no route', async () => {
    const links = new MemoryPeerLinkFactory({ noRoute: true });
    const a = tab({ links });
    const b = tab({ links });
    await Promise.all([a.start(), b.start()]);
    const { magnet } = await a.seed(randomBlob(50_000), 'x.bin');
    await b.download(magnet);
    const noRoute = (n: TabNode) => n.view().notices.find((x) => x.code === ErrorCode.NoRoute);
    await until(b, () => noRoute(b) !== undefined);
    expect(noRoute(b)?.text).toBe(`Could not connect to a peer: ${NO_RELAY_MESSAGE}`);
    expect(b.view().paths).toEqual({ direct: 0, srflx: 0, relay: 0 });
  });

  it('asks for persistent storage the first time a person shares, not for a download, and shows the answer', async () => {
    let asks = 0;
    const storage: StorageManagerLike = {
      estimate: async () => ({ usage: 1000, quota: 1_000_000 }),
      persisted: async () => asks > 0,
      persist: async () => ++asks > 0,
    };
    const a = tab({ storage });
    const b = tab({ storage: { ...storage } });
    await Promise.all([a.start(), b.start()]);
    await until(a, () => a.view().storage.quota === 1_000_000);
    const { infoHash, magnet } = await a.seed(randomBlob(10_000), 'p.bin');
    await a.seed(randomBlob(20_000), 'q.bin');
    await until(a, () => a.view().storage.persisted === true);
    expect(a.view().storage).toMatchObject({ asked: true, usage: 1000 });
    expect(asks).toBe(1);
    await b.download(magnet);
    await until(b, () => b.transfer(infoHash)?.state === 'seeding');
    expect(b.view().storage.asked).toBe(false);
    expect(asks).toBe(1);
  });

  it('a paused share lets nobody download; resumed, the download completes; removed, it is gone', async () => {
    const links = new MemoryPeerLinkFactory();
    const a = tab({ links });
    const b = tab({ links });
    await Promise.all([a.start(), b.start()]);
    const { infoHash, magnet } = await a.seed(randomBlob(300_000), 'held.bin');
    await a.pause(infoHash);
    expect(a.transfer(infoHash)?.state).toBe('paused');
    await b.download(magnet);
    // Long enough for the tracker, the DHT and a quick retry: nobody gives the file details.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(b.transfer(infoHash)?.state).toBe('metadata');
    await a.resume(infoHash);
    await until(b, () => b.transfer(infoHash)?.state === 'seeding', 30_000);
    await b.remove(infoHash);
    expect(b.transfer(infoHash)).toBeUndefined();
    await expect(b.remove(infoHash)).rejects.toMatchObject({ code: ErrorCode.TransferUnknown });
  });

  it('downloads a file from another tab and verifies every piece', async () => {
    const a = tab();
    const b = tab();
    await Promise.all([a.start(), b.start()]);
    const size = 1024 * 1024 + 7;
    const { infoHash, magnet } = await a.seed(randomBlob(size), 'n.bin');
    await b.download(magnet);
    await until(b, () => b.transfer(infoHash)?.state === 'seeding');
    const view = b.transfer(infoHash)!;
    expect(view.verifiedBytes).toBe(size);
    expect(view.hashFailures).toBe(0);
  });

  it('reads shared files and saves completed ones through the adapters it is given', async () => {
    const reader = new MemoryFileReader();
    const saver = new MemoryFileSaver();
    const a = tab({ reader });
    const b = tab({ saver });
    await Promise.all([a.start(), b.start()]);
    const blob = randomBlob(300_000);
    const { infoHash, magnet } = await a.seed(blob, 'saved.bin');
    expect(reader.reads).toBeGreaterThan(0);
    await b.download(magnet);
    await until(b, () => b.transfer(infoHash)?.state === 'seeding');
    expect(await b.save(infoHash)).toBe('download');
    expect(saver.saved).toEqual([{ name: 'saved.bin', data: new Uint8Array(await blob.arrayBuffer()) }]);
  });

  it('after a reload, a stored piece that no longer verifies is fetched again, and only it', async () => {
    const a = tab();
    const store = new MemoryPieceStore();
    const b = tab({ store });
    await Promise.all([a.start(), b.start()]);
    const { infoHash, magnet } = await a.seed(randomBlob(5 * DEFAULT_PIECE_LENGTH), 'torn.bin');
    await b.download(magnet);
    await until(b, () => b.transfer(infoHash)?.state === 'seeding');
    b.stop();
    // A crash left piece 2 torn in storage.
    await store.putPieces(infoHash, [{ index: 2, data: new Uint8Array(DEFAULT_PIECE_LENGTH) }]);

    const again = tab({ store });
    await again.start();
    const resumed = again.transfer(infoHash)!;
    expect(resumed.state).toBe('downloading');
    expect(resumed.storedPieces).toBe(4);
    expect(resumed.resumedPieces).toBe(4);
    await until(again, () => again.transfer(infoHash)?.state === 'seeding');
    expect(again.transfer(infoHash)!.downloaded).toBe(DEFAULT_PIECE_LENGTH);
    expect(again.transfer(infoHash)!.hashFailures).toBe(0);
  });

  it('pauses with a clear message when storage is full, keeping what it stored', async () => {
    const a = tab();
    // Room for one whole batch and a little: the first batch is always kept, a later one fails.
    const quotaBytes = (STORE_BATCH_PIECES + 2) * DEFAULT_PIECE_LENGTH;
    const store = new MemoryPieceStore({ quotaBytes });
    const b = tab({ store });
    await Promise.all([a.start(), b.start()]);
    const { infoHash, magnet } = await a.seed(randomBlob(4 * 1024 * 1024), 'big.bin');
    await b.download(magnet);
    await until(b, () => b.transfer(infoHash)?.state === 'paused');
    const view = b.transfer(infoHash)!;
    expect(view.error?.code).toBe(ErrorCode.StorageFull);
    const notice = b.view().notices.find((n) => n.code === ErrorCode.StorageFull);
    expect(notice?.text).toMatch(/Storage is full/);
    const kept = await store.listPieces(infoHash);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(quotaBytes / DEFAULT_PIECE_LENGTH);
  });

  it('refuses a malformed link with a message naming the problem', async () => {
    const b = tab();
    await b.start();
    await expect(b.download('magnet:?dn=no-hash')).rejects.toMatchObject({ code: ErrorCode.MagnetInvalid });
    const notice = b.view().notices.find((n) => n.code === ErrorCode.MagnetInvalid);
    expect(notice?.text).toMatch(/cannot be opened/);
  });

  it('says so when the server cannot be reached, and keeps retrying', async () => {
    const b = tab({ serverUrl: 'ws://127.0.0.1:9/signal' });
    void b.start();
    await until(b, () => b.view().notices.some((n) => n.code === ErrorCode.ServerUnreachable));
    expect(b.view().server).toBe('offline');
  });

  it('says so when the server goes away, and the tab keeps its transfers', async () => {
    const a = tab();
    await a.start();
    const { infoHash } = await a.seed(randomBlob(300_000), 'kept.bin');
    await until(a, () => a.view().server === 'online');
    await server.close();
    await until(a, () => a.view().notices.some((n) => n.code === ErrorCode.ServerGone));
    expect(a.transfer(infoHash)?.state).toBe('seeding');
    server = await startServer({ port: 0, host: '127.0.0.1' });
  });

  it('a download whose first DHT lookup found nobody looks again within seconds, not at the re-announce', async () => {
    const a = tab();
    const b = tab();
    a.useTracker = false;
    b.useTracker = false;
    await Promise.all([a.start(), b.start()]);
    await until(a, () => a.view().dht.joined);
    await until(b, () => b.view().dht.joined);
    const { infoHash, magnet } = await a.seed(randomBlob(100_000), 'late.bin');
    await waitFor("the seeder's announce stored at the other tab", () => b.dht.snapshot().store.peers > 0);
    // B's first lookup misses, as when it races the seeder's announce.
    const announce = b.dht.announce.bind(b.dht);
    let calls = 0;
    b.dht.announce = (h) => (++calls === 1 ? Promise.resolve([]) : announce(h));
    await b.download(magnet);
    // Well before the re-announce would look again.
    const quickLookMs = 8_000;
    expect(quickLookMs).toBeLessThan(REANNOUNCE_MS);
    await until(b, () => b.transfer(infoHash)?.state === 'seeding', quickLookMs);
    expect(calls).toBeGreaterThan(1);
  });
});
