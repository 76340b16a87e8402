import { blobFileReader } from '../adapters/file-reader.js';
import { browserFileSaver } from '../adapters/file-saver.js';
import { IdbPieceStore } from '../adapters/idb-piece-store.js';
import { createPieceHasher } from '../adapters/piece-hasher.js';
import { SimplePeerLinkFactory } from '../adapters/simple-peer-link.js';
import { WebSocketSignalingSocketFactory } from '../adapters/websocket-signaling-socket.js';
import { claimIdentity, newRandom } from '../app/identity.js';
import { createNodeWith, type NodeAdapters, type NodeOptions, type TabswarmNode } from './tabswarm-node.js';

/** Options of {@link createNode}: the node's options, and any adapter to use instead of the browser's. */
export type CreateNodeOptions = NodeOptions & Partial<NodeAdapters>;

/**
 * A tabswarm node in a web page, with the browser's adapters unless given others: pieces in
 * IndexedDB, WebRTC through simple-peer, the signaling server over a WebSocket, and an Ed25519
 * identity from a small IndexedDB pool (a reloaded page gets its id back).
 *
 * ```ts
 * const node = await createNode({ server: 'wss://swarm.example.org/signal' });
 * const shared = await node.seed(file);            // shared.magnet
 * const got = await node.download(magnet);
 * got.on('progress', (s) => console.log(s.progress));
 * const blob = await (await got.done()).blob();
 * ```
 */
export async function createNode(options: CreateNodeOptions): Promise<TabswarmNode> {
  let { identity, release } = options;
  if (identity === undefined) {
    const claim = await claimIdentity();
    identity = claim.identity;
    const previous = release;
    release = async () => {
      await previous?.();
      await claim.release();
    };
  }
  return createNodeWith(options, {
    identity,
    random: options.random ?? newRandom(),
    store: options.store ?? new IdbPieceStore(),
    hasher: options.hasher ?? createPieceHasher(),
    reader: options.reader ?? blobFileReader,
    saver: options.saver ?? browserFileSaver,
    links: options.links ?? new SimplePeerLinkFactory(),
    sockets: options.sockets ?? new WebSocketSignalingSocketFactory(),
    ...(release ? { release } : {}),
  });
}
