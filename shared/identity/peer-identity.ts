import { ed25519 } from '@noble/curves/ed25519.js';
import { sha1 } from '../sha1.js';

/** Bytes of an Ed25519 secret key (the RFC 8032 seed). */
export const SECRET_KEY_BYTES = 32;
/** Bytes of an Ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32;
/** Bytes of a peer id (BitTorrent peer id, DHT node id, signaling name). */
export const PEER_ID_BYTES = 20;

/**
 * A tab's identity: an Ed25519 key pair and the peer id derived from it. The id is the one
 * place the derivation lives: **peerId = SHA-1(publicKey)** (the 32-byte RFC 8032 encoding).
 * SHA-1 because ids are 20 bytes everywhere (BitTorrent peer ids, Kademlia's 160-bit space);
 * only second-preimage resistance matters here (finding another key for a given id), which
 * SHA-1 still has. So whoever shows the public key and a signature by its secret key holds the
 * id, and anyone can check that from the id alone.
 */
export interface Identity {
  /** The 32-byte Ed25519 secret key (seed). Never leaves the tab. */
  readonly secretKey: Uint8Array;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** SHA-1 of `publicKey`: 20 bytes. */
  readonly peerId: Uint8Array;
}

/** The peer id a public key owns: SHA-1 of its 32 bytes. */
export function peerIdOf(publicKey: Uint8Array): Uint8Array {
  return sha1(publicKey);
}

/**
 * The identity of a secret key. Key generation is this function applied to 32 fresh random
 * bytes from the host (shared/ draws no randomness of its own); a stored key is read back the
 * same way. Throws RangeError if `secretKey` is not 32 bytes.
 */
export function identityFromSecretKey(secretKey: Uint8Array): Identity {
  if (secretKey.length !== SECRET_KEY_BYTES)
    throw new RangeError(`an Ed25519 secret key is ${SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
  const secret = Uint8Array.from(secretKey); // a copy: the caller's buffer may be reused
  const publicKey = ed25519.getPublicKey(secret);
  return { secretKey: secret, publicKey, peerId: peerIdOf(publicKey) };
}
