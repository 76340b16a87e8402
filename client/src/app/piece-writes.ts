import { bytesEqual } from '../../../shared/bytes.js';
import { ErrorCode, toTabswarmError, type TabswarmError } from '../../../shared/errors.js';
import { pieceHash, type InfoDictionary } from '../../../shared/info-dictionary.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore, PieceWrite } from '../adapters/piece-store.js';

/** Verified pieces are written in one transaction per batch, not one per piece. */
export const STORE_BATCH_PIECES = 8;
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
  /** These pieces could not be written and are dropped (in a clean stop's last batch too). */
  failed: (indices: number[], err: TabswarmError) => void;
}

/** How {@link PieceWrites.close} ends the writes. */
export interface PieceWritesClose {
  /**
   * A clean stop (the node stops, the page unloads): pieces verified, being verified or being
   * written are written first, so a resume does not fetch them again. Without it they are dropped.
   */
  keep?: boolean;
}

/** A transfer's downloaded pieces: hashed, then written to the store in batches. */
export class PieceWrites {
  /** Pieces that failed their hash. */
  hashFailures = 0;
  private readonly queue: PieceWrite[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Hashes and writes under way: a clean stop waits for them. */
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  private keep = false;

  constructor(private readonly deps: PieceWritesDeps) {}

  /** Checks a downloaded piece against its hash and queues it for the store if it passes. */
  verify(info: InfoDictionary, index: number, data: Uint8Array): Promise<void> {
    return this.closed ? Promise.resolve() : this.track(this.check(info, index, data));
  }

  /**
   * Nothing more is taken. With `keep` (a clean stop) what is verified is written first and this
   * resolves once it is in the store; a failed write goes to `failed` and this still resolves.
   * Otherwise queued pieces are dropped: the transfer may be deleted next.
   */
  async close(opts: PieceWritesClose = {}): Promise<void> {
    this.closed = true;
    this.keep = opts.keep === true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.keep) {
      this.queue.length = 0;
      return;
    }
    // A piece whose hash is under way joins the queue; then the queue goes out in one last batch.
    await Promise.allSettled(this.pending);
    await this.flush();
  }

  private async check(info: InfoDictionary, index: number, data: Uint8Array): Promise<void> {
    const digest = await this.deps.hasher.hash(data);
    if (this.closed) {
      // The transfer no longer listens: a good piece only waits for close's last batch.
      if (this.keep && bytesEqual(digest, pieceHash(info, index))) this.queue.push({ index, data });
      return;
    }
    if (!bytesEqual(digest, pieceHash(info, index))) {
      this.hashFailures++;
      this.deps.rejected(index);
      return;
    }
    this.deps.verified(index);
    this.queue.push({ index, data });
    if (this.queue.length >= STORE_BATCH_PIECES) void this.track(this.flush());
    else this.timer ??= setTimeout(() => void this.track(this.flush()), STORE_BATCH_DELAY_MS);
  }

  /** Counts `work` as under way until it settles. */
  private track(work: Promise<void>): Promise<void> {
    this.pending.add(work);
    const done = (): void => void this.pending.delete(work);
    work.then(done, done);
    return work;
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
