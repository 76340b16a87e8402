import { fromHex, toHex } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError, toTabswarmError } from '../../../shared/errors.js';
import {
  choosePieceLength,
  createInfoDictionary,
  parseInfoDictionary,
} from '../../../shared/info-dictionary.js';
import { parseMagnet } from '../../../shared/magnet.js';
import type { Identity } from '../../../shared/identity/index.js';
import type { Random } from '../../../shared/random.js';
import { Emitter } from '../adapters/emitter.js';
import type { PeerLinkFactory } from '../adapters/peer-link.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore, TorrentMetadata } from '../adapters/piece-store.js';
import type { SignalingSocketFactory } from '../adapters/signaling-socket.js';
import { hashFile } from '../adapters/piece-hasher.js';
import { saveFile } from '../adapters/file-saver.js';
import { storeFilePieces } from './file-import.js';
import { Connections } from './connections.js';
import { DhtHost } from './dht-host.js';
import type { DhtOptions } from '../../../shared/dht/index.js';
import { UploadLimiter } from './upload-limiter.js';
import { checkStoredPieces } from './piece-check.js';
import { SignalingClient } from './signaling-client.js';
import type { NodeView, Notice, TransferView } from './status.js';
import { TorrentHost } from './torrent-host.js';

/** What a tab is built from; the browser passes real adapters, tests may pass twins. */
export interface TabNodeOptions {
  /** The tab's key pair; its peer id is derived from it (shared/identity/). */
  identity: Identity;
  random: Random;
  serverUrl: string;
  /** Tracker URLs written into magnet links (`tr`). */
  trackers: string[];
  store: PieceStore;
  hasher: PieceHasher;
  links: PeerLinkFactory;
  sockets: SignalingSocketFactory;
  /** Live WebRTC connections at most (Chromium allows ~500 per tab over its life). */
  connectionBudget?: number;
  /** Ask the server's tracker for swarm peers (default true); the DHT is always used. */
  useTracker?: boolean;
  /** Overrides of the DHT's defaults (k, connection targets, timeouts...). */
  dht?: Partial<DhtOptions>;
  /** Tab-wide upload cap in bytes per second (default none). */
  uploadLimit?: number;
  /** How long a magnet link may wait for its metadata before the page says so (default 30 s). */
  metadataPatienceMs?: number;
  now?: () => number;
}

export type TabNodeEvents = {
  change: () => void;
  complete: (infoHash: string) => void;
  notice: (notice: Notice) => void;
};

const METADATA_PATIENCE_MS = 30_000;
const REANNOUNCE_MS = 20_000;
/**
 * A download that found nobody looks again sooner than the re-announce, doubling from this:
 * a link opened right after it was shared can race the sharer's own announce.
 */
const FIRST_RETRY_MS = 1_000;
const WANT_PEERS = 8;
/** Swarm links per transfer at most (the rest of the budget stays for the DHT and other transfers). */
const MAX_SWARM_LINKS = 30;

/**
 * One tab: its identity, its server connection, its WebRTC links and its transfers. Each
 * transfer's protocol runs in shared/ (through TorrentHost); this class only wires I/O together.
 */
