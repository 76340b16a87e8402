import { toHex } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError, toTabswarmError } from '../../../shared/errors.js';
import { choosePieceLength, createInfoDictionary } from '../../../shared/info-dictionary.js';
import { isTrackerUrl } from '../../../shared/magnet.js';
import type { ByteSource, FilePieceReader } from '../adapters/file-reader.js';
import { hashFile, type PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore } from '../adapters/piece-store.js';
import { storeFilePieces } from './file-import.js';
import type { Notices } from './notices.js';
import { hashingView, type TransferView } from './status.js';
import { storageMessage } from './stored-metadata.js';
import type { TorrentHost, TorrentHostInit } from './torrent-host.js';

/** What {@link Sharing} works with: the store, and the tab's transfers to add a share to. */
export interface SharingDeps {
  store: PieceStore;
  hasher: PieceHasher;
  reader: FilePieceReader;
  notices: Notices;
  changed: () => void;
  /** The tab's transfer with this info-hash, if any. */
  get: (infoHash: string) => TorrentHost | undefined;
  /** Adds a transfer to the tab. */
  add: (init: TorrentHostInit) => TorrentHost;
  findPeers: (host: TorrentHost) => void;
}

/**
 * Sharing a file: its trackers checked, the file hashed into an info dictionary while a
 * placeholder shows the progress, then its pieces copied into the store. Each copy is tracked,
 * so removing the transfer can wait for it to stop.
 */
export class Sharing {
  /** Files being hashed, shown on the page before they have an info-hash. */
  private readonly hashing = new Map<string, TransferView>();
  private nextHashingKey = 1;
  /** Copies of shared files into the store still running. */
  private readonly imports = new Map<string, Promise<void>>();

  constructor(private readonly deps: SharingDeps) {}

  /** Files being hashed, as the page shows them. */
  views(): TransferView[] {
    return [...this.hashing.values()];
  }

  /** Resolves once no copy into the store runs for this transfer (it stops when the transfer goes). */
  async copied(infoHash: string): Promise<void> {
    await this.imports.get(infoHash)?.catch(() => {});
  }

  /** See Transfers.seed. */
  async seed(
    file: ByteSource,
    name: string,
    trackers: readonly string[],
    files?: { path: string[]; length: number }[],
  ): Promise<{ infoHash: string; magnet: string }> {
    const bad = trackers.find((t) => !isTrackerUrl(t));
    if (bad !== undefined) {
      const e = new TabswarmError(
        ErrorCode.MagnetInvalid,
        `“${bad.slice(0, 100)}” is not a tracker URL (ws://, wss://, http://, https:// or udp:// with a host).`,
      );
      this.deps.notices.add('error', e.message, e.code);
      throw e;
    }
    const pieceLength = choosePieceLength(file.size);
    const key = `hashing:${this.nextHashingKey++}`;
    const placeholder = hashingView(key, name, file.size);
    this.hashing.set(key, placeholder);
    this.deps.changed();
    try {
      if (file.size === 0)
        throw new TabswarmError(
          ErrorCode.InfoInvalid,
          files ? 'These files are all empty: there is nothing to share.' : 'An empty file cannot be shared.',
        );
      const pieceHashes = await hashFile(
        file,
        pieceLength,
        (done) => {
          placeholder.progress = done / file.size;
          placeholder.verifiedBytes = done;
          this.deps.changed();
        },
        { hasher: this.deps.hasher, reader: this.deps.reader },
      );
      const { info, infoBytes, infoHash } = createInfoDictionary({
        name,
        length: file.size,
        pieceLength,
        pieceHashes,
        ...(files ? { files } : {}),
      });
      const hex = toHex(infoHash);
      this.hashing.delete(key);
      let host = this.deps.get(hex);
      if (!host) {
        // Seed at once, reading pieces from the file until they are in the store.
        host = this.deps.add({
          infoHash,
          info,
          infoBytes,
          stored: [...Array(info.pieceCount).keys()],
          source: file,
          trackers,
        });
        // The magnet keeps the trackers added to this share for the next visit.
        await this.deps.store.putMetadata(hex, {
          name,
          length: file.size,
          infoBytes,
          addedAt: Date.now(),
          magnet: host.magnet,
        });
        this.deps.findPeers(host);
        this.copyIn(file, pieceLength, name, host);
      }
      this.deps.changed();
      return { infoHash: hex, magnet: host.magnet };
    } catch (err) {
      this.hashing.delete(key);
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', storageMessage(e, name), e.code);
      this.deps.changed();
      throw e;
    }
  }

  /** Copies a shared file's pieces into the store while `seeded` is the tab's transfer of it. */
  private copyIn(file: ByteSource, pieceLength: number, name: string, seeded: TorrentHost): void {
    const hex = seeded.infoHashHex;
    const copy = storeFilePieces(
      file,
      pieceLength,
      hex,
      this.deps.store,
      this.deps.reader,
      (indices) => seeded.markStored(indices),
      () => this.deps.get(hex) !== seeded,
    )
      .catch((err: unknown) => {
        if (this.deps.get(hex) !== seeded) return;
        const e = toTabswarmError(err, ErrorCode.StorageFailed);
        this.deps.notices.add('error', storageMessage(e, name), e.code);
      })
      .finally(() => this.imports.delete(hex));
    this.imports.set(hex, copy);
  }
}
