import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { assembleBlob } from '../adapters/file-saver.js';
import type { SaveOutcome } from '../adapters/file-saver.js';
import type { FolderSaveOutcome } from '../adapters/folder-saver.js';
import type { TabNode } from '../app/tab-node.js';
import type { TransferView } from '../app/status.js';
import { Emitter } from '../util/emitter.js';

/** How long {@link Transfer.done} waits unless told otherwise. */
export const DEFAULT_DONE_TIMEOUT_MS = 120_000;

/** Events of one {@link Transfer}. */
export type TransferEvents = {
  /** Something about the transfer changed: pieces verified, peers, rates, state. */
  progress: (view: TransferView) => void;
  /** Every piece is verified and stored (emitted once per completion). */
  done: (view: TransferView) => void;
  /** The transfer stopped on an error (storage full, no metadata in time...). */
  error: (err: TabswarmError) => void;
};

/**
 * One file being shared or downloaded, as an app sees it: its info-hash and magnet link, a
 * status snapshot, events, and its bytes once complete. A handle stays valid after the node is
 * destroyed; it then reports no status.
 */
export class Transfer {
  private readonly events = new Emitter<TransferEvents>();
  private lastKey = '';
  private lastError: string | undefined;
  /** Listeners of `progress` and `error`: without any, changes are not even looked at. */
  private listening = 0;

  /** @internal Made by {@link TabswarmNode}; apps get handles from `seed`, `download` or `get`. */
  constructor(
    private readonly engine: TabNode,
    /** The 20-byte info-hash as 40 lower-case hex digits. */
    readonly infoHash: string,
  ) {}

  /** The magnet link (empty until the transfer is known to the node). */
  get magnet(): string {
    return this.status()?.magnet ?? '';
  }

  /** A snapshot: state, progress, rates, peers, piece map; undefined once removed or destroyed. */
  status(): TransferView | undefined {
    return this.engine.transfer(this.infoHash);
  }

  /** Resolves once every piece is verified and stored; rejects with TIMEOUT after `timeoutMs`. */
  done(timeoutMs = DEFAULT_DONE_TIMEOUT_MS): Promise<TransferView> {
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        this.engine.off('change', check);
        clearTimeout(timer);
      };
      const check = (): void => {
        const view = this.status();
        if (view?.state !== 'seeding') return;
        finish();
        resolve(view);
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new TabswarmError(
            ErrorCode.Timeout,
            `transfer ${this.infoHash} not complete after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.engine.on('change', check);
      check();
    });
  }

  /** The complete content as one Blob, read back piece by piece from the store. */
  async blob(): Promise<Blob> {
    const view = this.status();
    if (view?.state !== 'seeding')
      throw new TabswarmError(ErrorCode.StorageFailed, 'That file is not complete yet.');
    return assembleBlob(view.pieceStates.length, (i) => this.engine.getPiece(this.infoHash, i), {
      length: view.length,
    });
  }

  /** Saves the complete file (or the chosen files, with their folders) through the node's saver (in a page: downloads). */
  save(): Promise<SaveOutcome | FolderSaveOutcome> {
    return this.engine.save(this.infoHash);
  }

  /** The transfer as a .torrent file (throws METADATA_TIMEOUT while its details are unknown). */
  torrentFile(): Uint8Array {
    return this.engine.torrentFile(this.infoHash).bytes;
  }

  on<E extends keyof TransferEvents>(event: E, listener: TransferEvents[E]): this {
    this.events.on(event, listener);
    if (event !== 'done') this.listening++;
    return this;
  }

  off<E extends keyof TransferEvents>(event: E, listener: TransferEvents[E]): this {
    this.events.off(event, listener);
    if (event !== 'done') this.listening = Math.max(0, this.listening - 1);
    return this;
  }

  /** @internal The node changed: emits `progress` when this transfer did, and `error` once per error. */
  changed(): void {
    if (this.listening === 0) return;
    const view = this.status();
    if (view === undefined) return;
    const key = `${view.state}|${view.verifiedBytes}|${view.peers.length}|${view.downloaded}|${view.uploaded}`;
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.events.emit('progress', view);
    }
    const error = view.error ? `${view.error.code}|${view.error.message}` : undefined;
    if (error !== this.lastError) {
      this.lastError = error;
      if (view.error)
        this.events.emit('error', new TabswarmError(view.error.code as ErrorCode, view.error.message));
    }
  }

  /** @internal The node reported this transfer complete. */
  completed(): void {
    const view = this.status();
    if (view) this.events.emit('done', view);
  }
}