export class TabNode extends Emitter<TabNodeEvents> {
  readonly peerId: string;
  readonly signaling: SignalingClient;
  private readonly torrents = new Map<string, TorrentHost>();
  private readonly hashing = new Map<string, TransferView>();
  readonly connections: Connections;
  readonly dht: DhtHost;
  useTracker: boolean;
  /** Test hook: serve corrupted pieces, to see that swarms ban such a peer. */
  corruptUploads = false;
  private readonly limiter: UploadLimiter | undefined;
  private readonly notices: Notice[] = [];
  private nextNoticeId = 1;
  private readonly budget: number;
  private readonly now: () => number;
  private reannounceTimer: ReturnType<typeof setInterval> | undefined;
  /** Downloads with no peer yet: the delay before their next quick look. */
  private readonly retryDelay = new Map<TorrentHost, number>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly opts: TabNodeOptions) {
    super();
    this.peerId = toHex(opts.identity.peerId);
    this.budget = opts.connectionBudget ?? 40;
    this.now = opts.now ?? (() => Date.now());
    this.useTracker = opts.useTracker ?? true;
    this.limiter = opts.uploadLimit ? new UploadLimiter(opts.uploadLimit) : undefined;
    this.signaling = new SignalingClient(opts.sockets, opts.serverUrl, opts.identity);
    this.connections = new Connections(
      this.peerId,
      opts.links,
      opts.random,
      this.budget,
      () => this.signaling.iceServers,
      (from, purpose) => (purpose.infoHash ? this.torrents.has(purpose.infoHash) : this.dht.admit(from)),
    );
    this.dht = new DhtHost(
      opts.identity.peerId,
      opts.random,
      this.connections,
      this.now,
      (from, envelope) => this.connections.receiveSignal(from, envelope),
      () => void this.signaling.refreshBootstrap(),
      (to, envelope) => this.signaling.signal(to, envelope),
      () => this.changed(),
      { maxConnections: this.budget, ...opts.dht },
    );
    // Overlay, server or lookup first: the shared rule (shared/dht/signal-router.ts).
    this.connections.on('signal', (to, envelope) =>
      this.dht.signal(to, envelope, this.signaling.state === 'online'),
    );
    this.connections.on('open', (link) => {
      const host = link.purpose.infoHash ? this.torrents.get(link.purpose.infoHash) : undefined;
      if (!host) return;
      host.attach(link.remoteId, link.link);
      // The swarm's link carries the DHT too: a link to the same tab for the DHT alone is spare.
      for (const spare of this.connections.to(link.remoteId)) {
        if (spare.open && spare.purpose.infoHash === undefined) spare.link.close();
      }
    });
    this.connections.on('change', () => this.changed());
    this.signaling.on('state', (state, error) => {
      if (state === 'offline' && error) this.notice('error', this.serverMessage(error), error.code);
      if (state === 'online') this.clearNotices(ErrorCode.ServerUnreachable, ErrorCode.ServerGone);
      this.changed();
    });
    this.signaling.on('registered', (peers, reply) => {
      this.dht.bootstrap(peers, reply.retryAfterMs);
      // Transfers announce when the socket (re)connects; a bootstrap refresh is no reason to.
      if (reply.first) for (const t of this.torrents.values()) void this.findPeers(t);
    });
    this.signaling.on('signal', (from, data) => this.connections.receiveSignal(from, data));
    this.signaling.on('refused', (err) =>
      this.notice('error', `The server refused a request: ${err.message}`, err.code),
    );
  }

  /** Connects to the server and resumes every transfer kept in this browser's storage. */
  async start(): Promise<void> {
    await this.restore();
    void this.signaling.start();
    this.reannounceTimer = setInterval(() => {
      for (const t of this.torrents.values()) if (t.linkCount < WANT_PEERS) void this.findPeers(t);
    }, REANNOUNCE_MS);
  }

  stop(): void {
    if (this.reannounceTimer !== undefined) clearInterval(this.reannounceTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const t of this.torrents.values()) t.close();
    this.dht.stop();
    this.connections.closeAll();
    this.signaling.stop();
  }

  /** Shares a file: hashes it, stores its pieces, and returns its magnet link. */
  async seed(
    file: Blob,
    name = (file as File).name || 'file',
  ): Promise<{ infoHash: string; magnet: string }> {
    const pieceLength = choosePieceLength(file.size);
    const key = `hashing:${this.nextNoticeId++}`;
    const placeholder = this.placeholderView(key, name, file.size);
    this.hashing.set(key, placeholder);
    this.changed();
    try {
      if (file.size === 0) throw new TabswarmError(ErrorCode.InfoInvalid, 'An empty file cannot be shared.');
      const pieceHashes = await hashFile(
        file,
        pieceLength,
        (done) => {
          placeholder.progress = done / file.size;
          placeholder.verifiedBytes = done;
          this.changed();
        },
        { hasher: this.opts.hasher },
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
        });
        await this.opts.store.putMetadata(hex, { name, length: file.size, infoBytes, addedAt: Date.now() });
        void this.findPeers(host);
        const seeded = host;
        storeFilePieces(file, pieceLength, hex, this.opts.store, (indices) =>
          seeded.markStored(indices),
        ).catch((err: unknown) => {
          const e = toTabswarmError(err, ErrorCode.StorageFailed);
          this.notice('error', this.storageMessage(e, name), e.code);
        });
      }
      this.changed();
      return { infoHash: hex, magnet: host.magnet };
    } catch (err) {
      this.hashing.delete(key);
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.notice('error', this.storageMessage(e, name), e.code);
      this.changed();
      throw e;
    }
  }

  /** Starts downloading what a magnet link (or `page#magnet:...`) names. */
  async download(link: string): Promise<{ infoHash: string }> {
    let magnet;
    try {
      magnet = parseMagnet(link);
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.MagnetInvalid);
      this.notice('error', `That link cannot be opened: ${e.message}`, e.code);
      throw e;
    }
    const hex = magnet.infoHashHex;
    if (this.torrents.has(hex)) return { infoHash: hex };
    if (await this.resume(hex)) {
      const resumed = this.torrents.get(hex);
      if (resumed) void this.findPeers(resumed);
      this.changed();
      return { infoHash: hex };
    }
    const host = this.addHost({ infoHash: magnet.infoHash, ...(magnet.name ? { name: magnet.name } : {}) });
    try {
      await this.opts.store.putMetadata(hex, { name: magnet.name ?? hex, addedAt: Date.now(), magnet: link });
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.notice('error', this.storageMessage(e, magnet.name ?? hex), e.code);
    }
    const patience = this.opts.metadataPatienceMs ?? METADATA_PATIENCE_MS;
    setTimeout(() => {
      if (host.state === 'metadata' && this.torrents.get(hex) === host) {
        host.error = new TabswarmError(
          ErrorCode.MetadataTimeout,
          `No peer has sent the file's details in ${Math.round(patience / 1000)} s. Still looking; the person sharing it may be offline.`,
        );
        this.notice('error', host.error.message, host.error.code);
        this.changed();
      }
    }, patience);
    void this.findPeers(host);
    this.changed();
    return { infoHash: hex };
  }

  /** Saves a completed transfer to disk under its own name. */
  async save(
    infoHash: string,
    opts: { usePicker?: boolean } = {},
  ): Promise<'picker' | 'download' | 'cancelled'> {
    const host = this.torrents.get(infoHash);
    if (!host?.info || !host.complete)
      throw new TabswarmError(ErrorCode.StorageFailed, 'That file is not complete yet.');
    return saveFile(host.name, host.info.pieceCount, (i) => host.getPiece(i), {
      length: host.info.length,
      ...opts,
    });
  }

  /** Reads a stored piece (for the scripting API and tests). */
  getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined> {
    return this.opts.store.getPiece(infoHash, index);
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
      })),
      tracker: this.useTracker,
      dht: this.dht.snapshot(),
      transfers: [...this.hashing.values(), ...[...this.torrents.values()].map((t) => t.view())],
      notices: [...this.notices],
    };
  }

  transfer(infoHash: string): TransferView | undefined {
    return this.torrents.get(infoHash)?.view();
  }

  dismissNotice(id: number): void {
    const i = this.notices.findIndex((n) => n.id === id);
    if (i >= 0) this.notices.splice(i, 1);
    this.changed();
  }

  // ---- internals ---------------------------------------------------------------------------

  private addHost(init: ConstructorParameters<typeof TorrentHost>[1]): TorrentHost {
    const host = new TorrentHost(
      {
        store: this.opts.store,
        hasher: this.opts.hasher,
        random: this.opts.random,
        peerId: this.opts.identity.peerId,
        trackers: this.opts.trackers,
        now: this.now,
        changed: () => this.changed(),
        notice: (level, text, code) => this.notice(level, text, code),
        completed: (h) => {
          if (this.useTracker) void this.signaling.announce(h.infoHashHex, 'completed').catch(() => {});
          this.emit('complete', h.infoHashHex);
        },
        ...(this.limiter ? { limiter: this.limiter } : {}),
        corruptUploads: () => this.corruptUploads,
        metadataKnown: (h) => {
          if (h.error?.code === ErrorCode.MetadataTimeout) {
            h.error = undefined;
            this.clearNotices(ErrorCode.MetadataTimeout);
          }
        },
      },
      init,
    );
    this.torrents.set(host.infoHashHex, host);
    return host;
  }

  private async restore(): Promise<void> {
    let stored;
    try {
      stored = await this.opts.store.listTorrents();
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.notice('error', `Could not read stored files: ${e.message}`, e.code);
      return;
    }
    for (const { infoHash, metadata } of stored) {
      if (this.torrents.has(infoHash)) continue;
      await this.resume(infoHash, metadata);
    }
    this.changed();
  }

  /**
   * Resumes a transfer from the piece store (kept by an earlier visit, or by another tab of this
   * browser profile, which shares the store). False if the store has nothing of it.
   */
  private async resume(infoHash: string, known?: TorrentMetadata): Promise<boolean> {
    const hash = fromHex(infoHash);
    if (!hash) return false;
    try {
      const metadata = known ?? (await this.opts.store.getMetadata(infoHash));
      if (!metadata) return false;
      if (metadata.infoBytes) {
        const info = parseInfoDictionary(metadata.infoBytes, hash);
        const listed = await this.opts.store.listPieces(infoHash);
        const pieces = await checkStoredPieces(this.opts.store, this.opts.hasher, infoHash, info, listed);
        if (this.torrents.has(infoHash)) return true;
        this.addHost({ infoHash: hash, info, infoBytes: metadata.infoBytes, stored: pieces, checked: true });
      } else {
        this.addHost({ infoHash: hash, name: metadata.name });
      }
      return true;
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.StorageFailed);
      this.notice('error', `A stored file could not be resumed: ${e.message}`, e.code);
      return false;
    }
  }

  /**
   * Finds peers for a transfer through the DHT (get_peers, then announce) and, where enabled,
   * the server's tracker, and connects to those it is not linked with yet.
   */
  private async findPeers(host: TorrentHost): Promise<void> {
    const sources: Promise<string[]>[] = [this.dht.announce(host.infoHashHex)];
    if (this.useTracker) {
      sources.push(
        this.signaling.announce(host.infoHashHex, host.complete ? 'completed' : 'started').catch(() => []),
      );
    }
    for (const source of sources) void source.then((peers) => this.connectPeers(host, peers));
    await Promise.all(sources);
    this.retryIfAlone(host);
  }

  private retryIfAlone(host: TorrentHost): void {
    if (host.linkCount > 0 || host.complete || this.torrents.get(host.infoHashHex) !== host) {
      this.retryDelay.delete(host);
      return;
    }
    const delay = this.retryDelay.get(host) ?? FIRST_RETRY_MS;
    if (delay >= REANNOUNCE_MS) return; // the re-announce timer takes over
    this.retryDelay.set(host, delay * 2);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.torrents.get(host.infoHashHex) === host && host.linkCount === 0) void this.findPeers(host);
    }, delay);
    this.retryTimers.add(timer);
  }

  private connectPeers(host: TorrentHost, peers: string[]): void {
    for (const remote of peers) {
      if (remote === this.peerId || host.isBanned(remote) || this.connections.find(remote, host.infoHashHex))
        continue;
      if (!this.connections.hasRoom || host.linkCount >= MAX_SWARM_LINKS) break;
      this.connections.connect(remote, { infoHash: host.infoHashHex });
    }
  }

  private placeholderView(key: string, name: string, length: number): TransferView {
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
      hashFailures: 0,
      receivedFrom: {},
    };
  }

  private notice(level: Notice['level'], text: string, code?: string): void {
    if (this.notices.some((n) => n.text === text)) return;
    const notice: Notice = { id: this.nextNoticeId++, level, text, ...(code ? { code } : {}) };
    this.notices.push(notice);
    if (this.notices.length > 20) this.notices.shift();
    this.emit('notice', notice);
    this.changed();
  }

  private clearNotices(...codes: string[]): void {
    for (let i = this.notices.length - 1; i >= 0; i--) {
      if (codes.includes(this.notices[i]?.code ?? '')) this.notices.splice(i, 1);
    }
  }

  private serverMessage(err: TabswarmError): string {
    if (err.code === ErrorCode.PeerIdSuperseded)
      return 'Another tab registered this tab’s identity with the server, so this tab stopped using the server. Transfers already connected continue; reload this tab to reconnect.';
    return err.code === ErrorCode.ServerGone
      ? 'The signaling server went away. Transfers already connected continue; reconnecting…'
      : `Cannot reach the signaling server (${this.opts.serverUrl}). Retrying…`;
  }

  private storageMessage(err: TabswarmError, name: string): string {
    return err.code === ErrorCode.StorageFull
      ? `Storage is full: cannot keep “${name}”. Free some space (or remove old files) and try again.`
      : `“${name}”: ${err.message}`;
  }

  private changed(): void {
    this.emit('change');
  }
}
