import type { Random } from '../random.js';

/** The picker's vocabulary: peers, block requests, piece states, options and answers. */

/** A peer's identity inside a swarm (the transport's key for the connection). */
export type PeerKey = string;

/** One block to request. */
export interface BlockRequest {
  index: number;
  begin: number;
  length: number;
}

/** Where a piece stands, as shown on the piece map. */
export type PieceState = 'have' | 'verifying' | 'downloading' | 'missing';

/** Options for `PiecePicker` (piece-picker.ts). */
export interface PiecePickerOptions {
  pieceCount: number;
  pieceLength: number;
  /** Total content length (the last piece is shorter). */
  length: number;
  random: Random;
  /** Pieces already stored. */
  have?: readonly boolean[];
  /** Block size (default BLOCK_SIZE). */
  blockSize?: number;
  /**
   * Bytes of started pieces (being received, verified or stored) past which no new piece is
   * started (default unbounded; the swarm passes RECEIVE_BUFFER_BUDGET). One piece always may be.
   */
  budgetBytes?: number;
}

/** What `PiecePicker.received` found. */
export interface ReceivedResult {
  /** The block was wanted (not a duplicate or stray) and is now recorded. */
  accepted: boolean;
  /** Every block of the piece is in: hand it to verification. */
  pieceComplete: boolean;
  /** Other peers that had the same block requested (endgame): send them a cancel. */
  cancel: PeerKey[];
}

/** Block bookkeeping of a piece being downloaded (the picker's own state). */
export interface PartialPiece {
  index: number;
  blocks: number;
  received: Uint8Array;
  receivedCount: number;
  /** Peers with a request out for each block; empty arrays when none. */
  requesters: PeerKey[][];
  /** Blocks neither received nor requested from anyone. */
  unrequested: number;
  /** A piece that failed before is fetched from one peer only, so a liar is exposed. */
  owner: PeerKey | undefined;
}
