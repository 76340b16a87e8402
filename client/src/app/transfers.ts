import { fromHex, toHex } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError, toTabswarmError } from '../../../shared/errors.js';
import {
  choosePieceLength,
  createInfoDictionary,
  parseInfoDictionary,
} from '../../../shared/info-dictionary.js';
import { isTrackerUrl, parseMagnet } from '../../../shared/magnet.js';
import { MAX_TORRENT_FILE_BYTES, isTorrentFile, parseTorrentFile } from '../../../shared/torrent-file.js';
import type { Random } from '../../../shared/random.js';
import type { FilePieceReader } from '../adapters/file-reader.js';
import type { FileSaver, SaveOutcome } from '../adapters/file-saver.js';
import { hashFile, type PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore, TorrentMetadata } from '../adapters/piece-store.js';
import type { Connections, TrackedLink } from './connections.js';
import { storeFilePieces } from './file-import.js';
import type { Notices } from './notices.js';
import { checkStoredPieces } from './piece-check.js';
import type { TransferView } from './status.js';
import { TorrentHost } from './torrent-host.js';
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
 * The tab's transfers: shares files (hashing, then copying their pieces into the store), opens
 * magnet links, resumes what the store kept, saves completed files, and attaches the links opened
 * for a transfer to its TorrentHost. Where peers come from is not its business.
 */
export class Transfers {
  /** Test hook: serve corrupted pieces, to see that swarms ban such a peer. */
  corruptUploads = false;
  /** The service worker that streams files to players controls the page. */
  streaming = false;
  private readonly torrents = new Map<string, TorrentHost>();
  /** Files being hashed, shown on the page before they have an info-hash. */
  private readonly hashing = new Map<string, TransferView>();
  private nextHashingKey = 1;
  private readonly patienceTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: TransfersDeps) {
    deps.connections.on('open', (link) => this.attach(link));
  }

  has(infoHash: string): boolean {
    return this.torrents.has(infoHash);
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
    file: Blob,
    name: string,
    trackers: readonly string[] = [],
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
      if (file.size === 0) throw new TabswarmError(ErrorCode.InfoInvalid, 'An empty file cannot be shared.');
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
      });
      const hex = toHex(infoHash);
      this.hashing.delete(key);
      let host = this.torrents.get(hex);
      if (!host) {
        // Seed at once, reading pieces from the file until they are in the store.
        host = this.addHost({
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
        const seeded = host;
        storeFilePieces(file, pieceLength, hex, this.deps.store, this.deps.reader, (indices) =>
          seeded.markStored(indices),
        ).catch((err: unknown) => {
          const e = toTabswarmError(err, ErrorCode.StorageFailed);
          this.deps.notices.add('error', storageMessage(e, name), e.code);
        });
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

  /** Starts downloading what a magnet link (or `page#magnet:...`) names. */
  async download(link: string): Promise<{ infoHash: string }> {
    let magnet;
    try {
      magnet = parseMagnet(link);
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.MagnetInvalid);
      this.deps.notices.add('error', `That link cannot be opened: ${e.message}`, e.code);
      throw e;
    }
    const hex = magnet.infoHashHex;
    if (this.torrents.has(hex)) return { infoHash: hex };
    if (await this.resume(hex)) {
      const resumed = this.torrents.get(hex);
      if (resumed) this.deps.findPeers(resumed);
      this.deps.changed();
      return { infoHash: hex };
    }
    const host = this.addHost({
      infoHash: magnet.infoHash,
      ...(magnet.name ? { name: magnet.name } : {}),
      trackers: magnet.trackers,
    });
    try {
      await this.deps.store.putMetadata(hex, { name: magnet.name ?? hex, addedAt: Date.now(), magnet: link });
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.deps.notices.add('error', storageMessage(e, magnet.name ?? hex), e.code);
    }
    this.awaitMetadata(host);
    this.deps.findPeers(host);
    this.deps.changed();
    return { infoHash: hex };
  }

  /** Saves a completed transfer to disk under its own name. */
  async save(infoHash: string, opts: { usePicker?: boolean } = {}): Promise<SaveOutcome> {
    const host = this.torrents.get(infoHash);
    if (!host?.info || !host.complete)
      throw new TabswarmError(ErrorCode.StorageFailed, 'That file is not complete yet.');
    return this.deps.saver.save(host.name, host.info.pieceCount, (i) => host.getPiece(i), {
      length: host.info.length,
      ...opts,
    });
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
    return [...this.hashing.values(), ...[...this.torrents.values()].map((t) => t.view())];
  }

  view(infoHash: string): TransferView | undefined {
    return this.torrents.get(infoHash)?.view();
  }

  /** Closes every transfer. */
  close(): void {
    for (const timer of this.patienceTimers) clearTimeout(timer);
    this.patienceTimers.clear();
    for (const t of this.torrents.values()) t.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  private addHost(init: ConstructorParameters<typeof TorrentHost>[1]): TorrentHost {
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
        });
      } else {
        this.addHost({ infoHash: hash, name: metadata.name, trackers });
      }
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

/**
 * A .torrent by its name, or (for a small file whose name does not say) because it parses as
 * one; a file that merely starts like a dictionary is still shared.
 */
async function looksLikeTorrent(file: Blob, name: string): Promise<boolean> {
  if (name.toLowerCase().endsWith('.torrent')) return true;
  if (file.size === 0 || file.size > MAX_TORRENT_FILE_BYTES) return false;
  const first = new Uint8Array(await file.slice(0, 1).arrayBuffer());
  if (first[0] !== 0x64) return false;
  return isTorrentFile(new Uint8Array(await file.arrayBuffer()));
}

/**
 * The trackers of a stored transfer: those of the .torrent file it came from, and those of the
 * magnet it came from or was shared as.
 */
function storedTrackers(metadata: TorrentMetadata): string[] {
  let fromMagnet: string[] = [];
  if (metadata.magnet !== undefined) {
    try {
      fromMagnet = parseMagnet(metadata.magnet).trackers;
    } catch {
      // A stored magnet that no longer parses lists no trackers; the transfer still resumes.
    }
  }
  return [...new Set([...(metadata.trackers ?? []), ...fromMagnet])];
}

/** How a file still being hashed shows on the page. */
function hashingView(key: string, name: string, length: number): TransferView {
  return {
    infoHash: key,
    name,
    length,
    magnet: '',
    state: 'hashing',
    progress: 0,
    verifiedBytes: 0,
    downloadRate: 0,
    uploadRate: 0,
    downloaded: 0,
    uploaded: 0,
    peers: [],
    pieceStates: new Uint8Array(),
    availability: new Uint16Array(),
    banned: [],
    storedPieces: 0,
    resumedPieces: 0,
    hashFailures: 0,
    receivedFrom: {},
    receiveBuffered: 0,
  };
}

function storageMessage(err: TabswarmError, name: string): string {
  return err.code === ErrorCode.StorageFull
    ? `Storage is full: cannot keep “${name}”. Free some space (or remove old files) and try again.`
    : `“${name}”: ${err.message}`;
}
