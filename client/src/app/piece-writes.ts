import { bytesEqual } from '../../../shared/bytes.js';
import { ErrorCode, toTabswarmError, type TabswarmError } from '../../../shared/errors.js';
import { pieceHash, type InfoDictionary } from '../../../shared/info-dictionary.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore, PieceWrite } from '../adapters/piece-store.js';

/** Verified pieces are written in one transaction per batch, not one per piece. */
const STORE_BATCH_PIECES = 8;
const STORE_BATCH_DELAY_MS = 20;

/** What {@link PieceWrites} works with and tells its transfer. */
export interface PieceWritesDeps {
  store: PieceStore;
  hasher: PieceHasher;
  infoHashHex: string;
  /** The piece failed its hash. */
  rejected: (index: number) => void;
  /** The piece passed its hash; it is queued for the store. */
  verified: (index: number) => void;
  /** These pieces are in the store. */
  stored: (indices: number[]) => void;
  /** These pieces could not be written and are dropped. */
  failed: (indices: number[], err: TabswarmError) => void;
}

/** A transfer's downloaded pieces: hashed, then written to the store in batches. */
export class PieceWrites {
  /** Pieces that failed their hash. */
  hashFailures = 0;
  private readonly queue: PieceWrite[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly deps: PieceWritesDeps) {}

  /** Checks a downloaded piece against its hash and queues it for the store if it passes. */
  async verify(info: InfoDictionary, index: number, data: Uint8Array): Promise<void> {
    const digest = await this.deps.hasher.hash(data);
    if (this.closed) return;
    if (!bytesEqual(digest, pieceHash(info, index))) {
      this.hashFailures++;
      this.deps.rejected(index);
      return;
    }
    this.deps.verified(index);
    this.queue.push({ index, data });
    if (this.queue.length >= STORE_BATCH_PIECES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), STORE_BATCH_DELAY_MS);
  }

  /** Nothing more is written and queued pieces are dropped: the transfer may be deleted next. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  /** Writes the queued pieces in one transaction. */
  private async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const indices = batch.map((p) => p.index);
    try {
      await this.deps.store.putPieces(this.deps.infoHashHex, batch);
    } catch (err) {
      this.deps.failed(indices, toTabswarmError(err, ErrorCode.StorageFailed));
      return;
    }
    if (this.closed) return;
    this.deps.stored(indices);
  }
}
