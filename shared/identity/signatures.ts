import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, utf8 } from '../bytes.js';
import { PUBLIC_KEY_BYTES } from './peer-identity.js';

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/**
 * What is signed for one purpose: the UTF-8 `domain`, a zero byte, then `parts` as they are.
 * The domain keeps a signature made for one purpose (registering with the server) from being
 * accepted for another (a DHT message, later); the zero byte ends the domain, so no domain is a
 * prefix of another's message. Parts should be fixed-length, or length-prefixed by the caller.
 */
export function domainMessage(domain: string, ...parts: Uint8Array[]): Uint8Array {
  return concatBytes([utf8(domain), new Uint8Array(1), ...parts]);
}

/** Signs `message` with a 32-byte Ed25519 secret key (deterministic: no randomness needed). */
export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}

/**
 * Whether `signature` is `publicKey`'s signature of `message`. Strict RFC 8032 checks (no
 * ZIP-215 leniency), and never throws: a malformed key or signature is simply not valid.
 */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
