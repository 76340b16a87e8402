import { bytesEqual } from '../bytes.js';
import { domainMessage, peerIdOf, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../identity/index.js';
import type { KeySigner } from '../identity/index.js';

/**
 * Domain of the signature on an overlay signal. Its own domain, so a signature made to register
 * with the server (or for any later purpose) is never accepted as a signal's, and back.
 */
export const SIGNAL_DOMAIN = 'tabswarm-signal';

/** Signs for the node with its identity's key (the tab passes `identitySigner(identity)`). */
export type DhtSigner = KeySigner;

/** Whether `signature` is `publicKey`'s signature of `message`; never throws (shared/identity `verify`). */
export type DhtVerifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** The proof fields a `signal` query carries: the origin's public key and its signature. */
export interface SignalProof {
  /** The origin's 32-byte public key. */
  k: Uint8Array;
  /** Signature of {@link signalProofMessage} (64 bytes). */
  sig: Uint8Array;
}

/**
 * The signed bytes: `"tabswarm-signal" 0x00 || origin (20) || destination (20) || payload`. The
 * ids are fixed-length, so the payload needs no length prefix. The destination is bound so that
 * a signal captured on the way cannot be handed to another tab as if meant for it.
 */
export function signalProofMessage(
  origin: Uint8Array,
  destination: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  return domainMessage(SIGNAL_DOMAIN, origin, destination, payload);
}

/**
 * Proves and checks the origin of overlay signals for one node. A relayed query names an origin
 * any hop on its route could have made up; a signal acted on (a WebRTC link opened to whoever it
 * names) must come from that origin, so it carries the origin's key and signature. Without a
 * signer the node sends signals bare; without a verifier it takes them unchecked (both as
 * before); with a verifier it takes none without a valid proof.
 */
export class SignalAuth {
  constructor(
    private readonly own: Uint8Array,
    private readonly signer?: DhtSigner,
    private readonly verifier?: DhtVerifier,
  ) {}

  /** The proof fields for a signal to `destination`, or none without a signer. */
  prove(destination: Uint8Array, payload: Uint8Array): SignalProof | Record<string, never> {
    if (!this.signer) return {};
    const sig = this.signer.sign(signalProofMessage(this.own, destination, payload));
    return { k: this.signer.publicKey, sig };
  }

  /**
   * Why a signal from `origin` (the id the query and its route claim) is not proven, or
   * undefined if it is, or if this node checks no proofs.
   */
  problem(origin: Uint8Array, payload: Uint8Array, k?: Uint8Array, sig?: Uint8Array): string | undefined {
    if (!this.verifier) return undefined;
    if (k === undefined || sig === undefined) return 'signal without its origin’s key and signature';
    if (k.length !== PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES)
      return 'signal proof of the wrong size';
    if (!bytesEqual(peerIdOf(k), origin)) return 'signal key is not the key of its claimed origin';
    if (!this.verifier(sig, signalProofMessage(origin, this.own, payload), k))
      return 'signal signature does not sign its origin, this node and the payload';
    return undefined;
  }
}
