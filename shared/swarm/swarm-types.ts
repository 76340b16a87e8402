import type { ErrorCode } from '../errors.js';
import type { InfoDictionary } from '../info-dictionary.js';
import type { Random } from '../random.js';
import type { PeerKey, PieceState } from './piece-picker.js';

export type { PeerKey, PieceState } from './piece-picker.js';

/** Options for a {@link Swarm} (one torrent, many peers). */
export interface SwarmOptions {
  /** The torrent's 20-byte info-hash. */
  infoHash: Uint8Array;
  /** Our 20-byte BitTorrent peer id. */
  peerId: Uint8Array;
  random: Random;
  /** The info dictionary, if known (a seed, or a resumed download). Without it, it is fetched over ut_metadata. */
  info?: InfoDictionary;
  /** The bencoded info dictionary, to serve ut_metadata requests (and parsed if `info` is absent). */
  infoBytes?: Uint8Array;
  /** Pieces already stored and trusted; never requested again. */
  have?: readonly boolean[];
  /**
   * Only these files (positions in the info dictionary's `files`) are downloaded; default all.
   * Kept until the info dictionary is known. See Swarm.selectFiles.
   */
  selectedFiles?: readonly number[];
  /**
   * Regular upload slots of the choker (default UPLOAD_SLOTS, 4; one optimistic unchoke comes on top, and idle
   * unchoked peers lend theirs). With a host that reports `drained`, unchoked peers are served in
   * turns of a piece, so more slots do not split the uplink thinner.
   */
  uploadSlots?: number;
  /** Most connected peers; more are closed with CONNECTION_BUDGET (default 30). */
  maxPeers?: number;
  /** Fixed number of outstanding block requests per peer; default adapts to the peer's rate. */
  requestPipeline?: number;
  /**
   * A seed from the start announces pieces to each peer a few at a time, least given out first,
   * until every piece has reached some peer (default true; see InitialSeeding).
   */
  initialSeeding?: boolean;
  /**
   * Bytes of pieces being received, verified or stored past which no new piece is requested
   * (default RECEIVE_BUFFER_BUDGET). The host answers `pieceVerified` once a piece is written, so
   * a store that falls behind holds requests back.
   */
  receiveBudget?: number;
  /** Bytes of whole pieces cached in memory for serving (default max(16 MiB, 2 pieces)). */
  cacheBytes?: number;
  /** Client name sent in the extension handshake. */
  client?: string;
}

/** What the host must do, taken with `Swarm.poll()`. Hosts execute outputs in order. */
export type SwarmOutput =
  /** Write `data` to the peer's data channel (a byte stream; chunks are at most SEND_CHUNK_SIZE). */
  | { type: 'send'; peer: PeerKey; data: Uint8Array }
  /** Close the peer's connection; the swarm has already forgotten it. */
  | { type: 'close'; peer: PeerKey; code: ErrorCode; reason: string }
  /** The info dictionary arrived over ut_metadata and hashes to the info-hash. */
  | { type: 'metadata'; info: InfoDictionary; infoBytes: Uint8Array }
  /**
   * Piece `index` is fully downloaded: hash it (WebCrypto) against the info dictionary and call
   * `pieceVerified`. On success the host stores `data` first. The swarm keeps using `data`
   * (upload cache, smart ban): do not transfer or modify it.
   */
  | { type: 'verify'; index: number; data: Uint8Array }
  /** Load piece `index` from storage and call `pieceData` (with undefined if it is not there). */
  | { type: 'read'; index: number }
  | { type: 'event'; event: SwarmEvent };

/** Things worth telling the page about. */
export type SwarmEvent =
  /** The BitTorrent handshake with a peer completed. */
  | { type: 'peer-connected'; peer: PeerKey; peerId: Uint8Array }
  | { type: 'piece-verified'; index: number }
  /** A piece failed its hash and will be downloaded again; `peers` supplied its blocks. */
  | { type: 'piece-failed'; index: number; peers: PeerKey[] }
  /** Storage no longer had a piece marked stored; it will be downloaded again. */
  | { type: 'piece-lost'; index: number }
  /** Every wanted piece is verified (every piece, unless files were chosen). */
  | { type: 'complete' }
  /** A peer sent corrupt data and is banned from this swarm for good. */
  | { type: 'peer-banned'; peer: PeerKey; reason: string }
  /**
   * Metadata from peers did not hash to the info-hash (it is fetched again), or is unusable.
   * `peer` is set when one peer is proven to have sent it (it is banned).
   */
  | { type: 'metadata-invalid'; reason: string; peer?: PeerKey };

/** One peer as the page shows it. */
export interface PeerStatus {
  peer: PeerKey;
  /** Hex peer id, once the handshake arrived. */
  peerId?: string;
  /** Client name from the extension handshake. */
  client?: string;
  handshake: boolean;
  connectedAt: number;
  /** We choke the peer / we are interested in it. */
  amChoking: boolean;
  amInterested: boolean;
  /** The peer chokes us / is interested in us. */
  peerChoking: boolean;
  peerInterested: boolean;
  /** This peer holds our optimistic unchoke. */
  optimistic: boolean;
  /** The peer unchokes us but has sent nothing for a long time. */
  snubbed: boolean;
  /** Pieces the peer has. */
  pieces: number;
  /** Payload bytes/s from the peer and to it. */
  downloadRate: number;
  uploadRate: number;
  downloaded: number;
  uploaded: number;
  /** Our outstanding block requests to the peer, and its queued requests to us. */
  requestsOut: number;
  requestsIn: number;
}

/** A snapshot for the page. */
export interface SwarmStatus {
  infoHash: string;
  /** The info dictionary is known. */
  metadata: boolean;
  /** Bytes of metadata pieces held while fetching it (at most METADATA_BUFFER_BUDGET). */
  metadataBuffered: number;
  /** Bytes of pieces started and not yet stored (at most the receive budget, or one piece). */
  receiveBuffered: number;
  name?: string;
  length?: number;
  pieceLength?: number;
  pieceCount: number;
  /** Per piece: have / verifying / downloading / missing (empty before metadata). */
  pieces: PieceState[];
  /** Per piece: how many connected peers have it. */
  availability: number[];
  haveCount: number;
  /** Verified bytes stored. */
  verifiedBytes: number;
  /** Every piece is stored (a seed). */
  complete: boolean;
  /** Every wanted piece is stored (see Swarm.setWanted). */
  finished: boolean;
  endgame: boolean;
  downloadRate: number;
  uploadRate: number;
  /** Payload bytes in and out, this session. */
  downloaded: number;
  uploaded: number;
  /** Payload bytes received that were not needed (duplicates, strays, failed pieces). */
  wasted: number;
  peers: PeerStatus[];
  banned: PeerKey[];
}
