import { fromHex, toHex } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError, toTabswarmError } from '../../../shared/errors.js';
import { parseInfoDictionary } from '../../../shared/info-dictionary.js';
import { parseMagnet } from '../../../shared/magnet.js';
import { parseTorrentFile } from '../../../shared/torrent-file.js';
import type { Random } from '../../../shared/random.js';
import type { ByteSource, FilePieceReader } from '../adapters/file-reader.js';
import type { FileSaver, SaveOutcome } from '../adapters/file-saver.js';
import type { DirectoryHandle, FolderSaveOutcome } from '../adapters/folder-saver.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore, TorrentMetadata } from '../adapters/piece-store.js';
import type { Connections, TrackedLink } from './connections.js';
import { folderShare, type SharedFile } from './folder-share.js';
import type { Notices } from './notices.js';
import { checkStoredPieces } from './piece-check.js';
import type { TransferView } from './status.js';
import { Sharing } from './sharing.js';
import { storageMessage, withPaused } from './stored-metadata.js';
import { TorrentHost, type TorrentHostInit } from './torrent-host.js';
import { looksLikeTorrent, storedTrackers } from './torrent-sources.js';
import { readFile, saveFiles, selectFiles } from './transfer-files.js';
import type { UploadLimiter } from './upload-limiter.js';

/** How long a magnet link waits for its metadata before the page says so, unless told otherwise. */
export const METADATA_PATIENCE_MS = 30_000;

/** What the tab's transfers are built from. */
export interface TransfersDeps {
  peerId: Uint8Array;
  random: Random;
  /** Tracker URLs written into magnet links (`tr`). */
  trackers: string[];
  store: PieceStore;
  hasher: PieceHasher;
  /** Reads the files the person shares. */
  reader: FilePieceReader;
  /** Saves completed files. */
  saver: FileSaver;
  /** The tab's links; those opened for a transfer are attached to it. */
  connections: Connections;
  notices: Notices;
  now: () => number;
  /** The tab-wide upload cap, if any. */
  limiter?: UploadLimiter;
  /** Cap on upload over links through a TURN relay (none by default). */
  relayLimiter?: UploadLimiter;
  /** How long a magnet link may wait for its metadata (default {@link METADATA_PATIENCE_MS}). */
  metadataPatienceMs?: number;
  changed: () => void;
  /** A transfer wants peers now: just shared, or opened from a link. */
  findPeers: (host: TorrentHost) => void;
  /** A transfer has every piece verified and stored. */
  completed: (host: TorrentHost) => void;
}

/**
 * The tab's transfers: shares files (through Sharing: hashing, then copying their pieces into the
 * store), opens magnet links, resumes what the store kept, saves completed files, and attaches the
 * links opened for a transfer to its TorrentHost. Where peers come from is not its business.
 */
