import { bytesEqual } from '../bytes.js';
import { domainMessage, peerIdOf, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../identity/index.js';
import type { KeySigner } from '../identity/index.js';
import { sha1 } from '../sha1.js';
import { verifyKeywordRecord } from '../search/keyword-record.js';
import type { KeywordRecord } from '../search/keyword-record.js';
import { responseBody } from './krpc.js';
import type { KrpcResponseValues } from './krpc.js';

/**
 * Domain of the signature on an overlay signal. Each proof has its own domain, so a signature
 * made for one purpose (registering with the server, a signal, a store) is never accepted for
 * another.
 */
export const SIGNAL_DOMAIN = 'tabswarm-signal';
/** Domain of the signature on an `announce_peer`. */
export const ANNOUNCE_DOMAIN = 'tabswarm-announce';
/** Domain of the signature on a `put`. */
export const PUT_DOMAIN = 'tabswarm-put';
/**
 * Domain of the signature on an answer (of any query, ping included) sent back through relays:
 * the responder proves it holds its id's key and wrote this answer.
 */
export const ANSWER_DOMAIN = 'tabswarm-answer';

/** Signs for the node with its identity's key (the tab passes `identitySigner(identity)`). */
export type DhtSigner = KeySigner;

/** Whether `signature` is `publicKey`'s signature of `message`; never throws (shared/identity `verify`). */
export type DhtVerifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** The proof fields a query carries: the origin's public key and its signature. */
export interface OriginProof {
  /** The origin's 32-byte public key. */
  k: Uint8Array;
  /** Signature of the query's proof message (64 bytes). */
  sig: Uint8Array;
}

/** What is wrong with a proof, after the name of what it proves ("signal", "announce", "put"). */
export const PROOF_PROBLEM = {
  missing: 'without its origin’s key and signature',
  size: 'proof of the wrong size',
  key: 'key is not the key of its claimed origin',
  signature: 'signature does not sign its origin, this node and its content',
} as const;

/** The reason a query is refused: what it is, then its proof's problem. */
export function proofReason(what: string, problem: keyof typeof PROOF_PROBLEM): string {
  return `${what} ${PROOF_PROBLEM[problem]}`;
}

/** The queries that store something at their destination, and so carry a proof of origin. */
export type StoreMethod = 'announce_peer' | 'put';

/**
 * The signed bytes of a signal: `"tabswarm-signal" 0x00 || origin (20) || destination (20) ||
 * payload`. The ids are fixed-length, so the payload needs no length prefix. The destination is
 * bound so that a signal captured on the way cannot be handed to another tab as if meant for it.
 */
export function signalProofMessage(
  origin: Uint8Array,
  destination: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  return domainMessage(SIGNAL_DOMAIN, origin, destination, payload);
}

/**
 * The signed bytes of a store: `domain 0x00 || origin (20) || destination (20) || key (20) ||
 * token`. The key is the info-hash, or SHA-1 of the value put (so the value is bound too); the
 * token is the destination's, issued to the origin for this key minutes ago, so a captured store
 * cannot be replayed elsewhere, and at its destination only while the token lasts.
 */
export function storeProofMessage(
  method: StoreMethod,
  origin: Uint8Array,
  destination: Uint8Array,
  key: Uint8Array,
  token: Uint8Array,
): Uint8Array {
  return domainMessage(method === 'put' ? PUT_DOMAIN : ANNOUNCE_DOMAIN, origin, destination, key, token);
}

/**
 * The signed bytes of an answer: `"tabswarm-answer" 0x00 || responder (20) || asker (20) ||
 * SHA-1 of the body (20) || transaction id`, the body being the answer's `r` without its proof
 * (krpc.ts, responseBody). A relay on the way back can make up an answer (find_node contacts
 * near the target, a ping answer for an origin it made up) but cannot sign for an id whose key it
 * does not hold, nor change a signed answer; the asker and the transaction id bind the answer to
 * one query, so a captured answer proves nothing elsewhere. The transaction id is last and the
 * only part of variable length, so it needs no prefix.
 */
export function answerProofMessage(
  responder: Uint8Array,
  asker: Uint8Array,
  r: KrpcResponseValues,
  t: Uint8Array,
): Uint8Array {
  return domainMessage(ANSWER_DOMAIN, responder, asker, sha1(responseBody(r)), t);
}

/**
 * Proves and checks the origin of the queries a node acts on for their origin: overlay signals
 * (the host opens a WebRTC link to whoever a signal names) and stores (the store keeps the origin
 * as a peer, or charges the value to its share), and the responder of answers that come back
 * through relays. A relayed message names an origin any hop on its route could have made up, so
 * these carry the origin's key and signature. Without a signer the node sends them bare; without
 * a verifier it takes them unchecked (both as before); with a verifier it takes none without a
 * valid proof. Messages over a direct link need none: a link opens only on signals its peer
 * proved (overlay) or sent from a socket registered with its key (server), and those carry the
 * DTLS fingerprint the link is authenticated by.
 */
export class OriginAuth {
  constructor(
    private readonly own: Uint8Array,
    private readonly signer?: DhtSigner,
    private readonly verifier?: DhtVerifier,
  ) {}

  /** The proof fields for a signal to `destination`, or none without a signer. */
  proveSignal(destination: Uint8Array, payload: Uint8Array): OriginProof | Record<string, never> {
    return this.prove(signalProofMessage(this.own, destination, payload));
  }

  /** The proof fields for a store at `destination`, or none without a signer. */
  proveStore(
    method: StoreMethod,
    destination: Uint8Array,
    key: Uint8Array,
    token: Uint8Array,
  ): OriginProof | Record<string, never> {
    return this.prove(storeProofMessage(method, this.own, destination, key, token));
  }

  /** Whether this node signs (it has a signer). */
  get signs(): boolean {
    return this.signer !== undefined;
  }

  /** Whether this node checks proofs (it has a verifier). */
  get checks(): boolean {
    return this.verifier !== undefined;
  }

  /**
   * The proof fields for our answer `r` (its `k` and `sig` ignored) to `asker`'s query `t`, or
   * none without a signer.
   */
  proveAnswer(asker: Uint8Array, t: Uint8Array, r: KrpcResponseValues): OriginProof | Record<string, never> {
    return this.prove(answerProofMessage(this.own, asker, r, t));
  }

  /**
   * Why the answer `r` to our query `t` does not prove that its responder (`r.id`) holds its key
   * and wrote it, or undefined if it does, or if this node checks no proofs.
   */
  answerProblem(t: Uint8Array, r: KrpcResponseValues): string | undefined {
    return this.problem('answer', r.id, () => answerProofMessage(r.id, this.own, r, t), r.k, r.sig);
  }

  /**
   * Why a signal from `origin` (the id the query and its route claim) is not proven, or
   * undefined if it is, or if this node checks no proofs.
   */
  signalProblem(
    origin: Uint8Array,
    payload: Uint8Array,
    k?: Uint8Array,
    sig?: Uint8Array,
  ): string | undefined {
    return this.problem('signal', origin, () => signalProofMessage(origin, this.own, payload), k, sig);
  }

  /** Why a store from `origin` is not proven, or undefined (as {@link signalProblem}). */
  storeProblem(
    method: StoreMethod,
    origin: Uint8Array,
    key: Uint8Array,
    token: Uint8Array,
    k?: Uint8Array,
    sig?: Uint8Array,
  ): string | undefined {
    const what = method === 'put' ? 'put' : 'announce';
    return this.problem(what, origin, () => storeProofMessage(method, origin, this.own, key, token), k, sig);
  }

  /** Whether a keyword record carries its publisher's signature; true when this node checks none. */
  recordVerifies(record: KeywordRecord): boolean {
    return this.verifier === undefined || verifyKeywordRecord(record, this.verifier);
  }

  /** The verifier, if this node checks proofs (search answers check records with it). */
  get recordVerifier(): DhtVerifier | undefined {
    return this.verifier;
  }

  private prove(message: Uint8Array): OriginProof | Record<string, never> {
    if (!this.signer) return {};
    return { k: this.signer.publicKey, sig: this.signer.sign(message) };
  }

  private problem(
    what: string,
    origin: Uint8Array,
    message: () => Uint8Array,
    k?: Uint8Array,
    sig?: Uint8Array,
  ): string | undefined {
    if (!this.verifier) return undefined;
    if (k === undefined || sig === undefined) return proofReason(what, 'missing');
    if (k.length !== PUBLIC_KEY_BYTES || sig.length !== SIGNATURE_BYTES) return proofReason(what, 'size');
    if (!bytesEqual(peerIdOf(k), origin)) return proofReason(what, 'key');
    if (!this.verifier(sig, message(), k)) return proofReason(what, 'signature');
    return undefined;
  }
}
