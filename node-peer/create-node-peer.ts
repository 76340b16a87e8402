import wrtc from '@roamhq/wrtc';
import { openAsBlob } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { WebSocket } from 'ws';
import { ErrorCode, TabswarmError } from '../shared/errors.js';
import { seededRandom } from '../shared/random.js';
import { blobFileReader } from '../client/src/adapters/file-reader.js';
import { createPieceHasher } from '../client/src/adapters/piece-hasher.js';
import { SimplePeerLinkFactory, type WrtcImplementation } from '../client/src/adapters/simple-peer-link.js';
import { WebSocketSignalingSocketFactory } from '../client/src/adapters/websocket-signaling-socket.js';
import { createNodeWith, type NodeOptions, type TabswarmNode } from '../client/src/lib/tabswarm-node.js';
import type { Transfer } from '../client/src/lib/transfer-handle.js';
import { fsIdentityStore } from './fs-identity-store.js';
import { FsPieceStore } from './fs-piece-store.js';
import { inPlaceSaver } from './in-place-saver.js';

/** Options of {@link createNodePeer}. */
export interface NodePeerOptions extends NodeOptions {
  /** Identity keys and what the store knows of each torrent. */
  stateDir: string;
  /** Where downloads are written (default: the current folder). */
  dataDir?: string;
  /** WebRTC for Node (default `@roamhq/wrtc`). */
  wrtc?: WrtcImplementation;
}

/** A tabswarm peer in Node, with the files it seeds and downloads on disk. */
export interface NodePeer {
  node: TabswarmNode;
  store: FsPieceStore;
  /** Seeds a file on disk in place: its pieces are read from it and never copied. */
  seedFile(path: string, opts?: { trackers?: string[] }): Promise<Transfer>;
  /** Seeds a folder on disk in place, subfolders and all, as one multi-file torrent named after it. */
  seedFolder(path: string, opts?: { trackers?: string[] }): Promise<Transfer>;
}

/**
 * The same engine as a tab's, in Node: real WebRTC (`@roamhq/wrtc`), the signaling server over
 * `ws`, pieces written in place by {@link FsPieceStore}, Ed25519 keys in files under `stateDir`.
 */
export async function createNodePeer(opts: NodePeerOptions): Promise<NodePeer> {
  const { stateDir, dataDir = process.cwd(), wrtc: implementation, ...options } = opts;
  const claim = await fsIdentityStore(resolve(stateDir, 'keys')).claim();
  const store = new FsPieceStore({ stateDir: resolve(stateDir, 'store'), dataDir: resolve(dataDir) });
  const node = createNodeWith(options, {
    identity: claim.identity,
    random: seededRandom(randomBytes(4).readUInt32LE(0)),
    store,
    hasher: createPieceHasher(),
    reader: blobFileReader,
    saver: inPlaceSaver,
    links: new SimplePeerLinkFactory({ wrtc: implementation ?? (wrtc as WrtcImplementation) }),
    sockets: new WebSocketSignalingSocketFactory({
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    }),
    release: () => claim.release(),
  });
  return {
    node,
    store,
    async seedFile(path, seedOpts = {}) {
      const full = resolve(path);
      let blob: Blob;
      try {
        blob = await openAsBlob(full);
      } catch (err) {
        throw new TabswarmError(ErrorCode.FileUnreadable, `cannot read ${path}: ${(err as Error).message}`);
      }
      store.placeNext(basename(full), dirname(full));
      return node.seed(blob, { name: basename(full), ...seedOpts });
    },
    async seedFolder(path, seedOpts = {}) {
      const full = resolve(path);
      const files: { path: string; data: Blob }[] = [];
      try {
        for (const entry of await readdir(full, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const onDisk = join(entry.parentPath, entry.name);
          files.push({ path: relative(full, onDisk).split(sep).join('/'), data: await openAsBlob(onDisk) });
        }
      } catch (err) {
        throw new TabswarmError(ErrorCode.FileUnreadable, `cannot read ${path}: ${(err as Error).message}`);
      }
      if (files.length === 0)
        throw new TabswarmError(ErrorCode.InfoInvalid, `${path} holds no file to share`);
      // The torrent is named after the folder, so its files are the folder's own: seeded in place.
      store.placeNext(basename(full), dirname(full));
      return node.seedFiles(files, { name: basename(full), ...seedOpts });
    },
  };
}