export class Transfers {
  /** Test hook: serve corrupted pieces, to see that swarms ban such a peer. */
  corruptUploads = false;
  /** The service worker that streams files to players controls the page. */
  streaming = false;
  private readonly torrents = new Map<string, TorrentHost>();
  /** Files being hashed and copied into the store. */
  private readonly sharing: Sharing;
  private readonly patienceTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: TransfersDeps) {
    this.sharing = new Sharing({
      store: deps.store,
      hasher: deps.hasher,
      reader: deps.reader,
      notices: deps.notices,
      changed: () => deps.changed(),
      get: (infoHash) => this.torrents.get(infoHash),
      add: (init) => this.addHost(init),
      findPeers: (host) => deps.findPeers(host),
    });
    deps.connections.on('open', (link) => this.attach(link));
  }

  has(infoHash: string): boolean {
    return this.torrents.has(infoHash);
  }

  /** Whether a link for this transfer is welcome: the tab has it and it is not paused. */
  accepts(infoHash: string): boolean {
    const host = this.torrents.get(infoHash);
    return host !== undefined && !host.paused;
  }

  /** Pauses or resumes a transfer (a finished file paused is not shared); a reload keeps it so. */
  async setPaused(infoHash: string, paused: boolean): Promise<void> {
    const host = this.known(infoHash);
    host.setPaused(paused);
    try {
      const metadata = await this.deps.store.getMetadata(infoHash);
      if (metadata) await this.deps.store.putMetadata(infoHash, withPaused(metadata, paused));
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', storageMessage(e, host.name), e.code);
    }
    this.deps.changed();
  }

  /** Closes a transfer and deletes its pieces and metadata (a file still being copied in stops first). */
  async remove(infoHash: string): Promise<void> {
    const host = this.known(infoHash);
    void host.close(); // verified pieces still queued are dropped: nothing lands after the delete
    this.torrents.delete(infoHash);
    this.deps.changed();
    await this.sharing.copied(infoHash);
    try {
      await this.deps.store.deleteTorrent(infoHash);
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', `“${host.name}” could not be deleted: ${e.message}`, e.code);
      throw e;
    }
  }

  get(infoHash: string): TorrentHost | undefined {
    return this.torrents.get(infoHash);
  }

  all(): TorrentHost[] {
    return [...this.torrents.values()];
  }

  /** Resumes every transfer kept in this browser's storage. */
  async restore(): Promise<void> {
    let stored;
    try {
      stored = await this.deps.store.listTorrents();
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', `Could not read stored files: ${e.message}`, e.code);
      return;
    }
    for (const { infoHash, metadata } of stored) {
      if (this.torrents.has(infoHash)) continue;
      await this.resume(infoHash, metadata);
    }
    this.deps.changed();
  }

  /**
   * Shares a file: hashes it, stores its pieces, and returns its magnet link, which lists the tab's
   * trackers and `trackers` (announced to as well). A bad tracker URL is refused before hashing.
   */
  async seed(
    file: ByteSource,
    name: string,
    trackers: readonly string[] = [],
    files?: { path: string[]; length: number }[],
  ): Promise<{ infoHash: string; magnet: string }> {
    return this.sharing.seed(file, name, trackers, files);
  }

  /**
   * Shares several files or a folder as one multi-file torrent: the folder's name when they all
   * sit in one, else `name` or one made from the first file's. Hashing streams across file ends.
   */
  async seedFiles(
    shared: readonly SharedFile[],
    name?: string,
    trackers: readonly string[] = [],
  ): Promise<{ infoHash: string; magnet: string }> {
    let share;
    try {
      share = folderShare(shared, name);
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.InfoInvalid);
      this.deps.notices.add('error', e.message, e.code);
      throw e;
    }
    return this.seed(share.blob, share.name, trackers, share.files);
  }

  /**
   * Downloads only the files at `indexes` of a transfer (undefined: all), and keeps the choice
   * in the store so a reload keeps it. Throws INFO_INVALID for a file the torrent does not have.
   */
  async select(infoHash: string, indexes: readonly number[] | undefined): Promise<void> {
    const host = this.torrents.get(infoHash);
    if (!host) throw new TabswarmError(ErrorCode.InfoInvalid, `no transfer ${infoHash}`);
    await selectFiles(host, this.deps.store, indexes);
    this.deps.changed();
  }

  /**
   * A file the person dropped or picked: a .torrent (by its name, or because it parses as one)
   * is downloaded, anything else shared (its magnet listing `trackers` too).
   */
  async add(
    file: Blob,
    name: string,
    trackers: readonly string[] = [],
  ): Promise<{ infoHash: string; magnet?: string }> {
    if (await looksLikeTorrent(file, name))
      return this.openTorrentFile(new Uint8Array(await file.arrayBuffer()));
    return this.seed(file, name, trackers);
  }

  /**
   * Starts downloading what a .torrent file describes: its info dictionary gives the metadata at
   * once, and its trackers are kept on the transfer.
   */
  async openTorrentFile(bytes: Uint8Array): Promise<{ infoHash: string }> {
    let torrent;
    try {
      torrent = parseTorrentFile(bytes);
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.TorrentInvalid);
      this.deps.notices.add('error', `That .torrent file cannot be opened: ${e.message}`, e.code);
      throw e;
    }
    const hex = toHex(torrent.infoHash);
    if (this.torrents.has(hex)) return { infoHash: hex };
    const { info, infoBytes, trackers } = torrent;
    const known = await this.deps.store.getMetadata(hex).catch(() => undefined);
    const metadata = {
      ...known,
      name: info.name,
      length: info.length,
      infoBytes,
      trackers,
      addedAt: known?.addedAt ?? Date.now(),
    };
    try {
      await this.deps.store.putMetadata(hex, metadata);
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', storageMessage(e, info.name), e.code);
    }
    // What this browser already stored of it is checked and kept.
    if (!(await this.resume(hex, metadata)))
      this.addHost({ infoHash: torrent.infoHash, info, infoBytes, trackers });
    const host = this.torrents.get(hex);
    if (host) this.deps.findPeers(host);
    this.deps.changed();
    return { infoHash: hex };
  }

  /** A transfer as a .torrent file; throws if its info dictionary is not known yet. */
  torrentFile(infoHash: string): { name: string; bytes: Uint8Array } {
    const host = this.torrents.get(infoHash);
    const bytes = host?.torrentFile(Date.now());
    if (!host || !bytes)
      throw new TabswarmError(ErrorCode.MetadataTimeout, 'The file details are not known yet.');
    return { name: `${host.name}.torrent`, bytes };
  }

  /** Saves a transfer's .torrent file to disk. */
  saveTorrentFile(infoHash: string): Promise<SaveOutcome> {
    const { name, bytes } = this.torrentFile(infoHash);
    return this.deps.saver.save(name, 1, () => Promise.resolve(bytes), {
      length: bytes.length,
      usePicker: false,
    });
  }

  /**
   * Starts downloading what a magnet link (or `page#magnet:...`) names; with `files`, only those
   * files (chosen before the metadata comes, so nothing else is fetched).
   */
  async download(link: string, opts: { files?: readonly number[] } = {}): Promise<{ infoHash: string }> {
    let magnet;
    try {
      magnet = parseMagnet(link);
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.MagnetInvalid);
      this.deps.notices.add('error', `That link cannot be opened: ${e.message}`, e.code);
      throw e;
    }
    const hex = magnet.infoHashHex;
    if (this.torrents.has(hex)) {
      if (opts.files) await this.select(hex, opts.files);
      return { infoHash: hex };
    }
    if (await this.resume(hex)) {
      if (opts.files) await this.select(hex, opts.files);
      const resumed = this.torrents.get(hex);
      if (resumed) this.deps.findPeers(resumed);
      this.deps.changed();
      return { infoHash: hex };
    }
    const host = this.addHost({
      infoHash: magnet.infoHash,
      ...(magnet.name ? { name: magnet.name } : {}),
      trackers: magnet.trackers,
      ...(opts.files ? { selectedFiles: opts.files } : {}),
    });
    try {
      await this.deps.store.putMetadata(hex, {
        name: magnet.name ?? hex,
        addedAt: Date.now(),
        magnet: link,
        ...(opts.files ? { selectedFiles: [...opts.files] } : {}),
      });
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', storageMessage(e, magnet.name ?? hex), e.code);
    }
    this.awaitMetadata(host);
    this.deps.findPeers(host);
    this.deps.changed();
    return { infoHash: hex };
  }

  /**
   * Saves a completed transfer to disk: a single file under its own name; the chosen files of a
   * multi-file torrent with their folders (into `directory`, a picked folder, or as downloads),
   * each under its safe path. Files refused as unsafe are skipped and renamed ones noted, each
   * named on the page.
   */
  async save(
    infoHash: string,
    opts: { usePicker?: boolean; directory?: DirectoryHandle } = {},
  ): Promise<SaveOutcome | FolderSaveOutcome> {
    const host = this.torrents.get(infoHash);
    if (!host?.info || !host.complete)
      throw new TabswarmError(ErrorCode.StorageFailed, 'That file is not complete yet.');
    if (host.info.files) return saveFiles(host, this.deps.saver, this.deps.notices, opts);
    // Each piece is checked against its hash as it is read: storage may have lost or damaged it.
    return this.deps.saver.save(host.name, host.info.pieceCount, (i) => host.getVerifiedPiece(i), {
      length: host.info.length,
      ...opts,
    });
  }

  /** The bytes of one file of a completed (or chosen and finished) transfer, read from verified pieces. */
  readFile(infoHash: string, index: number): Promise<Uint8Array> {
    return readFile(this.torrents.get(infoHash), index);
  }

  /** The service worker that streams files to players does (or no longer does) control the page. */
  setStreaming(on: boolean): void {
    if (this.streaming === on) return;
    this.streaming = on;
    this.deps.changed();
  }

  /** Reads a stored piece (for the scripting API and tests). */
  getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined> {
    return this.deps.store.getPiece(infoHash, index);
  }

  /** Every transfer as the page shows it, files still being hashed first. */
  views(): TransferView[] {
    return [...this.sharing.views(), ...[...this.torrents.values()].map((t) => t.view())];
  }

  view(infoHash: string): TransferView | undefined {
    return this.torrents.get(infoHash)?.view();
  }

  /**
   * Closes every transfer, a clean stop: verified pieces not yet in the store are written first,
   * so a resume does not fetch them again. Resolves once they are stored; a failed write is told
   * in a notice, as during the transfer, and does not reject.
   */
  async stop(): Promise<void> {
    for (const timer of this.patienceTimers) clearTimeout(timer);
    this.patienceTimers.clear();
    await Promise.all([...this.torrents.values()].map((t) => t.close({ keep: true })));
  }

  // ---- internals ---------------------------------------------------------------------------

  /** The transfer, or TRANSFER_UNKNOWN. */
  private known(infoHash: string): TorrentHost {
    const host = this.torrents.get(infoHash);
    if (!host)
      throw new TabswarmError(ErrorCode.TransferUnknown, `no transfer ${infoHash.slice(0, 40)} in this tab`);
    return host;
  }

  private addHost(init: TorrentHostInit): TorrentHost {
    const host = new TorrentHost(
      {
        store: this.deps.store,
        hasher: this.deps.hasher,
        reader: this.deps.reader,
        random: this.deps.random,
        peerId: this.deps.peerId,
        trackers: this.deps.trackers,
        now: this.deps.now,
        changed: () => this.deps.changed(),
        notice: (level, text, code) => this.deps.notices.add(level, text, code),
        completed: (h) => this.deps.completed(h),
        ...(this.deps.limiter ? { limiter: this.deps.limiter } : {}),
        ...(this.deps.relayLimiter ? { relayLimiter: this.deps.relayLimiter } : {}),
        corruptUploads: () => this.corruptUploads,
        streaming: () => this.streaming,
        metadataKnown: (h) => {
          if (h.error?.code === ErrorCode.MetadataTimeout) {
            h.error = undefined;
            this.deps.notices.clear(ErrorCode.MetadataTimeout);
          }
        },
      },
      init,
    );
    this.torrents.set(host.infoHashHex, host);
    return host;
  }

  /**
   * Resumes a transfer from the piece store (kept by an earlier visit, or by another tab of this
   * browser profile, which shares the store). False if the store has nothing of it.
   */
  private async resume(infoHash: string, known?: TorrentMetadata): Promise<boolean> {
    const hash = fromHex(infoHash);
    if (!hash) return false;
    const { store, hasher } = this.deps;
    try {
      const metadata = known ?? (await store.getMetadata(infoHash));
      if (!metadata) return false;
      const trackers = storedTrackers(metadata);
      if (metadata.infoBytes) {
        const info = parseInfoDictionary(metadata.infoBytes, hash);
        const listed = await store.listPieces(infoHash);
        const pieces = await checkStoredPieces(store, hasher, infoHash, info, listed);
        if (this.torrents.has(infoHash)) return true;
        this.addHost({
          infoHash: hash,
          info,
          infoBytes: metadata.infoBytes,
          stored: pieces,
          checked: true,
          trackers,
          ...(metadata.selectedFiles ? { selectedFiles: metadata.selectedFiles } : {}),
        });
      } else {
        this.addHost({
          infoHash: hash,
          name: metadata.name,
          trackers,
          ...(metadata.selectedFiles ? { selectedFiles: metadata.selectedFiles } : {}),
        });
      }
      if (metadata.extra?.['paused'] === true) this.torrents.get(infoHash)?.setPaused(true);
      return true;
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', `A stored file could not be resumed: ${e.message}`, e.code);
      return false;
    }
  }

  /** Says so on the page when a magnet link's metadata has not come in its patience. */
  private awaitMetadata(host: TorrentHost): void {
    const patience = this.deps.metadataPatienceMs ?? METADATA_PATIENCE_MS;
    const timer = setTimeout(() => {
      this.patienceTimers.delete(timer);
      if (host.state === 'metadata' && this.torrents.get(host.infoHashHex) === host) {
        host.error = new TabswarmError(
          ErrorCode.MetadataTimeout,
          `No peer has sent the file's details in ${Math.round(patience / 1000)} s. Still looking; the person sharing it may be offline.`,
        );
        this.deps.notices.add('error', host.error.message, host.error.code);
        this.deps.changed();
      }
    }, patience);
    this.patienceTimers.add(timer);
  }

  /** A link opened for a transfer carries its peer wire stream. */
  private attach(link: TrackedLink): void {
    const host = link.purpose.infoHash ? this.torrents.get(link.purpose.infoHash) : undefined;
    if (!host) return;
    host.attach(link.remoteId, link.link, () => link.route?.path);
    // The swarm's link carries the DHT too: a link to the same tab for the DHT alone is spare
    // (unless the swarm's link came through a WebTorrent tracker: it has no DHT channel).
    if (link.purpose.webtorrent) return;
    for (const spare of this.deps.connections.to(link.remoteId)) {
      if (spare.open && spare.purpose.infoHash === undefined) spare.link.close();
    }
  }
}
