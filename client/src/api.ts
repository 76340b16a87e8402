import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ErrorCode, TabswarmError } from '../../shared/errors.js';
import type { TabNode } from './app/tab-node.js';
import type { TabswarmNode } from './lib/tabswarm-node.js';
import type { NodeView, TransferView } from './app/status.js';

/**
 * `window.tabswarm`: the page's scripting API, for tests and for people driving swarms from
 * the console. Documented in the README. Every method is safe to call before the server answers.
 */
export interface TabswarmApi {
  /** This tab's 20-byte id as 40 hex. */
  readonly peerId: string;
  /** Resolves once stored transfers are resumed (the server may still be connecting). */
  readonly ready: Promise<void>;
  /** Shares bytes or a File under `name`; resolves with the info-hash and magnet link. */
  /** Shares data; `options.trackers` are more trackers its magnet lists and the tab announces to. */
  seed(
    data: Blob | Uint8Array,
    name?: string,
    options?: { trackers?: string[] },
  ): Promise<{ infoHash: string; magnet: string }>;
  /** Starts a download from a magnet link (or `page#magnet:...`). */
  download(magnet: string): Promise<{ infoHash: string }>;
  /** Starts a download from a .torrent file's bytes. */
  openTorrent(torrent: Blob | Uint8Array): Promise<{ infoHash: string }>;
  /** A transfer as a .torrent file (info, announce, announce-list, created by, creation date). */
  torrentFile(infoHash: string): Uint8Array;
  /** A snapshot of the whole tab. */
  status(): NodeView;
  /** A snapshot of one transfer, if known. */
  transfer(infoHash: string): TransferView | undefined;
  /** Resolves when the transfer has every piece verified and stored (rejects after `timeoutMs`). */
  waitForComplete(infoHash: string, timeoutMs?: number): Promise<TransferView>;
  /** SHA-256 (hex) of the completed file, read back piece by piece from storage. */
  sha256(infoHash: string): Promise<string>;
  /** Saves the completed file to disk (download or, with a user gesture, a save dialog). */
  save(infoHash: string): Promise<string>;
  /** Test hook: when true this tab serves corrupted pieces (a hostile peer), to test banning. */
  corruptUploads(enabled: boolean): void;
  /** Turns the server's tracker on or off as a source of swarm peers (the DHT is always used). */
  setTracker(enabled: boolean): void;
  /** DHT operations through the overlay. */
  dht: {
    getPeers(infoHash: string): Promise<string[]>;
    put(value: Uint8Array): Promise<string>;
    get(key: string): Promise<Uint8Array | undefined>;
    findNode(target: string): Promise<{ closest: string[]; rpcs: number; durationMs: number }>;
    /** Finished lookups: kind, latency and RPC count. */
    lookupStats(): { kind: string; durationMs: number; rpcs: number }[];
  };
  /** Subscribes to 'change' | 'complete' | 'notice'. */
  on: TabNode['on'];
  off: TabNode['off'];
}

/** The page's API over the library's node (client/src/lib/), the one an embedding app gets. */
export function createApi(lib: TabswarmNode): TabswarmApi {
  const node = lib.engine;
  const ready = lib.ready;
  return {
    peerId: node.peerId,
    ready,
    seed: (data, name, options) => {
      const blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>]);
      return node.seed(blob, name ?? ((data as File).name || 'file'), options?.trackers ?? []);
    },
    download: (magnet) => node.download(magnet),
    openTorrent: async (torrent) =>
      node.openTorrentFile(torrent instanceof Blob ? new Uint8Array(await torrent.arrayBuffer()) : torrent),
    torrentFile: (infoHash) => node.torrentFile(infoHash).bytes,
    status: () => node.view(),
    transfer: (infoHash) => node.transfer(infoHash),
    waitForComplete: (infoHash, timeoutMs) => lib.transfer(infoHash).done(timeoutMs),
    sha256: async (infoHash) => {
      const t = node.transfer(infoHash);
      if (!t || t.state !== 'seeding')
        throw new TabswarmError(ErrorCode.StorageFailed, 'transfer not complete');
      const parts: Uint8Array[] = [];
      for (let i = 0; i < t.pieceStates.length; i++) {
        const piece = await node.getPiece(infoHash, i);
        if (!piece) throw new TabswarmError(ErrorCode.StorageFailed, `piece ${i} missing`);
        parts.push(piece);
      }
      const bytes = await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer();
      // crypto.subtle exists only in secure contexts; plain http from a LAN address hashes in JS.
      const digest =
        globalThis.crypto?.subtle !== undefined
          ? new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
          : nobleSha256(new Uint8Array(bytes));
      return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    save: (infoHash) => node.save(infoHash),
    corruptUploads: (enabled) => {
      node.corruptUploads = enabled;
    },
    setTracker: (enabled) => {
      node.useTracker = enabled;
    },
    dht: {
      getPeers: (infoHash) => node.dht.getPeers(infoHash),
      put: (value) => node.dht.put(value),
      get: (key) => node.dht.get(key),
      findNode: (target) => node.dht.findNode(target),
      lookupStats: () => [...node.dht.lookupStats],
    },
    on: node.on.bind(node),
    off: node.off.bind(node),
  };
}
