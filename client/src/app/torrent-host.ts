import { bytesEqual, toHex } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError, toTabswarmError } from '../../../shared/errors.js';
import type { InfoDictionary } from '../../../shared/info-dictionary.js';
import { pieceHash } from '../../../shared/info-dictionary.js';
import { createMagnet } from '../../../shared/magnet.js';
import { createTorrentFile } from '../../../shared/torrent-file.js';
import type { Random } from '../../../shared/random.js';
import { MachineDriver, realScheduler } from '../../../shared/machine/driver.js';
import type { SwarmEvent, SwarmOutput } from '../../../shared/swarm/swarm-types.js';
import { Swarm } from '../../../shared/swarm/swarm.js';
import type { PeerLink } from '../adapters/peer-link.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore } from '../adapters/piece-store.js';
import type { ByteSource, FilePieceReader } from '../adapters/file-reader.js';
import { LinkSender } from './link-sender.js';
import { linkPacer, type UploadLimiter } from './upload-limiter.js';
import type { LinkPath } from '../../../shared/links/index.js';
import type { TransferState, TransferView } from './status.js';
import { PieceWrites, type PieceWritesClose } from './piece-writes.js';
import { TorrentFiles } from './torrent-files.js';
import { TransferViewer } from './transfer-view.js';
import type { StreamSource } from './media-streams.js';
import { mediaSpan } from './media-view.js';
import { PieceWaiters } from './piece-waiters.js';
import { haveArray } from './piece-check.js';

/** What a transfer needs from its tab. */
export interface TorrentHostDeps {
  store: PieceStore;
  hasher: PieceHasher;
  /** Reads pieces of a shared file that are not in the store yet (while it is being copied in). */
  reader: FilePieceReader;
  random: Random;
  peerId: Uint8Array;
  trackers: string[];
  now: () => number;
  changed: () => void;
  notice: (level: 'info' | 'error', text: string, code?: string) => void;
  completed: (host: TorrentHost) => void;
  metadataKnown: (host: TorrentHost) => void;
  /** The tab-wide upload cap, if any. */
  limiter?: UploadLimiter;
  /** Cap on upload over links through a TURN relay (none by default). */
  relayLimiter?: UploadLimiter;
  /** Test hook that makes this tab a hostile peer: pieces it serves are corrupted. */
  corruptUploads?: () => boolean;
  /** Whether files can be streamed to players (the service worker controls the page). */
  streaming?: () => boolean;
}

export interface TorrentHostInit {
  infoHash: Uint8Array;
  name?: string;
  info?: InfoDictionary;
  infoBytes?: Uint8Array;
  /** Pieces already in the store (read from it at load; each is re-verified before it is served). */
  stored?: number[];
  /** The shared file itself, read from while its pieces are still being copied into the store. */
  source?: ByteSource;
  /** `stored` pieces were re-hashed just now (see piece-check.ts). */
  checked?: boolean;
  /**
   * Trackers of this transfer besides the tab's own: the magnet's `tr`, a .torrent file's, or
   * those added to a share.
   */
  trackers?: readonly string[];
  /** Files chosen for download (indexes into the info dictionary's files); default all. */
  selectedFiles?: readonly number[];
}

interface Attached {
  link: PeerLink;
  sender: LinkSender;
  remoteId: string;
}

/**
 * The I/O side of one transfer: drives the sans-I/O `Swarm` with real links, the piece store,
 * the hasher and the clock. It holds no protocol logic of its own.
 */
export class TorrentHost implements StreamSource {
  readonly infoHash: Uint8Array;
  readonly infoHashHex: string;
  name: string;
  info: InfoDictionary | undefined;
  /** The info dictionary's bytes, once known. */
  infoBytes: Uint8Array | undefined;
  state: TransferState;
  error: TabswarmError | undefined;
  private readonly swarm: Swarm;
  private readonly driver: MachineDriver<SwarmOutput>;
  private readonly links = new Map<string, Attached>();
  private readonly banned = new Set<string>();
  /** Pieces read back from storage that passed their hash in this tab's life. */
  private readonly trusted = new Set<number>();
  private readonly writes: PieceWrites;
  private closed = false;
  private source: ByteSource | undefined;
  /** Pieces known to be in the piece store. */
  private readonly inStore = new Set<number>();
  /** Streams waiting for pieces to be stored. */
  private readonly waiters = new PieceWaiters();
  /** Checked pieces the transfer was resumed with (see TransferView.resumedPieces). */
  private readonly resumedPieces: number;
  /** Where this transfer is announced and what its magnet lists: the tab's trackers, then its own. */
  readonly trackers: readonly string[];
  /** Its files and which are chosen, once the info dictionary is known. */
  files: TorrentFiles | undefined;
  /** Files chosen before the info dictionary is known (undefined: all). */
  private pendingSelection: readonly number[] | undefined;
  /** Paused by the person (a finished file: no longer shared); links are refused until resumed. */
  private held = false;
  private readonly viewer = new TransferViewer();

