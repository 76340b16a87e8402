import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { DEFAULT_PIECE_LENGTH } from '../../../shared/info-dictionary.js';
import { createMagnet } from '../../../shared/magnet.js';
import { seededRandom } from '../../../shared/random.js';
import { CREATED_BY, createTorrentFile, parseTorrentFile } from '../../../shared/torrent-file.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import { createPieceHasher, type PieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import { waitFor } from '../wait-for.js';
import { TRACKER, closeRigs, fileOf, relay, rig, type Rig } from './transfers-rig.js';

afterEach(closeRigs);

/** A store that has lost the pieces in `lost` the next time they are read. */
class ForgetfulStore extends MemoryPieceStore {
  readonly lost = new Set<number>();
  override async getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined> {
    return this.lost.delete(index) ? undefined : super.getPiece(infoHash, index);
  }
}

/**
 * A download from a seed whose tab `act`s as soon as its first downloaded piece has passed its hash:
 * that piece (and any hashed with it) is then queued for the store, not in it yet. Resolves with
 * the transfer, the downloader, how many pieces were hashed, and what `act` returned.
 */
async function actOnFirstVerified(
  act: (b: Rig, infoHash: string) => Promise<void>,
  store = new MemoryPieceStore(),
): Promise<{ infoHash: string; b: Rig; hashed: () => number; acted: Promise<void> }> {
  const real = createPieceHasher();
  let hashed = 0;
  let acted: Promise<void> | undefined;
  let infoHash = '';
  const hasher: PieceHasher = {
    native: real.native,
    hash: async (data) => {
      const digest = await real.hash(data);
      hashed++;
      // After the piece is queued (its verify goes on in this task), before its 20 ms batch is due.
      setTimeout(() => (acted ??= act(b, infoHash)), 0);
      return digest;
    },
  };
  const a = rig();
  const b = rig({ hasher, store });
  relay(a, b);
  const { blob } = fileOf(6 * DEFAULT_PIECE_LENGTH);
  const shared = await a.transfers.seed(blob, 'stopped.bin');
  infoHash = shared.infoHash;
  await waitFor('every piece stored', async () => (await a.store.listPieces(infoHash)).length === 6);
  await b.transfers.download(shared.magnet);
  b.connections.connect(a.id, { infoHash });
  await waitFor('a piece verified', () => acted !== undefined);
  return { infoHash, b, hashed: () => hashed, acted: acted ?? Promise.reject(new Error('never acted')) };
}

