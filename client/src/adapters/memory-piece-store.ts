import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import {
  checkInfoHash,
  checkPieceIndex,
  type PieceStore,
  type PieceWrite,
  type StoredTorrent,
  type TorrentMetadata,
} from './piece-store.js';

/** Options of {@link MemoryPieceStore}. */
export interface MemoryPieceStoreOptions {
  /** Piece bytes the store may hold; a batch that would exceed it fails whole with STORAGE_FULL. */
  quotaBytes?: number;
}

/** In-memory twin of {@link PieceStore}; copies bytes in and out like structured clone does. */
export class MemoryPieceStore implements PieceStore {
  private readonly pieces = new Map<string, Map<number, Uint8Array>>();
  private readonly torrents = new Map<string, StoredTorrent>();
  private usedBytes = 0;
  private readonly quotaBytes: number;

  constructor(opts: MemoryPieceStoreOptions = {}) {
    this.quotaBytes = opts.quotaBytes ?? Number.POSITIVE_INFINITY;
  }

  async putPieces(infoHash: string, pieces: readonly PieceWrite[]): Promise<void> {
    checkInfoHash(infoHash);
    for (const { index } of pieces) checkPieceIndex(index);
    const stored = this.pieces.get(infoHash) ?? new Map<number, Uint8Array>();
    const batch = new Map(pieces.map(({ index, data }) => [index, data]));
    let growth = 0;
    for (const [index, data] of batch) growth += data.byteLength - (stored.get(index)?.byteLength ?? 0);
    if (this.usedBytes + growth > this.quotaBytes) {
      throw new TabswarmError(ErrorCode.StorageFull, `putPieces: quota of ${this.quotaBytes} bytes exceeded`);
    }
    for (const [index, data] of batch) stored.set(index, data.slice());
    if (stored.size > 0) this.pieces.set(infoHash, stored);
    this.usedBytes += growth;
  }

  async getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined> {
    checkInfoHash(infoHash);
    checkPieceIndex(index);
    return this.pieces.get(infoHash)?.get(index)?.slice();
  }

  async hasPiece(infoHash: string, index: number): Promise<boolean> {
    checkInfoHash(infoHash);
    checkPieceIndex(index);
    return this.pieces.get(infoHash)?.has(index) ?? false;
  }

  async listPieces(infoHash: string): Promise<number[]> {
    checkInfoHash(infoHash);
    return [...(this.pieces.get(infoHash)?.keys() ?? [])].sort((a, b) => a - b);
  }

  async putMetadata(infoHash: string, metadata: TorrentMetadata): Promise<void> {
    checkInfoHash(infoHash);
    this.torrents.set(infoHash, { infoHash, metadata: structuredClone(metadata) });
  }

  async getMetadata(infoHash: string): Promise<TorrentMetadata | undefined> {
    checkInfoHash(infoHash);
    const record = this.torrents.get(infoHash);
    return record ? structuredClone(record.metadata) : undefined;
  }

  async listTorrents(): Promise<StoredTorrent[]> {
    return [...this.torrents.values()]
      .map((record) => structuredClone(record))
      .sort((a, b) => a.metadata.addedAt - b.metadata.addedAt || (a.infoHash < b.infoHash ? -1 : 1));
  }

  async deleteTorrent(infoHash: string): Promise<void> {
    checkInfoHash(infoHash);
    for (const data of this.pieces.get(infoHash)?.values() ?? []) this.usedBytes -= data.byteLength;
    this.pieces.delete(infoHash);
    this.torrents.delete(infoHash);
  }
}