  constructor(
    private readonly deps: TorrentHostDeps,
    init: TorrentHostInit,
  ) {
    this.infoHash = init.infoHash;
    this.infoHashHex = toHex(init.infoHash);
    this.info = init.info;
    this.infoBytes = init.infoBytes;
    this.name = init.info?.name ?? init.name ?? '';
    this.source = init.source;
    this.trackers = [...new Set([...deps.trackers, ...(init.trackers ?? [])])];
    if (!init.source) for (const i of init.stored ?? []) this.inStore.add(i);
    if (init.checked) for (const i of init.stored ?? []) this.trusted.add(i);
    this.resumedPieces = init.checked ? this.trusted.size : 0;
    this.writes = new PieceWrites({
      store: deps.store,
      hasher: deps.hasher,
      infoHashHex: this.infoHashHex,
      rejected: (index) => this.run((now) => this.swarm.pieceVerified(index, false, now)),
      verified: (index) => this.trusted.add(index),
      stored: (indices) => this.stored(indices),
      // The pieces are fetched again after the person frees space; everything stored is kept.
      failed: (indices, err) => {
        for (const i of indices) this.run((now) => this.swarm.pieceVerified(i, false, now));
        this.pause(err);
      },
    });
    const have = init.info ? haveArray(init.info.pieceCount, init.stored ?? []) : undefined;
    this.pendingSelection = init.selectedFiles;
    if (init.info) this.files = new TorrentFiles(init.info, init.selectedFiles);
    this.swarm = new Swarm({
      infoHash: init.infoHash,
      peerId: deps.peerId,
      random: deps.random,
      ...(init.info && init.infoBytes ? { info: init.info, infoBytes: init.infoBytes, have } : {}),
      ...(init.selectedFiles ? { selectedFiles: init.selectedFiles } : {}),
    });
    this.state = !init.info ? 'metadata' : this.swarm.finished ? 'seeding' : 'downloading';
    // The page hears of every change, after an input (see run) or a timer.
    const scheduler = realScheduler(
      deps.now,
      (fire, delayMs) =>
        setTimeout(() => {
          fire();
          this.deps.changed();
        }, delayMs),
      (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    );
    this.driver = new MachineDriver(this.swarm, scheduler, { execute: (output) => this.execute(output) });
    this.driver.flush();
  }

  get magnet(): string {
    return createMagnet({
      infoHash: this.infoHash,
      ...(this.name ? { name: this.name } : {}),
      ...(this.info ? { length: this.info.length } : {}),
      trackers: [...this.trackers],
    });
  }

  /**
   * This transfer as a .torrent file (its info dictionary and trackers), or undefined before
   * the info dictionary is known. `now` in ms since the epoch gives the creation date.
   */
  torrentFile(now: number): Uint8Array | undefined {
    if (!this.infoBytes) return undefined;
    return createTorrentFile({
      infoBytes: this.infoBytes,
      trackers: [...this.trackers],
      creationDate: Math.floor(now / 1000),
    });
  }

  /** Every chosen piece is stored (every piece, unless files were chosen). */
  get complete(): boolean {
    return this.state === 'seeding';
  }

  /** Every piece is stored: a seed to trackers, whatever files were chosen. */
  get hasEveryPiece(): boolean {
    return this.complete && this.swarm.status(this.deps.now()).complete;
  }

  /** Paused by the person: no links, no announces (see {@link setPaused}). */
  get paused(): boolean {
    return this.held;
  }

  /** Paused, links close and new ones are refused: no download, no upload; what is stored stays. */
  setPaused(paused: boolean): void {
    if (this.closed || paused === this.held) return;
    this.held = paused;
    this.viewer.resetEta();
    if (paused) {
      this.state = 'paused';
      for (const a of [...this.links.values()]) a.link.close();
    } else {
      this.state = !this.info ? 'metadata' : this.swarm.finished ? 'seeding' : 'downloading';
    }
    this.deps.changed();
  }

  get linkCount(): number {
    return this.links.size;
  }

  /** Whether the swarm banned this remote peer for corrupt data. */
  isBanned(remoteId: string): boolean {
    return this.banned.has(remoteId);
  }

  /**
   * Hands an open link to the swarm; its `wire` channel carries this torrent's peer wire stream.
   * The swarm knows the peer by its remote id, so a banned peer stays banned when it redials.
   */
  attach(remoteId: string, link: PeerLink, path: () => LinkPath | undefined = () => undefined): void {
    if (this.closed || this.held || this.banned.has(remoteId)) return link.close();
    const key = remoteId;
    this.links.get(key)?.link.close();
    const sender = new LinkSender(
      link,
      'wire',
      () => {
        if (this.links.get(key) === attached) this.run((now) => this.swarm.drained(key, now));
      },
      linkPacer(this.deps.limiter, this.deps.relayLimiter, path),
    );
    const attached: Attached = { link, sender, remoteId };
    this.links.set(key, attached);
    link.on('data', (channel, data) => {
      if (channel === 'wire' && this.links.get(key) === attached)
        this.run((now) => this.swarm.receive(key, data, now));
    });
    link.on('close', () => {
      if (this.links.get(key) !== attached) return;
      this.links.delete(key);
      this.run((now) => this.swarm.removePeer(key, now));
    });
    this.run((now) => this.swarm.addPeer(key, now));
  }

  /** This transfer as the page shows it. */
  view(): TransferView {
    const now = this.deps.now();
    return this.viewer.view(this.swarm.status(now), now, {
      infoHashHex: this.infoHashHex,
      name: this.name,
      magnet: this.magnet,
      state: this.state,
      info: this.info,
      inStore: this.inStore,
      resumedPieces: this.resumedPieces,
      hashFailures: this.writes.hashFailures,
      files: this.files,
      streaming: this.deps.streaming?.() ?? false,
      error: this.error,
    });
  }

  /**
   * Reads a piece for saving: checked against its hash unless it already was in this tab's life.
   * A piece that fails is reported lost to the swarm (it is downloaded again) and the read fails.
   */
  async getVerifiedPiece(index: number): Promise<Uint8Array> {
    const info = this.info;
    const data = await this.getPiece(index);
    if (
      info &&
      data &&
      (this.trusted.has(index) || bytesEqual(await this.deps.hasher.hash(data), pieceHash(info, index)))
    ) {
      this.trusted.add(index);
      return data;
    }
    this.inStore.delete(index);
    if (this.state === 'seeding') this.state = 'downloading';
    this.run((now) => this.swarm.pieceData(index, undefined, now));
    throw new TabswarmError(
      ErrorCode.StorageFailed,
      `piece ${index} is missing or damaged in storage; fetching it again`,
    );
  }

  /**
   * Downloads only the files at `indexes` (undefined: all; before the metadata, kept for it).
   * Returns the choice as kept. Throws INFO_INVALID on a bad index.
   */
  selectFiles(indexes: readonly number[] | undefined): number[] | undefined {
    this.files?.select(indexes);
    const selection = this.files ? this.files.selection : indexes && [...indexes];
    this.pendingSelection = selection;
    this.run((now) => this.swarm.selectFiles(selection, now));
    if (this.state === 'seeding' && !this.swarm.finished) this.state = 'downloading';
    return selection;
  }

  /** Reads a piece for saving or serving: from the store, else from the source file; undefined if missing. */
  async getPiece(index: number): Promise<Uint8Array | undefined> {
    const stored = await this.deps.store.getPiece(this.infoHashHex, index);
    if (stored || !this.source || !this.info) return stored;
    return this.deps.reader.readPiece(this.source, index, this.info.pieceLength);
  }

  hasPiece(index: number): boolean {
    return this.complete || this.inStore.has(index);
  }

  whenPiece(index: number): Promise<void> {
    return this.hasPiece(index) ? Promise.resolve() : this.waiters.wait(index);
  }

  availability(index: number): number {
    return this.swarm.status(this.deps.now()).availability[index] ?? 0;
  }

  playFrom(head: number, last: number): void {
    this.run((now) => this.swarm.playFrom(head, last, now));
  }

  stopPlaying(): void {
    this.run(() => this.swarm.stopPlaying());
  }

  /** Records pieces copied into the store; the source file is dropped once all are there. */
  markStored(indices: number[]): void {
    for (const i of indices) this.inStore.add(i);
    if (this.info && this.inStore.size >= this.info.pieceCount) this.source = undefined;
    this.deps.changed();
  }

  /** Closes the transfer; `keep` (a clean stop) resolves once its verified pieces are stored. */
  close(opts: PieceWritesClose = {}): Promise<void> {
    this.closed = true;
    const written = this.writes.close(opts);
    this.driver.stop();
    for (const a of this.links.values()) a.link.close();
    this.links.clear();
    return written;
  }

  /** Feeds the swarm one input; the driver carries out what it asks for. */
  private run(input: (now: number) => void): void {
    this.driver.input(input);
    this.deps.changed();
  }

  private execute(action: SwarmOutput): void {
    switch (action.type) {
      case 'send':
        this.links.get(action.peer)?.sender.write(action.data);
        break;
      case 'close':
        this.links.get(action.peer)?.link.close();
        break;
      case 'metadata':
        void this.onMetadata(action.info, action.infoBytes);
        break;
      case 'verify':
        if (this.info) void this.writes.verify(this.info, action.index, action.data);
        break;
      case 'read':
        void this.read(action.index);
        break;
      case 'event':
        this.onEvent(action.event);
        break;
    }
  }

  private onEvent(event: SwarmEvent): void {
    switch (event.type) {
      case 'complete':
        if (this.state !== 'seeding') {
          if (!this.held) this.state = 'seeding';
          this.deps.completed(this);
        }
        break;
      case 'piece-failed':
        this.deps.notice(
          'info',
          `A piece of “${this.name}” failed verification and is being downloaded again.`,
          ErrorCode.PieceHashMismatch,
        );
        break;
      case 'peer-banned': {
        const remote = event.peer;
        this.banned.add(remote);
        this.deps.notice(
          'info',
          `Banned peer ${remote.slice(0, 8)}: its data failed verification.`,
          ErrorCode.PeerBanned,
        );
        break;
      }
      default:
        break;
    }
  }

  private async onMetadata(info: InfoDictionary, infoBytes: Uint8Array): Promise<void> {
    this.info = info;
    this.infoBytes = infoBytes;
    this.name = info.name;
    this.files = new TorrentFiles(info);
    try {
      this.files.select(this.pendingSelection);
    } catch {
      this.files.select(undefined); // indexes the torrent does not have: every file, as the swarm does
    }
    if (this.state === 'metadata') this.state = this.swarm.finished ? 'seeding' : 'downloading';
    // A player starts at the head of the file it plays: that comes first, before it asks.
    const media = this.deps.streaming?.() ? mediaSpan(info) : undefined;
    if (media) this.playFrom(media.firstPiece, media.lastPiece);
    this.deps.metadataKnown(this);
    try {
      const existing = await this.deps.store.getMetadata(this.infoHashHex);
      await this.deps.store.putMetadata(this.infoHashHex, {
        ...(existing ?? { addedAt: Date.now() }),
        name: info.name,
        length: info.length,
        infoBytes,
      });
    } catch (err) {
      this.fail(toTabswarmError(err, ErrorCode.StorageFailed));
    }
    this.deps.changed();
  }

  /** Verified pieces are in the store: the swarm may offer them, and streams waiting go on. */
  private stored(indices: number[]): void {
    if (this.closed) return;
    const now = this.deps.now();
    for (const i of indices) this.inStore.add(i);
    for (const i of indices) this.run(() => this.swarm.pieceVerified(i, true, now));
    for (const i of indices) this.waiters.arrived(i);
  }

  private async read(index: number): Promise<void> {
    const info = this.info;
    let data: Uint8Array | undefined;
    try {
      data = await this.getPiece(index);
    } catch {
      data = undefined;
    }
    // A piece read back from storage is checked once per tab life: after a crash, IndexedDB's
    // relaxed durability can leave a piece marked present that no longer verifies.
    if (data && info && !this.trusted.has(index)) {
      const digest = await this.deps.hasher.hash(data);
      if (bytesEqual(digest, pieceHash(info, index))) this.trusted.add(index);
      else data = undefined;
    }
    if (this.closed) return;
    if (data === undefined && this.state === 'seeding') this.state = 'downloading';
    if (data && this.deps.corruptUploads?.()) {
      data = data.slice();
      for (let i = 0; i < data.length; i += 4096) data[i] = (data[i] as number) ^ 0xff;
    }
    this.run((now) => this.swarm.pieceData(index, data, now));
  }

  private pause(err: TabswarmError): void {
    this.state = 'paused';
    this.error = err;
    const text =
      err.code === ErrorCode.StorageFull
        ? `Storage is full: “${this.name}” is paused. Verified pieces are kept; free some space and reload to resume.`
        : `Could not store pieces of “${this.name}”: ${err.message}`;
    this.deps.notice('error', text, err.code);
    void this.close();
    this.deps.changed();
  }

  private fail(err: TabswarmError): void {
    this.error = err;
    this.deps.notice('error', err.message, err.code);
  }
}

export { TabswarmError };
