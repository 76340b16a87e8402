import { get, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import {
  checkInfoHash,
  checkPieceIndex,
  toStorageError,
  type PieceStore,
  type PieceWrite,
  type StoredTorrent,
  type TorrentMetadata,
} from './piece-store.js';

/** Options of {@link IdbPieceStore}. */
export interface IdbPieceStoreOptions {
  /** Database name; default `tabswarm`. */
  dbName?: string;
  /** Defaults to the `indexedDB` global (tests pass fake-indexeddb's). */
  indexedDB?: IDBFactory;
  /** Defaults to the `IDBKeyRange` global; must belong to the same implementation as `indexedDB`. */
  IDBKeyRange?: typeof IDBKeyRange;
}

const DB_VERSION = 1;
const PIECES = 'pieces';
const TORRENTS = 'torrents';
const MAX_INDEX = Number.MAX_SAFE_INTEGER;

/**
 * {@link PieceStore} on IndexedDB through idb-keyval: one database with a `pieces` store keyed
 * `[infoHash, index]` (whole pieces, so ranges list a torrent's pieces) and a `torrents` store
 * keyed by info-hash. Writes are batched per call: IndexedDB is slow per transaction.
 */
export class IdbPieceStore implements PieceStore {
  private readonly dbName: string;
  private readonly factory: IDBFactory;
  private readonly KeyRange: typeof IDBKeyRange;
  private dbPromise: Promise<IDBDatabase> | undefined;
  private readonly pieces: UseStore = (mode, callback) =>
    this.db().then((db) => callback(db.transaction(PIECES, mode).objectStore(PIECES)));
  private readonly torrents: UseStore = (mode, callback) =>
    this.db().then((db) => callback(db.transaction(TORRENTS, mode).objectStore(TORRENTS)));

  constructor(opts: IdbPieceStoreOptions = {}) {
    this.dbName = opts.dbName ?? 'tabswarm';
    this.factory = opts.indexedDB ?? globalThis.indexedDB;
    this.KeyRange = opts.IDBKeyRange ?? globalThis.IDBKeyRange;
  }

  async putPieces(infoHash: string, pieces: readonly PieceWrite[]): Promise<void> {
    try {
      checkInfoHash(infoHash);
      if (pieces.length === 0) return;
      const entries: Array<[IDBValidKey, Uint8Array]> = pieces.map(({ index, data }) => {
        checkPieceIndex(index);
        return [[infoHash, index], ownBuffer(data)];
      });
      await setMany(entries, this.pieces);
    } catch (err) {
      throw toStorageError(err, 'putPieces');
    }
  }

  async getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined> {
    try {
      checkInfoHash(infoHash);
      checkPieceIndex(index);
      return await get<Uint8Array>([infoHash, index], this.pieces);
    } catch (err) {
      throw toStorageError(err, 'getPiece');
    }
  }

  async hasPiece(infoHash: string, index: number): Promise<boolean> {
    try {
      checkInfoHash(infoHash);
      checkPieceIndex(index);
      const count = await this.pieces('readonly', (store) =>
        promisifyRequest(store.count([infoHash, index])),
      );
      return count > 0;
    } catch (err) {
      throw toStorageError(err, 'hasPiece');
    }
  }

  async listPieces(infoHash: string): Promise<number[]> {
    try {
      checkInfoHash(infoHash);
      const range = this.KeyRange.bound([infoHash, 0], [infoHash, MAX_INDEX]);
      const keys = await this.pieces('readonly', (store) => promisifyRequest(store.getAllKeys(range)));
      return keys.map((key) => (key as [string, number])[1]); // key order is index order
    } catch (err) {
      throw toStorageError(err, 'listPieces');
    }
  }

  async putMetadata(infoHash: string, metadata: TorrentMetadata): Promise<void> {
    try {
      checkInfoHash(infoHash);
      const record: StoredTorrent = { infoHash, metadata: { ...metadata } };
      if (metadata.infoBytes) record.metadata.infoBytes = ownBuffer(metadata.infoBytes);
      await setMany([[infoHash, record]], this.torrents);
    } catch (err) {
      throw toStorageError(err, 'putMetadata');
    }
  }

  async getMetadata(infoHash: string): Promise<TorrentMetadata | undefined> {
    try {
      checkInfoHash(infoHash);
      return (await get<StoredTorrent>(infoHash, this.torrents))?.metadata;
    } catch (err) {
      throw toStorageError(err, 'getMetadata');
    }
  }

  async listTorrents(): Promise<StoredTorrent[]> {
    try {
      const all = await this.torrents('readonly', (store) => promisifyRequest(store.getAll()));
      return (all as StoredTorrent[]).sort(
        (a, b) => a.metadata.addedAt - b.metadata.addedAt || (a.infoHash < b.infoHash ? -1 : 1),
      );
    } catch (err) {
      throw toStorageError(err, 'listTorrents');
    }
  }

  async deleteTorrent(infoHash: string): Promise<void> {
    try {
      checkInfoHash(infoHash);
      const db = await this.db();
      // Both stores in one transaction: a torrent never survives without its pieces or vice versa.
      const tx = db.transaction([PIECES, TORRENTS], 'readwrite');
      tx.objectStore(PIECES).delete(this.KeyRange.bound([infoHash, 0], [infoHash, MAX_INDEX]));
      tx.objectStore(TORRENTS).delete(infoHash);
      await promisifyRequest(tx);
    } catch (err) {
      throw toStorageError(err, 'deleteTorrent');
    }
  }

  /** Closes the connection (tests; the page keeps it for its lifetime). */
  close(): void {
    const pending = this.dbPromise;
    this.dbPromise = undefined;
    void pending?.then((db) => db.close()).catch(() => undefined);
  }

  private db(): Promise<IDBDatabase> {
    if (!this.dbPromise) {
      if (!this.factory) return Promise.reject(new Error('IndexedDB is not available'));
      const request = this.factory.open(this.dbName, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(PIECES)) db.createObjectStore(PIECES);
        if (!db.objectStoreNames.contains(TORRENTS)) db.createObjectStore(TORRENTS);
      };
      const opening = promisifyRequest(request).then((db) => {
        // Another tab upgrading the schema must not be blocked by this one; reopen on next use.
        db.onversionchange = () => {
          db.close();
          if (this.dbPromise === opening) this.dbPromise = undefined;
        };
        db.onclose = () => {
          if (this.dbPromise === opening) this.dbPromise = undefined;
        };
        return db;
      });
      opening.catch(() => {
        if (this.dbPromise === opening) this.dbPromise = undefined; // retry on next call
      });
      this.dbPromise = opening;
    }
    return this.dbPromise;
  }
}

/** Structured clone stores a view's whole buffer: copy views that do not span theirs. */
function ownBuffer(data: Uint8Array): Uint8Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}
