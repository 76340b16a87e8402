import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import type { PieceStore, PieceWrite } from '../../../client/src/adapters/piece-store.js';

const A = 'a'.repeat(40);
const B = 'a'.repeat(39) + 'b';
const C = '0123456789abcdef0123456789abcdef01234567';

function piece(index: number, size = 1024, salt = 0): PieceWrite {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 7 + i + salt) & 0xff;
  return { index, data };
}

async function expectBytes(got: Promise<Uint8Array | undefined>, want: Uint8Array): Promise<void> {
  const bytes = await got;
  expect(bytes).toBeInstanceOf(Uint8Array);
  expect(bytes?.byteLength).toBe(want.byteLength);
  expect(bytesEqual(bytes as Uint8Array, want)).toBe(true);
}

/**
 * The behaviour every {@link PieceStore} shares. `makeStore` returns an empty store; with
 * `quotaBytes` it must fail writes beyond that many piece bytes the way a full disk does.
 */
export function pieceStoreContract(
  name: string,
  makeStore: (opts?: { quotaBytes?: number }) => Promise<PieceStore>,
): void {
  describe(`PieceStore contract: ${name}`, () => {
    it('starts empty', async () => {
      const store = await makeStore();
      expect(await store.listTorrents()).toEqual([]);
      expect(await store.listPieces(A)).toEqual([]);
      expect(await store.getPiece(A, 0)).toBeUndefined();
      expect(await store.hasPiece(A, 0)).toBe(false);
      expect(await store.getMetadata(A)).toBeUndefined();
    });

    it('stores a batch and reads each piece back; lists indices ascending', async () => {
      const store = await makeStore();
      const batch = [5, 0, 3, 12, 1].map((i) => piece(i));
      await store.putPieces(A, batch);
      for (const p of batch) {
        await expectBytes(store.getPiece(A, p.index), p.data);
        expect(await store.hasPiece(A, p.index)).toBe(true);
      }
      expect(await store.hasPiece(A, 2)).toBe(false);
      expect(await store.listPieces(A)).toEqual([0, 1, 3, 5, 12]);
      await store.putPieces(A, []);
      expect(await store.listPieces(A)).toEqual([0, 1, 3, 5, 12]);
    });

    it('stores only the bytes of a view and copies what it is given and returns', async () => {
      const store = await makeStore();
      const backing = piece(0, 4096).data;
      const view = backing.subarray(1000, 1100);
      const expected = view.slice();
      await store.putPieces(A, [{ index: 0, data: view }]);
      view.fill(0);
      await expectBytes(store.getPiece(A, 0), expected);
      const read = (await store.getPiece(A, 0)) as Uint8Array;
      expect(read.buffer.byteLength).toBe(100);
      read.fill(9);
      await expectBytes(store.getPiece(A, 0), expected);
    });

    it('holds large pieces', async () => {
      const store = await makeStore();
      const big = piece(7, 2 * 1024 * 1024);
      await store.putPieces(A, [big, piece(8, 256 * 1024)]);
      await expectBytes(store.getPiece(A, 7), big.data);
    });

    it('makes rewriting and concurrent writing of the same pieces harmless', async () => {
      const store = await makeStore();
      const batch = [0, 1, 2].map((i) => piece(i));
      await store.putPieces(A, batch);
      await store.putPieces(A, batch);
      await Promise.all([
        store.putPieces(A, batch.slice(0, 2)),
        store.putPieces(A, batch.slice(1)),
        store.putPieces(A, batch),
      ]);
      expect(await store.listPieces(A)).toEqual([0, 1, 2]);
      for (const p of batch) await expectBytes(store.getPiece(A, p.index), p.data);
    });

    it('keeps torrents apart, even with similar info-hashes', async () => {
      const store = await makeStore();
      await store.putPieces(A, [piece(0, 10, 1), piece(1, 10, 1)]);
      await store.putPieces(B, [piece(0, 10, 2)]);
      expect(await store.listPieces(A)).toEqual([0, 1]);
      expect(await store.listPieces(B)).toEqual([0]);
      expect(await store.listPieces(C)).toEqual([]);
      await expectBytes(store.getPiece(B, 0), piece(0, 10, 2).data);
    });

    it('stores, replaces and lists metadata oldest first', async () => {
      const store = await makeStore();
      const infoBytes = new Uint8Array([100, 52, 58, 110, 97, 109, 101, 101]);
      await store.putMetadata(B, { name: 'second.bin', addedAt: 2000, length: 10 });
      await store.putMetadata(A, {
        name: 'first.bin',
        addedAt: 1000,
        infoBytes,
        magnet: 'magnet:?xt=urn:btih:' + A,
      });
      await store.putMetadata(C, {
        name: 'third',
        addedAt: 3000,
        extra: { paused: true, role: 'seed', n: 1 },
      });
      const a = await store.getMetadata(A);
      expect(a?.name).toBe('first.bin');
      expect(bytesEqual(a?.infoBytes as Uint8Array, infoBytes)).toBe(true);
      expect(a?.magnet).toBe('magnet:?xt=urn:btih:' + A);
      expect((await store.getMetadata(C))?.extra).toEqual({ paused: true, role: 'seed', n: 1 });
      expect((await store.listTorrents()).map((t) => [t.infoHash, t.metadata.name])).toEqual([
        [A, 'first.bin'],
        [B, 'second.bin'],
        [C, 'third'],
      ]);
      await store.putMetadata(B, { name: 'renamed', addedAt: 500 });
      expect((await store.listTorrents()).map((t) => t.infoHash)).toEqual([B, A, C]);
      expect((await store.getMetadata(B))?.length).toBeUndefined();
    });

    it('deletes one torrent, pieces and metadata, and nothing else', async () => {
      const store = await makeStore();
      await store.putPieces(A, [piece(0), piece(1)]);
      await store.putPieces(B, [piece(0)]);
      await store.putMetadata(A, { name: 'a', addedAt: 1 });
      await store.putMetadata(B, { name: 'b', addedAt: 2 });
      await store.deleteTorrent(A);
      await store.deleteTorrent(C);
      expect(await store.listPieces(A)).toEqual([]);
      expect(await store.getMetadata(A)).toBeUndefined();
      expect(await store.listPieces(B)).toEqual([0]);
      expect((await store.listTorrents()).map((t) => t.infoHash)).toEqual([B]);
    });

    it('rejects bad info-hashes and indices with STORAGE_FAILED', async () => {
      const store = await makeStore();
      const failed = expect.objectContaining({ code: ErrorCode.StorageFailed });
      await expect(store.putPieces('ABC', [piece(0)])).rejects.toEqual(failed);
      await expect(store.putPieces(A.toUpperCase(), [piece(0)])).rejects.toEqual(failed);
      await expect(store.getPiece(A, -1)).rejects.toEqual(failed);
      await expect(store.putPieces(A, [piece(0), { index: 1.5, data: new Uint8Array(1) }])).rejects.toEqual(
        failed,
      );
      await expect(store.putMetadata('', { name: 'x', addedAt: 0 })).rejects.toEqual(failed);
      expect(await store.listPieces(A)).toEqual([]);
    });

    it('fails a batch beyond the quota whole with STORAGE_FULL and keeps working', async () => {
      const store = await makeStore({ quotaBytes: 1024 * 1024 });
      const size = 256 * 1024;
      await store.putPieces(A, [piece(0, size), piece(1, size)]);
      const full = store.putPieces(
        A,
        [2, 3, 4, 5].map((i) => piece(i, size)),
      );
      await expect(full).rejects.toMatchObject({ code: ErrorCode.StorageFull });
      expect(await store.listPieces(A)).toEqual([0, 1]);
      await expectBytes(store.getPiece(A, 1), piece(1, size).data);
      await store.putPieces(A, [piece(2, size)]);
      expect(await store.listPieces(A)).toEqual([0, 1, 2]);
    });
  });
}
