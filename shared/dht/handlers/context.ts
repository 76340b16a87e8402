import type { Random } from '../../random.js';
import type { KrpcQuery, KrpcResponseValues, Proof } from '../krpc.js';
import type { StoreMethod } from '../origin-proof.js';
import type { NodeId } from '../node-id.js';
import type { DhtStore } from '../store.js';
import type { KeywordRecord } from '../../search/keyword-record.js';
import type { KeywordStore } from '../../search/keyword-store.js';
import type { TokenManager } from '../token-manager.js';

/** What a query handler may read or do; built by the node for each query. */
export interface HandlerContext {
  readonly ownId: Uint8Array;
  readonly now: number;
  /** The asking node (the query's `a.id`, checked against the link or the route). */
  readonly asker: NodeId;
  readonly tokens: TokenManager;
  readonly store: DhtStore;
  /** Keyword records stored at this node (search). */
  readonly keywords: KeywordStore;
  readonly random: Random;
  /** Contacts to return for `target`, closest first; live links of ours, so routes stay short. */
  closestNodes(target: Uint8Array): Uint8Array[];
  /** Passes a WebRTC signal to the host. */
  emitSignal(from: NodeId, payload: Uint8Array): void;
  /**
   * Why a signal from the asker is not proven to come from it (its key `k` and signature `sig`),
   * or undefined if it is or this node checks no proofs (see OriginAuth).
   */
  signalProblem(payload: Uint8Array, proof: Proof): string | undefined;
  /** Why a store of `key` with `token` is not proven to come from the asker (as signalProblem). */
  storeProblem(method: StoreMethod, key: Uint8Array, token: Uint8Array, proof: Proof): string | undefined;
  /** Whether a keyword record's signature is its publisher's (true when this node checks none). */
  recordVerifies(record: KeywordRecord): boolean;
  /** A signal or store was refused for `reason`: counted, and reported as a dropped message. */
  refused(kind: 'signal' | 'store', reason: string): void;
  /** The asker reported its live link count (kept only when it asked over a direct link). */
  noteAskerLinks(count: number): void;
}

/** A handler answers with response values (the node adds `id`) or a KRPC error. */
export type HandlerResult = { r: Omit<KrpcResponseValues, 'id'> } | { e: [number, string] };

export type QueryHandler<N extends KrpcQuery['q']> = (
  query: Extract<KrpcQuery, { q: N }>,
  ctx: HandlerContext,
) => HandlerResult;
