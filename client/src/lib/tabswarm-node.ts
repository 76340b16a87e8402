import type { DhtOptions } from '../../../shared/dht/index.js';
import { splitRelativePath } from '../../../shared/files/share-layout.js';
import type { Identity } from '../../../shared/identity/index.js';
import type { Random } from '../../../shared/random.js';
import type { FilePieceReader } from '../adapters/file-reader.js';
import type { FileSaver } from '../adapters/file-saver.js';
import type { PeerLinkFactory } from '../adapters/peer-link.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore } from '../adapters/piece-store.js';
import type { SignalingSocketFactory } from '../adapters/signaling-socket.js';
import type { NodeView, Notice } from '../app/status.js';
import { TabNode } from '../app/tab-node.js';
import { Emitter } from '../util/emitter.js';
import { Transfer } from './transfer-handle.js';
import type { StorageManagerLike } from '../app/storage-status.js';

/** Options every node takes, whatever it runs in. */
export interface NodeOptions {
  /** The signaling server's WebSocket URL, e.g. `wss://swarm.example.org/signal`. */
  server: string;
  /** More signaling servers of the same deployment: a lost connection moves on to the next one. */
  moreServers?: string[];
  /** STUN/TURN servers used besides those the server hands out. */
  iceServers?: RTCIceServer[];
  /** More trackers every magnet this node makes lists (and the node announces to). */
  trackers?: string[];
  /** Ask the server's tracker for swarm peers (default true); the DHT is always used. */
  useTracker?: boolean;
  /** Live WebRTC connections at most (default 40). */
  connectionBudget?: number;
  /** Upload cap in bytes per second (default none). */
  uploadLimit?: number;
  /** Upload cap in bytes per second over links through a TURN relay (default none). */
  relayUploadLimit?: number;
  /** How long a magnet link may wait for its metadata before an error is reported (default 30 s). */
  metadataPatienceMs?: number;
  /** Overrides of the DHT's defaults (k, connection targets, timeouts...). */
  dht?: Partial<DhtOptions>;
  /** Storage figures and persistence (`navigator.storage` in a page); asked when a person first shares. */
  storage?: StorageManagerLike;
}

/** The I/O a node is built from: one adapter per edge (see client/src/adapters/). */
export interface NodeAdapters {
  /** The node's key pair; its peer id is derived from it. */
  identity: Identity;
  random: Random;
  store: PieceStore;
  hasher: PieceHasher;
  reader: FilePieceReader;
  saver: FileSaver;
  links: PeerLinkFactory;
  sockets: SignalingSocketFactory;
  /** Called once by `destroy()`, after the node has stopped (e.g. to give back the identity). */
  release?: () => Promise<void>;
}

/** Events of a {@link TabswarmNode}. */
export type NodeEvents = {
  /** Anything changed: transfers, links, the server connection. */
  change: () => void;
  /** A transfer has every piece verified and stored. */
  complete: (transfer: Transfer) => void;
  /** Something a person should be told (errors, warnings). */
  notice: (notice: Notice) => void;
};

type Listener<E extends keyof NodeEvents> = NodeEvents[E];

/**
 * A tabswarm peer: shares files, downloads magnet links and .torrent files, finds peers through
 * the server's tracker and the DHT, and keeps pieces in its store. Built by `createNode` (browser
 * defaults) or {@link createNodeWith} (adapters of your own, e.g. in Node).
 */
export class TabswarmNode {
  /** This node's 20-byte id as 40 hex: its BitTorrent peer id, DHT node id and signaling name. */
  readonly peerId: string;
  /** Resolves once transfers kept in the store have been resumed. */
  readonly ready: Promise<void>;
  /** The app layer underneath, for what the facade does not cover (the page's UI uses it). */
  readonly engine: TabNode;
  private readonly handles = new Map<string, Transfer>();
  /** `complete` carries a Transfer handle, so it is the facade's own event; the rest are the engine's. */
  private readonly completions = new Emitter<Pick<NodeEvents, 'complete'>>();
  private destroyed: Promise<void> | undefined;

