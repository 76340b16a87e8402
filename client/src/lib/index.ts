/**
 * tabswarm as a library: a peer of the tabswarm network (BitTorrent over WebRTC, a Kademlia DHT
 * between peers) for any web app. `createNode` gives a node with the browser's adapters;
 * `createNodeWith` takes adapters of your own (the in-memory twins for tests, or Node's).
 */
export { createNode, type CreateNodeOptions } from './create-node.js';
export {
  createNodeWith,
  TabswarmNode,
  type NodeAdapters,
  type NodeEvents,
  type NodeOptions,
} from './tabswarm-node.js';
export { Transfer, DEFAULT_DONE_TIMEOUT_MS, type TransferEvents } from './transfer-handle.js';
export type { NodeView, Notice, PeerView, TransferState, TransferView } from '../app/status.js';
export { ErrorCode, TabswarmError, isTabswarmError } from '../../../shared/errors.js';
export { identityFromSecretKey, type Identity } from '../../../shared/identity/index.js';
export { seededRandom, type Random } from '../../../shared/random.js';
export { parseMagnet } from '../../../shared/magnet.js';
// Adapters, for apps that bring their own edges (and their in-memory twins, for tests).
export type { PieceStore, PieceWrite, StoredTorrent, TorrentMetadata } from '../adapters/piece-store.js';
export type { PeerLink, PeerLinkFactory } from '../adapters/peer-link.js';
export type { SignalingSocket, SignalingSocketFactory } from '../adapters/signaling-socket.js';
export type { FilePieceReader } from '../adapters/file-reader.js';
export type { FileSaver, SaveOutcome } from '../adapters/file-saver.js';
export type { PieceHasher } from '../adapters/piece-hasher.js';
export { IdbPieceStore } from '../adapters/idb-piece-store.js';
export { MemoryPieceStore } from '../adapters/memory-piece-store.js';
export { MemoryFileReader } from '../adapters/memory-file-reader.js';
export { MemoryFileSaver } from '../adapters/memory-file-saver.js';
export { MemoryPeerLinkFactory } from '../adapters/memory-peer-link.js';
export { blobFileReader } from '../adapters/file-reader.js';
export { browserFileSaver } from '../adapters/file-saver.js';
export { createPieceHasher } from '../adapters/piece-hasher.js';
export { SimplePeerLinkFactory, type WrtcImplementation } from '../adapters/simple-peer-link.js';
export { WebSocketSignalingSocketFactory } from '../adapters/websocket-signaling-socket.js';
