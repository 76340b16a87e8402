import { concatBytes } from '../shared/bytes.js';
import type { DhtSigner, DhtVerifier } from '../shared/dht/origin-proof.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, peerIdOf } from '../shared/identity/index.js';
import type { Random } from '../shared/random.js';
import { sha1 } from '../shared/sha1.js';

/**
 * A stand-in for Ed25519 in the simulator. The simulator measures protocol behaviour (messages,
 * bytes, drops, links), not crypto cost: Ed25519 signs about 1,300 and verifies about 540 signals
 * a second here, and a run at N = 1,000 carries some 32,000 overlay signals (16,000 offers and
 * their answers), which would add about 85 s to a 90 s run. So a node's "key" is 32 random
 * bytes, its id SHA-1 of them as in the tabs (the node checks that binding itself), and its
 * "signature" SHA-1(key || message) padded to 64 bytes: as large as a real one, checked the same
 * way, but made by anyone who knows the key. No simulated node forges signals, so nothing relies
 * on that.
 */
export interface SimKey {
  /** The node id: SHA-1 of the key, as a tab's id is SHA-1 of its public key. */
  readonly id: Uint8Array;
  readonly signer: DhtSigner;
}

/** A fresh stand-in key pair (32 bytes from `random`). */
export function simKey(random: Random): SimKey {
  const publicKey = random.bytes(PUBLIC_KEY_BYTES);
  return {
    id: peerIdOf(publicKey),
    signer: { publicKey, sign: (message) => simSignature(publicKey, message) },
  };
}

/** The stand-in verifier: recomputes the stand-in signature. */
export const simVerifier: DhtVerifier = (signature, message, publicKey) => {
  const expected = simSignature(publicKey, message);
  return signature.length === SIGNATURE_BYTES && expected.every((b, i) => b === signature[i]);
};

function simSignature(publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(sha1(concatBytes([publicKey, message])));
  return out;
}