  constructor(
    options: NodeOptions,
    private readonly adapters: NodeAdapters,
  ) {
    const { release: _release, ...io } = adapters;
    this.engine = new TabNode({
      ...io,
      serverUrl: options.server,
      ...(options.moreServers ? { moreServerUrls: options.moreServers } : {}),
      ...(options.storage ? { storage: options.storage } : {}),
      // Every magnet lists the server (a tabswarm and a WebTorrent tracker), then the others.
      trackers: [options.server, ...(options.trackers ?? [])],
      ...(options.iceServers ? { iceServers: options.iceServers } : {}),
      ...(options.useTracker !== undefined ? { useTracker: options.useTracker } : {}),
      ...(options.connectionBudget ? { connectionBudget: options.connectionBudget } : {}),
      ...(options.uploadLimit ? { uploadLimit: options.uploadLimit } : {}),
      ...(options.relayUploadLimit ? { relayUploadLimit: options.relayUploadLimit } : {}),
      ...(options.metadataPatienceMs !== undefined ? { metadataPatienceMs: options.metadataPatienceMs } : {}),
      ...(options.dht ? { dht: options.dht } : {}),
    });
    this.peerId = this.engine.peerId;
    this.engine.on('change', () => {
      for (const handle of this.handles.values()) handle.changed();
    });
    this.engine.on('complete', (infoHash) => {
      const handle = this.handle(infoHash);
      handle.completed();
      this.completions.emit('complete', handle);
    });
    this.ready = this.engine.start();
  }

  /**
   * Shares `data` (a File, Blob or bytes): hashes it, stores its pieces, announces it. Resolves
   * with its transfer once the magnet link is known (pieces are served from `data` meanwhile).
   */
  async seed(data: Blob | Uint8Array, opts: { name?: string; trackers?: string[] } = {}): Promise<Transfer> {
    const blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>]);
    const name = opts.name ?? ((data as File).name || 'file');
    const { infoHash } = await this.engine.seed(blob, name, opts.trackers ?? []);
    return this.handle(infoHash);
  }

  /**
   * Shares several files as one multi-file torrent (BEP 3 `files`): `path` is each file's place
   * in the share, `/`-separated (`photos/a.jpg`). Named after the folder they all sit in, else
   * `opts.name`, else after the first file.
   */
  async seedFiles(
    files: readonly { path: string; data: Blob | Uint8Array }[],
    opts: { name?: string; trackers?: string[] } = {},
  ): Promise<Transfer> {
    const shared = files.map((f) => ({ path: splitRelativePath(f.path), file: f.data }));
    const { infoHash } = await this.engine.seedFiles(shared, opts.name, opts.trackers ?? []);
    return this.handle(infoHash);
  }

  /**
   * Downloads what a magnet link (or `page#magnet:...`) names, or a .torrent file given as bytes
   * or a Blob. Resolves with its transfer at once; `transfer.done()` waits for the last piece.
   */
  async download(source: string | Uint8Array | Blob): Promise<Transfer> {
    if (typeof source === 'string') return this.handle((await this.engine.download(source)).infoHash);
    const bytes = source instanceof Blob ? new Uint8Array(await source.arrayBuffer()) : source;
    return this.handle((await this.engine.openTorrentFile(bytes)).infoHash);
  }

  /**
   * The transfer of `infoHash` (40 hex). Its status is undefined until this node has it, so an
   * app may wait on a transfer it is about to start.
   */
  transfer(infoHash: string): Transfer {
    return this.handle(infoHash);
  }

  /** Every transfer this node has, resumed ones included. */
  transfers(): Transfer[] {
    return this.engine.transfers.all().map((host) => this.handle(host.infoHashHex));
  }

  /** A snapshot of the whole node: server, links, DHT, transfers, notices. */
  status(): NodeView {
    return this.engine.view();
  }

  on<E extends keyof NodeEvents>(event: E, listener: Listener<E>): this {
    if (event === 'complete') this.completions.on('complete', listener as Listener<'complete'>);
    else this.engine.on(event as 'change' | 'notice', listener as never);
    return this;
  }

  off<E extends keyof NodeEvents>(event: E, listener: Listener<E>): this {
    if (event === 'complete') this.completions.off('complete', listener as Listener<'complete'>);
    else this.engine.off(event as 'change' | 'notice', listener as never);
    return this;
  }

  /**
   * Stops everything: tells the server and peers (links closed, swarms left), closes the
   * transfers and gives the identity back. Stored pieces stay, and verified pieces still waiting
   * for the store are written before this resolves (a failed write is a notice, not a rejection),
   * so a resume fetches none of them again. Idempotent.
   */
  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      await this.ready.catch(() => {});
      await this.engine.stop();
      await this.adapters.release?.();
    })();
    return this.destroyed;
  }

  private handle(infoHash: string): Transfer {
    let handle = this.handles.get(infoHash);
    if (handle === undefined) {
      handle = new Transfer(this.engine, infoHash);
      this.handles.set(infoHash, handle);
    }
    return handle;
  }
}

/** A node built from the adapters given: the way to run tabswarm outside a page (Node, tests). */
export function createNodeWith(options: NodeOptions, adapters: NodeAdapters): TabswarmNode {
  return new TabswarmNode(options, adapters);
}
