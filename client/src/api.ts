import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ErrorCode, TabswarmError } from '../../shared/errors.js';
import type { TabNode } from './app/tab-node.js';
import type { TabswarmNode } from './lib/tabswarm-node.js';
import type { NodeView, TransferView } from './app/status.js';
import { sharedFilesOf, type SharedFile } from './app/folder-share.js';
import type { DirectoryHandle } from './adapters/folder-saver.js';
import { splitRelativePath } from '../../shared/files/share-layout.js';
import type { SearchView } from './app/search.js';
import type { SearchResult } from '../../shared/search/search-results.js';

/**
 * `window.tabswarm`: the page's scripting API, for tests and for people driving swarms from
 * the console. Documented in the README. Every method is safe to call before the server answers.
 */
export interface TabswarmApi {
  /** This tab's 20-byte id as 40 hex. */
  readonly peerId: string;
  /** Resolves once stored transfers are resumed (the server may still be connecting). */
  readonly ready: Promise<void>;
  /**
   * Shares bytes or a File under `name`, or several files as one multi-file torrent (a list of
   * `{ path, data }` with `/`-separated relative paths, or Files with `webkitRelativePath`): the
   * folder they share is its name, else `name`. `options.trackers` are more trackers its magnet
   * lists and the tab announces to. Resolves with the info-hash and magnet link.
   * `options.listInSearch` lists it in search under `options.title` (default: the name).
   */
  seed(
    data: Blob | Uint8Array | readonly (SeedEntry | File)[],
    name?: string,
    options?: { trackers?: string[]; listInSearch?: boolean; title?: string },
  ): Promise<{ infoHash: string; magnet: string }>;
  /** Starts a download from a magnet link (or `page#magnet:...`); `options.files`: only those files. */
  download(magnet: string, options?: { files?: number[] }): Promise<{ infoHash: string }>;
  /** Downloads only the files at `fileIndexes` of a transfer (null: all); kept across reloads. */
  select(infoHash: string, fileIndexes: number[] | null): Promise<void>;
  /** The bytes of file `index` of a transfer, read from verified pieces (its pieces must be stored). */
  readFile(infoHash: string, index: number): Promise<Uint8Array>;
  /**
   * Searches files listed by any tab; resolves the final view (results ranked, peers counted).
   * The view while it runs is `status().search` (each update fires 'change').
   */
  search(query: string): Promise<SearchView>;
  /** Lists a shared file in search now; resolves its keywords and how many nodes stored them. */
  list(infoHash: string, title: string): Promise<{ keywords: string[]; stored: number }>;
  /** A magnet link for a search result (what a click on it opens). */
  magnetOf(result: SearchResult): string;
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
  /**
   * Saves the completed file to disk (download or, with a user gesture, a save dialog); the chosen
   * files of a multi-file torrent go with their folders into `directory` (any
   * FileSystemDirectoryHandle, e.g. `await navigator.storage.getDirectory()`), else as downloads.
   */
  save(infoHash: string, directory?: DirectoryHandle): Promise<string>;
  /** Pauses a transfer (a finished file stops being shared); kept across reloads. */
  pause(infoHash: string): Promise<void>;
  /** Resumes a paused transfer. */
  resume(infoHash: string): Promise<void>;
  /** Removes a transfer and deletes its pieces from this browser's storage. */
  remove(infoHash: string): Promise<void>;
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

/** One file of a multi-file share: its path relative to what is shared (`folder/sub/name`), and its bytes. */
export interface SeedEntry {
  path: string;
  data: Blob | Uint8Array;
}

const toBlob = (data: Blob | Uint8Array): Blob =>
  data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>]);

/** The page's API over the library's node (client/src/lib/), the one an embedding app gets. */
export function createApi(lib: TabswarmNode): TabswarmApi {
  const node = lib.engine;
  const ready = lib.ready;
  return {
    peerId: node.peerId,
    ready,
    seed: (data, name, options) => {
      const trackers = options?.trackers ?? [];
      if (Array.isArray(data)) {
        const files = (data as readonly (SeedEntry | File)[]).map((e) =>
          e instanceof File
            ? (sharedFilesOf([e])[0] as SharedFile)
            : { path: splitRelativePath(e.path), file: e.data },
        );
        return node.seedFiles(files, name, trackers, options);
      }
      const single = data as Blob | Uint8Array;
      return node.seed(toBlob(single), name ?? ((single as File).name || 'file'), trackers, options);
    },
    download: (magnet, options) => node.download(magnet, options?.files ? { files: options.files } : {}),
    select: (infoHash, fileIndexes) => node.select(infoHash, fileIndexes ?? undefined),
    readFile: (infoHash, index) => node.readFile(infoHash, index),
    search: (query) => node.search.search(query),
    list: (infoHash, title) => {
      const t = node.transfer(infoHash);
      if (!t) return Promise.reject(new TabswarmError(ErrorCode.TransferUnknown, `no transfer ${infoHash}`));
      const fileNames = t.files ? t.files.map((f) => f.path.split('/').pop() ?? '') : [t.name];
      return node.search.list({ infoHash, title, size: t.length, files: fileNames.length, fileNames });
    },
    magnetOf: (result) => node.search.magnetOf(result),
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
    save: (infoHash, directory) => node.save(infoHash, directory ? { directory } : {}),
    pause: (infoHash) => node.pause(infoHash),
    resume: (infoHash) => node.resume(infoHash),
    remove: (infoHash) => node.remove(infoHash),
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
