import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { IdbPieceStore } from '../../../client/src/adapters/idb-piece-store.js';
import { pieceStoreContract } from './piece-store.contract.js';
import { quotaLimitedIndexedDB } from './quota-limited-idb.js';

pieceStoreContract('IndexedDB (fake-indexeddb)', async (opts) => {
  const factory = new IDBFactory();
  const indexedDB =
    opts?.quotaBytes === undefined ? factory : quotaLimitedIndexedDB(factory, opts.quotaBytes);
  return new IdbPieceStore({ indexedDB, IDBKeyRange });
});

describe('IdbPieceStore', () => {
  const A = 'c'.repeat(40);

  it('is shared by several instances on one origin (tabs) writing the same pieces at once', async () => {
    const indexedDB = new IDBFactory();
    const tab1 = new IdbPieceStore({ indexedDB, IDBKeyRange });
    const tab2 = new IdbPieceStore({ indexedDB, IDBKeyRange });
    const pieces = [0, 1, 2, 3].map((index) => ({ index, data: new Uint8Array(1000).fill(index) }));
    await Promise.all([
      tab1.putPieces(A, pieces),
      tab2.putPieces(A, pieces.slice(1)),
      tab2.putPieces(A, pieces),
    ]);
    await tab1.putMetadata(A, { name: 'shared', addedAt: 1 });
    expect(await tab2.listPieces(A)).toEqual([0, 1, 2, 3]);
    expect((await tab2.getMetadata(A))?.name).toBe('shared');
    tab1.close();
    const tab3 = new IdbPieceStore({ indexedDB, IDBKeyRange });
    expect(bytesEqual((await tab3.getPiece(A, 2)) as Uint8Array, pieces[2]?.data as Uint8Array)).toBe(true);
  });

  it('turns an IndexedDB that cannot open into STORAGE_FAILED, and retries on the next call', async () => {
    let attempts = 0;
    const real = new IDBFactory();
    const flaky = {
      open(name: string, version?: number) {
        attempts++;
        if (attempts === 1) throw new DOMException('private mode', 'InvalidStateError');
        return real.open(name, version);
      },
    } as unknown as globalThis.IDBFactory;
    const store = new IdbPieceStore({ indexedDB: flaky, IDBKeyRange });
    await expect(store.listPieces(A)).rejects.toMatchObject({ code: ErrorCode.StorageFailed });
    expect(await store.listPieces(A)).toEqual([]);
  });

  it('reports STORAGE_FAILED when there is no IndexedDB at all', async () => {
    const store = new IdbPieceStore({
      indexedDB: undefined as unknown as globalThis.IDBFactory,
      IDBKeyRange,
    });
    await expect(store.getMetadata(A)).rejects.toMatchObject({ code: ErrorCode.StorageFailed });
  });
});
