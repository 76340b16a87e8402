import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';

/**
 * SHA-1, synchronous and pure (no WebCrypto), for info-hashes, DHT keys and the simulator.
 * The browser hashes file pieces with WebCrypto where it exists (client/), falling back to this.
 */
export function sha1(data: Uint8Array): Uint8Array {
  return nobleSha1(data);
}
