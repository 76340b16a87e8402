import { ErrorCode, TabswarmError } from '../../../shared/errors.js';

/** One whole, verified piece to store. */
export interface PieceWrite {
  index: number;
  data: Uint8Array;
}

/** What the app keeps about a torrent next to its pieces. Structured-clonable. */
export interface TorrentMetadata {
  /** Display name (the info dictionary's `name`, or the magnet's `dn` until metadata arrives). */
  name: string;
  /** When the torrent was added, ms since the epoch. */
  addedAt: number;
  /** Total length in bytes, once known. */
  length?: number;
  /** The bencoded info dictionary, once known (a magnet download starts without it). */
  infoBytes?: Uint8Array;
  /** The magnet link it came from or was published as. */
  magnet?: string;
  /** Tracker URLs it came with (a .torrent file's `announce` / `announce-list`). */
  trackers?: string[];
  /** Files chosen for download (indexes into the info dictionary's files); absent: every file. */
  selectedFiles?: number[];
  /** Flags the app owns (paused, role...). */
  extra?: Record<string, string | number | boolean>;
}

/** A torrent as listed by {@link PieceStore.listTorrents}. */
export interface StoredTorrent {
  infoHash: string;
  metadata: TorrentMetadata;
}

/**
 * Content-addressed piece storage shared by every tab of the origin: a piece is keyed by
 * (info-hash hex, index), so concurrent and repeated writes of the same piece are harmless.
 * Stores whole pieces only. Never deletes anything on its own. Failures reject with
 * TabswarmError STORAGE_FULL (quota) or STORAGE_FAILED (anything else).
 */
export interface PieceStore {
  /** Writes pieces in ONE transaction: all or none. Rewriting a piece is harmless. */
  putPieces(infoHash: string, pieces: readonly PieceWrite[]): Promise<void>;
  /** The piece's bytes, or undefined. Bytes are not re-verified: check them after a crash. */
  getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined>;
  hasPiece(infoHash: string, index: number): Promise<boolean>;
  /** Indices of stored pieces, ascending. */
  listPieces(infoHash: string): Promise<number[]>;
  /** Stores (replaces) the torrent's metadata. */
  putMetadata(infoHash: string, metadata: TorrentMetadata): Promise<void>;
  getMetadata(infoHash: string): Promise<TorrentMetadata | undefined>;
  /** Every torrent with metadata, oldest `addedAt` first. */
  listTorrents(): Promise<StoredTorrent[]>;
  /** Deletes the torrent's pieces and metadata. Only when the app asks. */
  deleteTorrent(infoHash: string): Promise<void>;
}

const INFO_HASH = /^[0-9a-f]{40}$/;

/** Throws STORAGE_FAILED unless `infoHash` is 40 lower-case hex digits. */
export function checkInfoHash(infoHash: string): void {
  if (!INFO_HASH.test(infoHash)) {
    throw new TabswarmError(
      ErrorCode.StorageFailed,
      `not a lower-case hex info-hash: ${JSON.stringify(infoHash)}`,
    );
  }
}

/** Throws STORAGE_FAILED unless `index` is a valid piece index. */
export function checkPieceIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new TabswarmError(ErrorCode.StorageFailed, `not a piece index: ${index}`);
  }
}

/** True for the quota errors of Chromium/Safari (QuotaExceededError, legacy code 22) and Firefox. */
export function isQuotaError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/** Turns any storage failure into STORAGE_FULL or STORAGE_FAILED. */
export function toStorageError(err: unknown, what: string): TabswarmError {
  if (err instanceof TabswarmError) return err;
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const code = isQuotaError(err) ? ErrorCode.StorageFull : ErrorCode.StorageFailed;
  return new TabswarmError(code, `${what}: ${detail}`);
}
