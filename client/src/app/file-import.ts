import type { PieceStore, PieceWrite } from '../adapters/piece-store.js';
import type { ByteSource, FilePieceReader } from '../adapters/file-reader.js';

/** Pieces written per IndexedDB transaction when importing a file (whole pieces, batched). */
const IMPORT_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Copies a shared file's pieces into the piece store, in batches of about 8 MiB per
 * transaction, so a reloaded tab keeps seeding it. Runs after hashing (the store is
 * content-addressed by info-hash, known only then); until a piece lands, it is served from the file.
 */
export async function storeFilePieces(
  file: ByteSource,
  pieceLength: number,
  infoHashHex: string,
  store: PieceStore,
  reader: FilePieceReader,
  onStored?: (indices: number[]) => void,
  /** Checked before each batch: true stops the copy (the transfer was removed). */
  stopped: () => boolean = () => false,
): Promise<void> {
  const count = Math.ceil(file.size / pieceLength);
  const perBatch = Math.max(1, Math.floor(IMPORT_BATCH_BYTES / pieceLength));
  for (let start = 0; start < count && !stopped(); start += perBatch) {
    const batch: PieceWrite[] = [];
    for (let i = start; i < Math.min(count, start + perBatch); i++) {
      batch.push({ index: i, data: await reader.readPiece(file, i, pieceLength) });
    }
    if (stopped()) return;
    await store.putPieces(infoHashHex, batch);
    onStored?.(batch.map((p) => p.index));
  }
}
