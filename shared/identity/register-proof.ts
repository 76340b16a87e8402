import { bytesEqual, fromHex, toHex } from '../bytes.js';
import { peerIdOf, type Identity } from './peer-identity.js';
import { domainMessage, sign, verify } from './signatures.js';

/** Domain of the signature that proves a peer id to the signaling server. */
export const REGISTER_DOMAIN = 'tabswarm-register';
/** Bytes of the server's challenge nonce. */
export const NONCE_BYTES = 32;

/** What a tab adds to `register` to prove it holds its id's key (hex, as on the wire). */
export interface RegisterProof {
  /** The 32-byte Ed25519 public key whose SHA-1 is the peer id (64 hex). */
  publicKey: string;
  /** Signature of {@link registerProofMessage} (128 hex). */
  signature: string;
}

/** Why a proof was refused: the field at fault and a sentence for people. */
export interface ProofProblem {
  field: 'publicKey' | 'signature';
  reason: string;
}

/** The signed bytes: `"tabswarm-register" 0x00 || nonce (32) || peerId (20)`. */
export function registerProofMessage(nonce: Uint8Array, peerId: Uint8Array): Uint8Array {
  return domainMessage(REGISTER_DOMAIN, nonce, peerId);
}

/** Proves `identity`'s id against the server's challenge `nonceHex`. */
export function proveRegister(identity: Identity, nonceHex: string): RegisterProof {
  const nonce = fromHex(nonceHex);
  if (nonce === undefined) throw new RangeError('the challenge nonce is not hex');
  const signature = sign(identity.secretKey, registerProofMessage(nonce, identity.peerId));
  return { publicKey: toHex(identity.publicKey), signature: toHex(signature) };
}

/**
 * Checks a register proof: `publicKey` must own `peerIdHex` (SHA-1 of the key) and `signature`
 * must sign this socket's `nonceHex` and the id. Undefined when it holds; else the problem.
 * The schema has already checked the hex and lengths; this re-checks rather than trusts them.
 */
export function checkRegisterProof(
  peerIdHex: string,
  nonceHex: string,
  proof: RegisterProof,
): ProofProblem | undefined {
  const peerId = fromHex(peerIdHex);
  const nonce = fromHex(nonceHex);
  const publicKey = fromHex(proof.publicKey);
  const signature = fromHex(proof.signature);
  if (peerId === undefined || nonce === undefined) throw new RangeError('peer id and nonce must be hex');
  if (publicKey === undefined || !bytesEqual(peerIdOf(publicKey), peerId))
    return { field: 'publicKey', reason: `is not the key of ${peerIdHex} (the id is SHA-1 of the key)` };
  if (signature === undefined || !verify(signature, registerProofMessage(nonce, peerId), publicKey))
    return { field: 'signature', reason: 'does not sign this socket’s challenge and the peer id' };
  return undefined;
}
