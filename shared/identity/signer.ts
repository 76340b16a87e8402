import type { Identity } from './peer-identity.js';
import { sign } from './signatures.js';

/** Something that signs with one key and shows its public half (what the DHT node is given). */
export interface KeySigner {
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The 64-byte Ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * A signer over `identity`'s key, so a part that signs (the DHT node) is handed the ability and
 * never holds the secret key itself.
 */
export function identitySigner(identity: Identity): KeySigner {
  return { publicKey: identity.publicKey, sign: (message) => sign(identity.secretKey, message) };
}
