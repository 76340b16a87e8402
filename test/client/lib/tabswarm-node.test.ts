import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode } from '../../../shared/errors.js';
import { SECRET_KEY_BYTES, identityFromSecretKey } from '../../../shared/identity/index.js';
import { seededRandom } from '../../../shared/random.js';
import { MemoryFileReader } from '../../../client/src/adapters/memory-file-reader.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import { createPieceHasher, type PieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import { WebSocketSignalingSocketFactory } from '../../../client/src/adapters/websocket-signaling-socket.js';
import {
  createNodeWith,
  type NodeAdapters,
  type TabswarmNode,
  type Transfer,
  type TransferView,
} from '../../../client/src/lib/index.js';
import { waitFor } from '../wait-for.js';
import { startServer, type RunningServer } from '../../../signaling-server/server.js';

/**
 * The library's API over the in-memory adapters (links, store, reader, saver in memory; the real
 * server over loopback, since it is what introduces peers).
 */
let server: RunningServer;
const nodes: TabswarmNode[] = [];
let seed = 1;
const links = new MemoryPeerLinkFactory();

function node(adapters: Partial<NodeAdapters> = {}, serverUrl = server.wsUrl): TabswarmNode {
  const random = seededRandom(seed++);
  const made = createNodeWith(
    { server: serverUrl },
    {
      identity: identityFromSecretKey(random.bytes(SECRET_KEY_BYTES)),
      random,
      store: new MemoryPieceStore(),
      hasher: createPieceHasher(),
      reader: new MemoryFileReader(),
      saver: new MemoryFileSaver(),
      links,
      sockets: new WebSocketSignalingSocketFactory({
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      }),
      ...adapters,
    },
  );
  nodes.push(made);
  return made;
}

function bytes(n: number): Uint8Array {
  return seededRandom(n).bytes(n);
}

beforeEach(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.destroy()));
  await server.close();
});

