import type { TransferView } from './status.js';

/** How a file still being hashed shows on the page. */
export function hashingView(key: string, name: string, length: number): TransferView {
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
    resumedPieces: 0,
    hashFailures: 0,
    receivedFrom: {},
  };
}
