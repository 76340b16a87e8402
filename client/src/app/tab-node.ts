import { toHex } from '../../../shared/bytes.js';
import type { DhtOptions } from '../../../shared/dht/index.js';
import { ErrorCode, toTabswarmError } from '../../../shared/errors.js';
import { countPaths, type LinkPath, type LinkRoute } from '../../../shared/links/index.js';
import { identitySigner, verify } from '../../../shared/identity/index.js';
import type { Identity } from '../../../shared/identity/index.js';
import type { Random } from '../../../shared/random.js';
import type { FilePieceReader } from '../adapters/file-reader.js';
import type { FileSaver, SaveOutcome } from '../adapters/file-saver.js';
import type { DirectoryHandle, FolderSaveOutcome } from '../adapters/folder-saver.js';
import type { SharedFile } from './folder-share.js';
import type { PeerLinkFactory } from '../adapters/peer-link.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore } from '../adapters/piece-store.js';
import type { SignalingSocketFactory } from '../adapters/signaling-socket.js';
import { Emitter } from '../util/emitter.js';
import { Connections } from './connections.js';
import { DhtHost } from './dht-host.js';
import { SearchService } from './search.js';
import { Notices } from './notices.js';
import { PeerDiscovery } from './peer-discovery.js';
import { SignalingClient } from './signaling-client.js';
import { StorageStatus, type StorageManagerLike } from './storage-status.js';
import type { NodeView, Notice, TransferView } from './status.js';
import { Transfers } from './transfers.js';
import { UploadLimiter } from './upload-limiter.js';
import { WebTorrentTrackers } from './webtorrent-trackers.js';

/** Live WebRTC connections at most, unless told otherwise. */
export const DEFAULT_CONNECTION_BUDGET = 40;

/** What a tab is built from; the browser passes real adapters, tests may pass twins. */
export interface TabNodeOptions {
  /** The tab's key pair; its peer id is derived from it (shared/identity/). */
  identity: Identity;
  random: Random;
  serverUrl: string;
  /** More signaling servers (processes of one deployment) to move to when `serverUrl` is lost. */
  moreServerUrls?: string[];
  /**
   * Tracker URLs written into every magnet link this tab makes (`tr`): the server's first, then any
   * the person added (`?trackers=`); the WebSocket ones are announced to (WebTorrent's protocol).
   */
  trackers: string[];
  store: PieceStore;
  hasher: PieceHasher;
  /** Reads the files the person shares. */
  reader: FilePieceReader;
  /** Saves completed files. */
  saver: FileSaver;
  links: PeerLinkFactory;
  sockets: SignalingSocketFactory;
  /** STUN/TURN servers used besides those the signaling server hands out. */
  iceServers?: RTCIceServer[];
  /** Live WebRTC connections at most (Chromium allows ~500 per tab over its life). */
  connectionBudget?: number;
  /** Ask the server's tracker for swarm peers (default true); the DHT is always used. */
  useTracker?: boolean;
  /** Overrides of the DHT's defaults (k, connection targets, timeouts...). */
  dht?: Partial<DhtOptions>;
  /** Tab-wide upload cap in bytes per second (default none). */
  uploadLimit?: number;
  /** Upload cap in bytes per second over links through a TURN relay, whose operator pays (default none). */
  relayUploadLimit?: number;
  /** How long a magnet link may wait for its metadata before the page says so (default 30 s). */
  metadataPatienceMs?: number;
  /** `navigator.storage`: storage used and available, and persistence asked when a person first shares. */
  storage?: StorageManagerLike;
  now?: () => number;
}

/** How often the storage figures are read again while the tab runs. */
export const STORAGE_REFRESH_MS = 10_000;

/** Whether a shared file is listed in search, and under which title (default: its name). */
export interface ShareListing {
  listInSearch?: boolean;
  title?: string;
}

/** What a tab tells the page. */
export type TabNodeEvents = {
  change: () => void;
  complete: (infoHash: string) => void;
  notice: (notice: Notice) => void;
};

/**
 * One tab: its identity, its server connection, its WebRTC links, its DHT node, and the three
 * things it does with them: finding peers ({@link PeerDiscovery}), moving files
 * ({@link Transfers}) and telling the person ({@link Notices}). Each transfer's protocol runs in
 * shared/ (through TorrentHost); this class only puts the parts together.
 */
/** A route's path and RTT as status fields (none while unknown). */
function routeFields(route: LinkRoute | undefined): { path?: LinkPath; rttMs?: number } {
  if (route === undefined) return {};
  return route.rttMs === undefined ? { path: route.path } : { path: route.path, rttMs: route.rttMs };
}

