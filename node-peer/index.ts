/**
 * tabswarm in Node (`tabswarm/node`): the same engine as a tab's over `@roamhq/wrtc`, with the
 * signaling server over `ws`, pieces written in place on disk and identity keys in files.
 */
export { createNodePeer, type NodePeer, type NodePeerOptions } from './create-node-peer.js';
export { FsPieceStore, type FsPieceStoreOptions } from './fs-piece-store.js';
export { fsIdentityStore, FsKeySlots, FsSlotLocks } from './fs-identity-store.js';
export { inPlaceSaver } from './in-place-saver.js';
export { SUPER_PEER_OPTIONS } from './super-peer.js';
export * from '../client/src/lib/index.js';