describe('Transfers', () => {
  it('seeds a file at once, asks for peers, and copies its pieces into the store', async () => {
    const a = rig();
    const { blob } = fileOf(3 * DEFAULT_PIECE_LENGTH + 5);
    const { infoHash, magnet } = await a.transfers.seed(blob, 'a.bin');
    expect(magnet).toContain(infoHash);
    expect(a.transfers.view(infoHash)?.state).toBe('seeding');
    expect(a.wantedPeers.map((h) => h.infoHashHex)).toEqual([infoHash]);
    await waitFor('every piece stored', async () => (await a.store.listPieces(infoHash)).length === 4);
    expect(a.reader.reads).toBeGreaterThanOrEqual(8); // hashed, then copied
    expect((await a.store.getMetadata(infoHash))?.name).toBe('a.bin');
  });

  it('refuses an empty file, and a file that cannot be read, with a notice; no placeholder stays', async () => {
    const a = rig();
    await expect(a.transfers.seed(new Blob([]), 'empty.bin')).rejects.toMatchObject({
      code: ErrorCode.InfoInvalid,
    });
    const { blob } = fileOf(1000);
    a.reader.break(blob);
    await expect(a.transfers.seed(blob, 'gone.bin')).rejects.toMatchObject({
      code: ErrorCode.FileUnreadable,
    });
    expect(a.notices.all().map((n) => n.code)).toEqual([ErrorCode.InfoInvalid, ErrorCode.FileUnreadable]);
    expect(a.transfers.views()).toEqual([]);
  });

  it('refuses a malformed link with a notice', async () => {
    const a = rig();
    await expect(a.transfers.download('magnet:?dn=x')).rejects.toMatchObject({
      code: ErrorCode.MagnetInvalid,
    });
    expect(a.notices.all()[0]?.text).toMatch(/cannot be opened/);
  });

  it('a magnet link waits for its metadata, and says so after its patience', async () => {
    const patience = 30;
    const a = rig({ metadataPatienceMs: patience });
    const infoHash = seededRandom(99).bytes(20);
    const { infoHash: hex } = await a.transfers.download(createMagnet({ infoHash, name: 'later.bin' }));
    expect(a.transfers.view(hex)?.state).toBe('metadata');
    expect(a.wantedPeers.map((h) => h.infoHashHex)).toEqual([hex]);
    await waitFor('the metadata timeout notice', () =>
      a.notices.all().some((n) => n.code === ErrorCode.MetadataTimeout),
    );
    expect(a.transfers.view(hex)?.error?.code).toBe(ErrorCode.MetadataTimeout);
  });

  it('downloads over a link opened for the transfer, then saves the file', async () => {
    const a = rig();
    const b = rig();
    relay(a, b);
    const { blob, data } = fileOf(2 * DEFAULT_PIECE_LENGTH + 100);
    const { infoHash, magnet } = await a.transfers.seed(blob, 'shared.bin');
    await b.transfers.download(magnet);
    b.connections.connect(a.id, { infoHash });
    await waitFor('the download to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    expect(b.completed.map((h) => h.infoHashHex)).toEqual([infoHash]);
    expect(await b.transfers.save(infoHash)).toBe('download');
    expect(b.saver.saved).toEqual([{ name: 'shared.bin', data }]);
  });

  it('a piece its storage lost is fetched again, and the transfer is seeding again', async () => {
    const store = new ForgetfulStore();
    const a = rig({ store });
    const { blob, data } = fileOf(3 * DEFAULT_PIECE_LENGTH);
    const { infoHash, magnet } = await a.transfers.seed(blob, 'lost.bin');
    await waitFor('every piece stored', async () => (await store.listPieces(infoHash)).length === 3);
    await a.transfers.stop();
    // The tab comes back with what it stored (no copy in memory); piece 1 is gone when it reads it.
    const b = rig({ store });
    await b.transfers.restore();
    expect(b.transfers.view(infoHash)?.state).toBe('seeding');
    store.lost.add(1);
    const [c, d] = [rig(), rig()];
    relay(b, c);
    relay(b, d);
    await c.transfers.seed(blob, 'lost.bin'); // another seed b gets piece 1 from
    b.connections.connect(c.id, { infoHash });
    await d.transfers.download(magnet);
    d.connections.connect(b.id, { infoHash });
    await waitFor('d to complete', () => d.transfers.view(infoHash)?.state === 'seeding');
    expect(store.lost.size).toBe(0);
    await waitFor('b seeding again', () => b.transfers.view(infoHash)?.state === 'seeding');
    expect(await b.transfers.save(infoHash)).toBe('download');
    expect(b.saver.saved).toEqual([{ name: 'lost.bin', data }]);
  });

  it('a piece its storage lost by the time the file is saved fails the save with a clear message, and is fetched again', async () => {
    const store = new ForgetfulStore();
    const a = rig({ store });
    const { blob } = fileOf(3 * DEFAULT_PIECE_LENGTH);
    const { infoHash } = await a.transfers.seed(blob, 'lost.bin');
    await waitFor('every piece stored', async () => (await store.listPieces(infoHash)).length === 3);
    await a.transfers.stop();
    const b = rig({ store });
    await b.transfers.restore();
    store.lost.add(2);
    await expect(b.transfers.save(infoHash)).rejects.toMatchObject({
      code: ErrorCode.StorageFailed,
      message: expect.stringContaining('piece 2 is missing or damaged in storage; fetching it again'),
    });
    expect(b.saver.saved).toEqual([]);
    expect(b.transfers.view(infoHash)?.state).toBe('downloading');
  });

  it('will not save what is not complete', async () => {
    const a = rig();
    const { infoHash } = await a.transfers.download(createMagnet({ infoHash: seededRandom(7).bytes(20) }));
    await expect(a.transfers.save(infoHash)).rejects.toMatchObject({ code: ErrorCode.StorageFailed });
  });

  it('restores what the store kept, complete or not', async () => {
    const store = new MemoryPieceStore();
    const a = rig({ store });
    const { blob } = fileOf(DEFAULT_PIECE_LENGTH + 1);
    const seeded = await a.transfers.seed(blob, 'kept.bin');
    const pending = await a.transfers.download(
      createMagnet({ infoHash: seededRandom(8).bytes(20), name: 'p' }),
    );
    await waitFor('every piece stored', async () => (await store.listPieces(seeded.infoHash)).length === 2);
    await a.transfers.stop();

    const again = rig({ store });
    await again.transfers.restore();
    expect(again.transfers.view(seeded.infoHash)?.state).toBe('seeding');
    expect(again.transfers.view(pending.infoHash)?.state).toBe('metadata');
    expect(again.wantedPeers).toEqual([]); // peers are looked for once the server answers
  });

  it('a resumed transfer counts the pieces it resumed with apart from those it stores afterwards', async () => {
    const pieceCount = 4;
    const kept = [0, 2];
    const a = rig();
    const { blob, data } = fileOf(pieceCount * DEFAULT_PIECE_LENGTH);
    const { infoHash } = await a.transfers.seed(blob, 'kept.bin');
    expect(a.transfers.view(infoHash)?.resumedPieces).toBe(0);
    // An earlier visit stored some of the pieces.
    const store = new MemoryPieceStore();
    const { infoBytes } = parseTorrentFile(a.transfers.torrentFile(infoHash).bytes);
    await store.putMetadata(infoHash, { name: 'kept.bin', length: data.length, infoBytes, addedAt: 0 });
    const piece = (i: number) => data.slice(i * DEFAULT_PIECE_LENGTH, (i + 1) * DEFAULT_PIECE_LENGTH);
    await store.putPieces(
      infoHash,
      kept.map((index) => ({ index, data: piece(index) })),
    );

    const b = rig({ store });
    relay(a, b);
    await b.transfers.restore();
    expect(b.transfers.view(infoHash)).toMatchObject({
      storedPieces: kept.length,
      resumedPieces: kept.length,
    });
    b.connections.connect(a.id, { infoHash });
    await waitFor('the download to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    const done = b.transfers.view(infoHash)!;
    // Pieces stored after the resume count as stored, not as resumed.
    expect(done).toMatchObject({ storedPieces: pieceCount, resumedPieces: kept.length });
    expect(done.downloaded).toBe((pieceCount - kept.length) * DEFAULT_PIECE_LENGTH);
  });

  it('a .torrent file gives the metadata at once, keeps its trackers, and downloads; a transfer gives its .torrent back', async () => {
    const a = rig();
    const b = rig();
    relay(a, b);
    const { blob, data } = fileOf(2 * DEFAULT_PIECE_LENGTH + 100);
    const { infoHash } = await a.transfers.seed(blob, 'shared.bin');
    const file = a.transfers.torrentFile(infoHash);
    expect(file.name).toBe('shared.bin.torrent');
    const parsed = parseTorrentFile(file.bytes);
    expect(toHex(parsed.infoHash)).toBe(infoHash);
    expect(parsed.createdBy).toBe(CREATED_BY);

    // Dropped as a file: by its name, or by its content whatever its name.
    const withTracker = createTorrentFile({
      infoBytes: parsed.infoBytes,
      trackers: [TRACKER],
      creationDate: 0,
    });
    const opened = await b.transfers.add(new Blob([withTracker as Uint8Array<ArrayBuffer>]), 'renamed.dat');
    expect(opened.infoHash).toBe(infoHash);
    expect(b.transfers.view(infoHash)?.state).toBe('downloading');
    expect(b.transfers.get(infoHash)?.trackers).toContain(TRACKER);
    expect((await b.store.getMetadata(infoHash))?.trackers).toEqual([TRACKER]);
    expect(b.wantedPeers.map((h) => h.infoHashHex)).toEqual([infoHash]);
    b.connections.connect(a.id, { infoHash });
    await waitFor('the download to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    expect(await b.transfers.save(infoHash)).toBe('download');
    expect(b.saver.saved).toEqual([{ name: 'shared.bin', data }]);
  });

  it('refuses a broken .torrent with a notice, and shares a file that only looks like one', async () => {
    const a = rig();
    await expect(a.transfers.add(new Blob(['d4:infoi1ee']), 'x.torrent')).rejects.toMatchObject({
      code: ErrorCode.TorrentInvalid,
    });
    expect(a.notices.all()[0]?.text).toMatch(/\.torrent file cannot be opened/);
    const shared = await a.transfers.add(new Blob(['d4:infoi1ee']), 'notes.txt');
    expect(shared.magnet).toContain(shared.infoHash);
    expect(() => a.transfers.torrentFile('00'.repeat(20))).toThrow();
  });
});

describe('Transfers: pause, resume, remove', () => {
  it('a paused transfer closes its links and refuses new ones, stays paused across a reload, and resumes', async () => {
    const store = new MemoryPieceStore();
    const a = rig({ store });
    const b = rig();
    relay(a, b);
    const { blob } = fileOf(2 * DEFAULT_PIECE_LENGTH);
    const { infoHash, magnet } = await a.transfers.seed(blob, 'held.bin');
    await waitFor('every piece stored', async () => (await store.listPieces(infoHash)).length === 2);
    await b.transfers.download(magnet);
    b.connections.connect(a.id, { infoHash });
    await waitFor('a link for the transfer', () => (a.transfers.get(infoHash)?.linkCount ?? 0) === 1);

    await a.transfers.setPaused(infoHash, true);
    expect(a.transfers.view(infoHash)?.state).toBe('paused');
    expect(a.transfers.accepts(infoHash)).toBe(false);
    await waitFor('the link to close', () => a.transfers.get(infoHash)?.linkCount === 0);
    expect((await store.getMetadata(infoHash))?.extra).toEqual({ paused: true });

    const again = rig({ store });
    await again.transfers.restore();
    expect(again.transfers.view(infoHash)?.state).toBe('paused');
    await again.transfers.setPaused(infoHash, false);
    expect(again.transfers.view(infoHash)?.state).toBe('seeding');
    expect(again.transfers.accepts(infoHash)).toBe(true);
    expect((await store.getMetadata(infoHash))?.extra).toEqual({});
  });

  it('remove deletes the pieces and metadata, so a restore does not bring it back', async () => {
    const store = new MemoryPieceStore();
    const a = rig({ store });
    const { blob } = fileOf(3 * DEFAULT_PIECE_LENGTH + 9);
    const { infoHash } = await a.transfers.seed(blob, 'gone.bin');
    await waitFor('every piece stored', async () => (await store.listPieces(infoHash)).length === 4);
    expect(a.transfers.view(infoHash)?.storedBytes).toBe(blob.size);
    await a.transfers.remove(infoHash);
    expect(a.transfers.has(infoHash)).toBe(false);
    expect(await store.listPieces(infoHash)).toEqual([]);
    expect(await store.getMetadata(infoHash)).toBeUndefined();
    const again = rig({ store });
    await again.transfers.restore();
    expect(again.transfers.views()).toEqual([]);
  });

  it('remove right after sharing stops the copy into the store: no piece lands afterwards', async () => {
    const store = new MemoryPieceStore();
    const a = rig({ store });
    // Many small batches (8 MiB each), so the copy is still running when the removal comes.
    const { blob } = fileOf(40 * 1024 * 1024);
    const { infoHash } = await a.transfers.seed(blob, 'big.bin');
    await a.transfers.remove(infoHash);
    expect(await store.listPieces(infoHash)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.listPieces(infoHash)).toEqual([]);
  });

  it('stop writes the verified pieces still waiting for the store before it resolves: a resume fetches none again', async () => {
    const { infoHash, b, hashed, acted } = await actOnFirstVerified((tab) => tab.transfers.stop());
    await acted;
    const stored = await b.store.listPieces(infoHash);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBe(hashed());
    const again = rig({ store: b.store });
    await again.transfers.restore();
    expect(again.transfers.view(infoHash)?.resumedPieces).toBe(stored.length);
  });

  it('a write that fails during stop is told in a notice; stop still resolves', async () => {
    const full = new MemoryPieceStore({ quotaBytes: 1 });
    const { infoHash, b, acted } = await actOnFirstVerified((tab) => tab.transfers.stop(), full);
    await acted;
    expect(await b.store.listPieces(infoHash)).toEqual([]);
    expect(b.notices.all().map((n) => n.code)).toContain(ErrorCode.StorageFull);
  });

  it('remove drops the verified pieces waiting for the store: none is written afterwards', async () => {
    const { infoHash, b, hashed, acted } = await actOnFirstVerified((tab, hex) => tab.transfers.remove(hex));
    await acted;
    expect(hashed()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await b.store.listPieces(infoHash)).toEqual([]);
    expect(await b.store.getMetadata(infoHash)).toBeUndefined();
  });

  it('actions on a transfer the tab does not have fail with TRANSFER_UNKNOWN', async () => {
    const a = rig();
    const unknown = expect.objectContaining({ code: ErrorCode.TransferUnknown });
    await expect(a.transfers.setPaused('00'.repeat(20), true)).rejects.toEqual(unknown);
    await expect(a.transfers.remove('00'.repeat(20))).rejects.toEqual(unknown);
  });
});