describe('the library: createNodeWith', () => {
  it('seeds bytes and another node downloads them by magnet, with progress and done events', async () => {
    const a = node();
    const b = node();
    await Promise.all([a.ready, b.ready]);
    const data = bytes(700_000);
    const shared = await a.seed(data, { name: 'lib.bin' });
    expect(shared.infoHash).toMatch(/^[0-9a-f]{40}$/);
    expect(shared.magnet).toContain(`xt=urn:btih:${shared.infoHash}`);
    expect(shared.magnet).toContain(encodeURIComponent(server.wsUrl));

    const got = await b.download(shared.magnet);
    const progress: TransferView[] = [];
    let doneEvents = 0;
    got.on('progress', (view) => progress.push(view)).on('done', () => doneEvents++);
    const completed: Transfer[] = [];
    b.on('complete', (t) => completed.push(t));
    const view = await got.done(30_000);
    expect(view.state).toBe('seeding');
    expect(view.verifiedBytes).toBe(data.byteLength);
    expect(new Uint8Array(await (await got.blob()).arrayBuffer())).toEqual(data);
    expect(doneEvents).toBe(1);
    expect(completed).toEqual([got]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map((p) => p.verifiedBytes)).toEqual(
      [...progress.map((p) => p.verifiedBytes)].sort((x, y) => x - y),
    );
    expect(b.transfers()).toEqual([got]);
    expect(b.transfer(shared.infoHash)).toBe(got);
  });

  it('seeds several files as one multi-file torrent; the other node gets each file by its path', async () => {
    const a = node();
    const b = node();
    await Promise.all([a.ready, b.ready]);
    const one = bytes(300_001);
    const two = bytes(5_000);
    const shared = await a.seedFiles([
      { path: 'trip/photos/one.jpg', data: one },
      { path: 'trip/notes.txt', data: two },
    ]);
    const got = await b.download(shared.magnet);
    await got.done(60_000);
    const files = got.status()?.files ?? [];
    expect(files.map((f) => f.path)).toEqual(['trip/notes.txt', 'trip/photos/one.jpg']);
    expect(await b.engine.readFile(shared.infoHash, 0)).toEqual(two);
    expect(await b.engine.readFile(shared.infoHash, 1)).toEqual(one);
  });

  it('downloads from a .torrent file given as bytes', async () => {
    const a = node();
    const b = node();
    await Promise.all([a.ready, b.ready]);
    const shared = await a.seed(new Blob([bytes(100_000) as Uint8Array<ArrayBuffer>]), { name: 't.bin' });
    const got = await b.download(shared.torrentFile());
    expect(got.infoHash).toBe(shared.infoHash);
    expect((await got.done(30_000)).name).toBe('t.bin');
  });

  it('saves through the saver it was given', async () => {
    const saver = new MemoryFileSaver();
    const a = node();
    const b = node({ saver });
    await Promise.all([a.ready, b.ready]);
    const data = bytes(50_000);
    const got = await b.download((await a.seed(data, { name: 's.bin' })).magnet);
    await got.done(30_000);
    expect(await got.save()).toBe('download');
    expect(saver.saved).toEqual([{ name: 's.bin', data }]);
  });

  it('rejects a bad link with MAGNET_INVALID, and reads no blob of an unfinished transfer', async () => {
    const a = node();
    await a.ready;
    await expect(a.download('magnet:?dn=nothing')).rejects.toMatchObject({ code: ErrorCode.MagnetInvalid });
    const waiting = await a.download(`magnet:?xt=urn:btih:${'ab'.repeat(20)}`);
    expect(waiting.status()?.state).toBe('metadata');
    await expect(waiting.blob()).rejects.toMatchObject({ code: ErrorCode.StorageFailed });
    await expect(waiting.done(50)).rejects.toMatchObject({ code: ErrorCode.Timeout });
  });

  it('reports a transfer error once through its handle (storage full)', async () => {
    const a = node();
    const b = node({ store: new MemoryPieceStore({ quotaBytes: 256 * 1024 }) });
    await Promise.all([a.ready, b.ready]);
    const got = await b.download((await a.seed(bytes(2 * 1024 * 1024), { name: 'big.bin' })).magnet);
    const errors: string[] = [];
    got.on('error', (err) => errors.push(err.code));
    await new Promise<void>((resolve) => got.on('error', () => resolve()));
    expect(errors).toEqual([ErrorCode.StorageFull]);
    expect(got.status()?.state).toBe('paused');
  });

  it('resumes what its store kept when built again on it', async () => {
    const store = new MemoryPieceStore();
    const a = node({ store });
    await a.ready;
    const shared = await a.seed(bytes(300_000), { name: 'kept.bin' });
    // The pieces are copied into the store in the background.
    const count = shared.status()?.pieceStates.length ?? 0;
    await waitFor('pieces stored', async () => (await store.listPieces(shared.infoHash)).length === count);
    await a.destroy();
    const again = node({ store });
    await again.ready;
    expect(again.transfers().map((t) => t.infoHash)).toEqual([shared.infoHash]);
    expect(again.transfer(shared.infoHash).status()?.state).toBe('seeding');
  });

  it('destroy writes the verified pieces still waiting for the store before it resolves (Ctrl-C mid-download)', async () => {
    const store = new MemoryPieceStore();
    const real = createPieceHasher();
    let hashed = 0;
    let destroyed: Promise<void> | undefined;
    const hasher: PieceHasher = {
      native: real.native,
      hash: async (data) => {
        const digest = await real.hash(data);
        hashed++;
        // Once the piece is queued for the store, before its 20 ms batch is due.
        setTimeout(() => (destroyed ??= b.destroy()), 0);
        return digest;
      },
    };
    const a = node();
    const b = node({ store, hasher });
    await Promise.all([a.ready, b.ready]);
    const shared = await a.seed(bytes(700_000), { name: 'stopped.bin' });
    await b.download(shared.magnet);
    await waitFor('a piece verified, then destroy', () => destroyed !== undefined);
    await destroyed;
    const stored = await store.listPieces(shared.infoHash);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBe(hashed);
  });

  it('destroy stops the node, gives back what it holds once, and is idempotent', async () => {
    let released = 0;
    const a = node({ release: async () => void released++ });
    await a.ready;
    await Promise.all([a.destroy(), a.destroy()]);
    await a.destroy();
    expect(released).toBe(1);
    expect(a.status().connections).toBe(0);
  });
});