export class TabNode extends Emitter<TabNodeEvents> {
  readonly peerId: string;
  readonly signaling: SignalingClient;
  readonly connections: Connections;
  readonly dht: DhtHost;
  readonly notices: Notices;
  readonly transfers: Transfers;
  readonly discovery: PeerDiscovery;
  readonly storage: StorageStatus;
  /** Listing files in search and searching (shared/search through the DHT). */
  readonly search: SearchService;
  private readonly budget: number;
  private storageTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: TabNodeOptions) {
    super();
    this.peerId = toHex(opts.identity.peerId);
    this.budget = opts.connectionBudget ?? DEFAULT_CONNECTION_BUDGET;
    const now = opts.now ?? (() => Date.now());
    this.storage = new StorageStatus(opts.storage, () => this.changed());
    this.notices = new Notices((notice) => {
      this.emit('notice', notice);
      this.changed();
    });
    this.signaling = new SignalingClient(
      opts.sockets,
      [opts.serverUrl, ...(opts.moreServerUrls ?? [])],
      opts.identity,
      () => opts.random.next(),
    );
    this.connections = new Connections(
      this.peerId,
      opts.links,
      opts.random,
      this.budget,
      () => [...(opts.iceServers ?? []), ...this.signaling.iceServers],
      (from, purpose) => (purpose.infoHash ? this.transfers.accepts(purpose.infoHash) : this.dht.admit(from)),
    );
    this.dht = new DhtHost(
      opts.identity.peerId,
      opts.random,
      this.connections,
      now,
      (from, envelope) => this.connections.receiveSignal(from, envelope),
      () => void this.signaling.refreshBootstrap(),
      (to, envelope) => this.signaling.signal(to, envelope),
      () => this.changed(),
      // Overlay signals are signed with the tab's key and checked against their origin's id.
      { maxConnections: this.budget, ...opts.dht, signer: identitySigner(opts.identity), verifier: verify },
    );
    this.search = new SearchService(this.dht, identitySigner(opts.identity), now, () => this.changed());
    // Overlay, server or lookup first: the shared rule (shared/dht/signal-router.ts).
    this.connections.on('signal', (to, envelope) => {
      // An open link signals only to restart ICE: the overlay would carry that over the very
      // link that lost its path, so it goes through the server while there is one.
      const online = this.signaling.state === 'online';
      if (
        online &&
        this.connections.byId(envelope.link)?.open === true &&
        this.signaling.signal(to, envelope)
      )
        return;
      this.dht.signal(to, envelope, online);
    });
    this.signaling.on('signal', (from, data) => this.connections.receiveSignal(from, data));
    this.transfers = new Transfers({
      peerId: opts.identity.peerId,
      random: opts.random,
      trackers: opts.trackers,
      store: opts.store,
      hasher: opts.hasher,
      reader: opts.reader,
      saver: opts.saver,
      connections: this.connections,
      notices: this.notices,
      now,
      ...(opts.uploadLimit ? { limiter: new UploadLimiter(opts.uploadLimit) } : {}),
      ...(opts.relayUploadLimit ? { relayLimiter: new UploadLimiter(opts.relayUploadLimit) } : {}),
      ...(opts.metadataPatienceMs !== undefined ? { metadataPatienceMs: opts.metadataPatienceMs } : {}),
      changed: () => this.changed(),
      findPeers: (host) => void this.discovery.findPeers(host),
      completed: (host) => {
        this.discovery.completed(host);
        void this.storage.refresh();
        this.emit('complete', host.infoHashHex);
      },
    });
    this.connections.on('change', () => this.changed());
    // A link that found no route says why once (the notice list drops repeats of the same text).
    this.connections.on('failed', (_link, err) => {
      if (err.code === ErrorCode.NoRoute)
        this.notices.add(
          'error',
          `Could not connect to a peer: ${err.message.replace(/^peer \S+: /, '')}`,
          err.code,
        );
    });
    this.connections.on('open', () => this.notices.clear(ErrorCode.NoRoute));
    this.discovery = new PeerDiscovery({
      peerId: this.peerId,
      signaling: this.signaling,
      dht: this.dht,
      connections: this.connections,
      transfers: this.transfers,
      notices: this.notices,
      webtorrent: new WebTorrentTrackers({
        peerId: this.peerId,
        random: opts.random,
        connections: this.connections,
        sockets: opts.sockets,
      }),
      useTracker: opts.useTracker ?? true,
      changed: () => this.changed(),
    });
  }

  /** Ask the server's tracker for swarm peers (the DHT is always used). */
  get useTracker(): boolean {
    return this.discovery.useTracker;
  }

  set useTracker(enabled: boolean) {
    this.discovery.useTracker = enabled;
  }

  /** Test hook: serve corrupted pieces, to see that swarms ban such a peer. */
  get corruptUploads(): boolean {
    return this.transfers.corruptUploads;
  }

  set corruptUploads(enabled: boolean) {
    this.transfers.corruptUploads = enabled;
  }

  /** Connects to the server and resumes every transfer kept in this browser's storage. */
  async start(): Promise<void> {
    await this.transfers.restore();
    this.discovery.start();
    void this.storage.refresh();
    this.storageTimer = setInterval(() => void this.storage.refresh(), STORAGE_REFRESH_MS);
  }

  /**
   * Leaves the server, the DHT and every link at once; resolves once the verified pieces still
   * waiting for the store are written (see {@link Transfers.stop}).
   */
  async stop(): Promise<void> {
    if (this.storageTimer !== undefined) clearInterval(this.storageTimer);
    this.discovery.stop();
    const written = this.transfers.stop();
    this.dht.stop();
    this.connections.closeAll();
    this.signaling.stop();
    await written;
  }

  /**
   * Shares a file: hashes it, stores its pieces, and returns its magnet link (listing `trackers`
   * too); with `listing`, also lists it in search under its title (the name by default).
   */
  async seed(
    file: Blob,
    name = (file as File).name || 'file',
    trackers: readonly string[] = [],
    listing?: ShareListing,
  ): Promise<{ infoHash: string; magnet: string }> {
    const shared = await this.shared(this.transfers.seed(file, name, trackers));
    this.listShared(shared.infoHash, name, file.size, listing);
    return shared;
  }

  /** A dropped or picked file: a .torrent is downloaded, anything else shared (and listed, as seed). */
  async add(
    file: Blob,
    name = (file as File).name || 'file',
    trackers: readonly string[] = [],
    listing?: ShareListing,
  ): Promise<{ infoHash: string; magnet?: string }> {
    const added = await this.shared(this.transfers.add(file, name, trackers));
    if (added.magnet !== undefined) this.listShared(added.infoHash, name, file.size, listing);
    return added;
  }

  /** After a person shares a file: persistent storage is asked for (once), the figures read again. */
  private async shared<T extends { magnet?: string }>(sharing: Promise<T>): Promise<T> {
    const result = await sharing;
    if (result.magnet !== undefined) void this.storage.askOnce().then(() => this.storage.refresh());
    return result;
  }

  /** Shares several files or a folder as one multi-file torrent (see Transfers.seedFiles), listed as `listing` says. */
  async seedFiles(
    files: readonly SharedFile[],
    name?: string,
    trackers: readonly string[] = [],
    listing?: ShareListing,
  ): Promise<{ infoHash: string; magnet: string }> {
    const shared = await this.shared(this.transfers.seedFiles(files, name, trackers));
    const view = this.transfers.view(shared.infoHash);
    const size = files.reduce(
      (sum, f) => sum + (f.file instanceof Uint8Array ? f.file.byteLength : f.file.size),
      0,
    );
    const fileNames = files.map((f) => f.path[f.path.length - 1] ?? '');
    this.listShared(shared.infoHash, view?.name ?? name ?? 'files', size, listing, fileNames);
    return shared;
  }

  /**
   * What a person dropped or picked: .torrent files are downloaded; the rest is one share, a
   * single file as it is, several files or a folder as one multi-file torrent.
   */
  async addFiles(
    files: readonly { path: string[]; file: Blob }[],
    trackers: readonly string[] = [],
    listing?: ShareListing,
  ): Promise<void> {
    const rest: { path: string[]; file: Blob }[] = [];
    for (const f of files) {
      const name = f.path[f.path.length - 1] ?? 'file';
      if (name.toLowerCase().endsWith('.torrent')) await this.add(f.file, name, trackers);
      else rest.push(f);
    }
    const [only] = rest;
    if (rest.length === 1 && only && only.path.length === 1)
      await this.add(only.file, only.path[0], trackers, listing);
    else if (rest.length > 0) await this.seedFiles(rest, undefined, trackers, listing);
  }

  /** Downloads only the files at `indexes` of a transfer (undefined: all); kept across reloads. */
  select(infoHash: string, indexes: readonly number[] | undefined): Promise<void> {
    return this.transfers.select(infoHash, indexes);
  }

  /** The bytes of one file of a transfer, from verified pieces. */
  readFile(infoHash: string, index: number): Promise<Uint8Array> {
    return this.transfers.readFile(infoHash, index);
  }

  /** Lists a shared file in search in the background (a failure is a notice, the share stands). */
  private listShared(
    infoHash: string,
    name: string,
    size: number,
    listing: ShareListing | undefined,
    fileNames: readonly string[] = [name],
  ): void {
    if (!listing?.listInSearch) return;
    const title = listing.title?.trim() || name;
    this.search
      .list({ infoHash, title, size, files: fileNames.length, fileNames: [...fileNames] })
      .catch((err: unknown) => {
        const e = toTabswarmError(err, ErrorCode.SearchRecordInvalid);
        this.notices.add('error', `Could not list ${name} in search: ${e.message}`, e.code);
      });
  }

  /** Starts downloading what a .torrent file describes. */
  openTorrentFile(bytes: Uint8Array): Promise<{ infoHash: string }> {
    return this.transfers.openTorrentFile(bytes);
  }

  /** A transfer as a .torrent file (name and bytes). */
  torrentFile(infoHash: string): { name: string; bytes: Uint8Array } {
    return this.transfers.torrentFile(infoHash);
  }

  /** Saves a transfer's .torrent file to disk. */
  saveTorrentFile(infoHash: string): Promise<SaveOutcome> {
    return this.transfers.saveTorrentFile(infoHash);
  }

  /** Starts downloading what a magnet link (or `page#magnet:...`) names. */
  download(link: string, opts: { files?: readonly number[] } = {}): Promise<{ infoHash: string }> {
    return this.transfers.download(link, opts);
  }

  /**
   * Pauses a transfer: a download stops downloading, a finished file stops being shared (its
   * links close, trackers and the DHT hear no more of it). What is stored stays; kept across reloads.
   */
  async pause(infoHash: string): Promise<void> {
    await this.transfers.setPaused(infoHash, true);
    const host = this.transfers.get(infoHash);
    if (host) this.discovery.forget(host);
  }

  /** Resumes a paused transfer: it looks for peers again. */
  async resume(infoHash: string): Promise<void> {
    await this.transfers.setPaused(infoHash, false);
    const host = this.transfers.get(infoHash);
    if (host) void this.discovery.findPeers(host);
  }

  /** Removes a transfer and deletes its pieces from this browser's storage. */
  async remove(infoHash: string): Promise<void> {
    const host = this.transfers.get(infoHash);
    if (host && !host.paused) this.discovery.forget(host);
    await this.transfers.remove(infoHash);
    void this.storage.refresh();
  }

  /** Saves a completed transfer to disk under its own name. */
  save(
    infoHash: string,
    opts: { usePicker?: boolean; directory?: DirectoryHandle } = {},
  ): Promise<SaveOutcome | FolderSaveOutcome> {
    return this.transfers.save(infoHash, opts);
  }

  /** Reads a stored piece (for the scripting API and tests). */
  getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined> {
    return this.transfers.getPiece(infoHash, index);
  }

  view(): NodeView {
    return {
      peerId: this.peerId,
      server: this.signaling.state,
      serverUrl: this.opts.serverUrl,
      connections: this.connections.size,
      connectionBudget: this.budget,
      connectionsOpened: this.connections.opened,
      links: this.connections.all().map((l) => ({
        remoteId: l.remoteId,
        open: l.open,
        ...(l.purpose.infoHash ? { infoHash: l.purpose.infoHash } : {}),
        ...(l.purpose.webtorrent ? { webtorrent: true as const } : {}),
        ...routeFields(l.route),
        ...(l.setupMs === undefined ? {} : { setupMs: l.setupMs }),
      })),
      paths: countPaths(this.connections.all().map((l) => (l.open ? l.route?.path : undefined))),
      tracker: this.useTracker,
      dht: this.dht.snapshot(),
      transfers: this.transfers.views().map((t) => this.withRoutes(t)),
      notices: this.notices.all(),
      storage: this.storage.view(),
      search: this.search.view,
      listed: this.search.listings,
    };
  }

  transfer(infoHash: string): TransferView | undefined {
    const t = this.transfers.view(infoHash);
    return t === undefined ? undefined : this.withRoutes(t);
  }

  /** A transfer's peers with the path and RTT of the link each is on. */
  private withRoutes(t: TransferView): TransferView {
    return {
      ...t,
      peers: t.peers.map((p) => ({ ...p, ...routeFields(this.connections.find(p.id, t.infoHash)?.route) })),
    };
  }

  dismissNotice(id: number): void {
    this.notices.dismiss(id);
    this.changed();
  }

  private changed(): void {
    this.emit('change');
  }
}
