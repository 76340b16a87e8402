import { toHex } from '../bytes.js';
import { ErrorCode, TabswarmError, toTabswarmError } from '../errors.js';
import { parseInfoDictionary } from '../info-dictionary.js';
import type { InfoDictionary } from '../info-dictionary.js';
import type { Random } from '../random.js';
import { encodeExtensionHandshake } from '../wire/extension-handshake.js';
import type { ExtensionHandshake } from '../wire/extension-handshake.js';
import { MetadataAssembler } from '../wire/metadata-assembler.js';
import { PeerWire } from '../wire/peer-wire.js';
import type { PeerWireEvent } from '../wire/peer-wire.js';
import { encodeUtMetadata, metadataPiece, metadataPieceCount, parseUtMetadata } from '../wire/ut-metadata.js';
import { BLOCK_SIZE, MAX_REQUEST_LENGTH } from '../wire/wire-codec.js';
import type { WireMessage } from '../wire/wire-codec.js';
import { Choker } from './choker.js';
import type { ChokeCandidate, ChokeDecision } from './choker.js';
import { InitialSeeding } from './initial-seeding.js';
import { PieceCache } from './piece-cache.js';
import { PiecePicker } from './piece-picker.js';
import type { BlockRequest, PeerKey } from './piece-picker.js';
import { RateMeter } from './rate-meter.js';
import { SOLE_CONTRIBUTOR_STRIKES, SmartBan } from './smart-ban.js';
import type { PeerStatus, SwarmAction, SwarmEvent, SwarmOptions, SwarmStatus } from './swarm-types.js';

export type * from './swarm-types.js';

/** Outgoing bytes per peer are coalesced into data-channel messages of at most this size (fastest measured). */
export const SEND_CHUNK_SIZE = 64 * 1024;
/**
 * Outstanding block requests per peer (slow start, as TCP and libtorrent do): a new peer is asked
 * for INITIAL_PIPELINE blocks; every block it delivers while in slow start opens one more slot
 * (the pipeline doubles per round trip) until the requests cover PIPELINE_SECONDS of the rate
 * measured from it twice over; from then on they track that rate. Never fewer than MIN_PIPELINE,
 * never more than MAX_PIPELINE or the peer's `reqq`. Few requests early keep a fresh peer from
 * claiming pieces before any `have` has arrived; a fast channel between tabs (30+ MB/s) still
 * reaches the 4 MiB cap within a few round trips.
 */
export const INITIAL_PIPELINE = 4;
export const MIN_PIPELINE = 4;
export const MAX_PIPELINE = 256;
export const PIPELINE_SECONDS = 1.5;
/** Regular upload slots of the choker (one optimistic unchoke comes on top). */
export const UPLOAD_SLOTS = 4;
/** Peers whose channels hold our uploads at once, when the host reports `drained` (see pump). */
export const UPLOAD_FOCUS = 1;
/** A peer with nothing new to fetch takes over blocks another would deliver this many times later. */
export const BUSY_SPEEDUP = 2;
/** Rate assumed for a peer that has not delivered anything yet (a slow uplink shared by a few). */
export const UNMEASURED_RATE = 32 * 1024;
/** A holder has likely sent its oldest requests already: about this long of its rate stays with it. */
export const TAKEOVER_SENT_SECONDS = 0.75;
/** Requests a peer may have queued with us (advertised as BEP 10 `reqq`); extra ones are dropped. */
export const MAX_QUEUED_REQUESTS = 256;
/** Bytes of queued requests per peer (requests may be up to 128 KiB each). */
export const MAX_QUEUED_REQUEST_BYTES = 4 * 1024 * 1024;
/**
 * Upload window: bytes we hand the host for one peer before it reports the channel drained
 * (`drained`). About UPLOAD_WINDOW_SECONDS of the rate measured to that peer, between
 * MIN_UPLOAD_WINDOW and UPLOAD_WINDOW. The channel is ordered, so our own requests, haves and
 * interest to that peer queue behind whatever blocks we handed over: a window of megabytes on a
 * slow uplink would hold them back for many seconds (and keep a choked peer fed long after the
 * choke). It also bounds what a request flood can pile up in the send buffer.
 */
export const UPLOAD_WINDOW_SECONDS = 0.5;
export const MIN_UPLOAD_WINDOW = 32 * 1024;
export const UPLOAD_WINDOW = 4 * 1024 * 1024;
/** Without a `drained` call, the upload window reopens after this long (hosts that do not report). */
export const UPLOAD_WINDOW_FALLBACK = 250;
/**
 * Once the host has reported `drained` for a peer it is trusted to keep doing so; a window still
 * full after this long is reopened anyway, so one lost report cannot stall a peer for good.
 */
export const DRAINED_TIMEOUT = 10_000;
/**
 * Initial seeding (see InitialSeeding): an unchoked peer is told about enough pieces to fetch
 * from us for this long at our measured upload rate to it, and at least INITIAL_SEEDING_MIN_PIECES.
 * Little, so that pieces are handed out late, when we know best which are given out least.
 */
export const INITIAL_SEEDING_SECONDS = 1;
export const INITIAL_SEEDING_MIN_PIECES = 2;
/**
 * A peer still not interested this long after connecting, though told about pieces, is shown
 * everything: it may be a seed lacking a piece that hides its own pieces too.
 */
export const INITIAL_SEEDING_SHOW_ALL_AFTER = 10_000;
/**
 * As a seed, a regular upload slot passes to the next waiting peer once its peer got this much
 * (or had a rechoke round): a seed spreads what it has instead of feeding its fastest taker.
 */
export const SEED_TURN_BYTES = 256 * 1024;
/**
 * A peer we unchoke that has asked us for nothing in this long is idle (what it wants from us it
 * is fetching elsewhere): its upload slot is lent to another peer (see Choker).
 */
export const IDLE_SLOT_MS = 1_000;
/** A peer that unchokes us and sends no block we asked for in this long is snubbed. */
export const SNUB_TIMEOUT = 60_000;
/** A ut_metadata request unanswered for this long goes to another peer. */
export const METADATA_REQUEST_TIMEOUT = 10_000;
/** A peer that rejected or ignored a ut_metadata request is asked again after this long. */
export const METADATA_RETRY_AFTER = 30_000;
/** ut_metadata requests outstanding per peer. */
const METADATA_REQUESTS_PER_PEER = 2;
/** The extended message id we want ut_metadata on. */
export const UT_METADATA_ID = 3;
/** Block ids pack (piece, block) as piece * 1024 + block; 16 MiB pieces have 1024 blocks. */
const BLOCKS_PER_PIECE_ID = 1024;

interface PeerState {
  key: PeerKey;
  wire: PeerWire;
  connectedAt: number;
  down: RateMeter;
  up: RateMeter;
  /** Short-window rates that size the request pipeline and the upload window. */
  downRecent: RateMeter;
  upRecent: RateMeter;
  /** Slow start: the pipeline grows by one block per block delivered until it covers the rate. */
  slowStart: boolean;
  window: number;
  /** Our requests to the peer, by block id. */
  outstanding: Map<number, BlockRequest>;
  /** The peer's requests to us, in arrival order. */
  incoming: BlockRequest[];
  incomingBytes: number;
  /** Bytes handed to the host since the channel was last reported drained. */
  uploadInFlight: number;
  /** The peer has unchoked us at some point. */
  everUnchokedUs: boolean;
  /** When we last unchoked the peer, got a request from it or sent it a block. */
  lastUploadActivity: number;
  /** The choker has been told the peer went idle (see IDLE_SLOT_MS). */
  idleNoted: boolean;
  /** The piece we last sent the peer a block of (we finish it before starting another). */
  servingPiece: number;
  /** When the peer last began an upload turn (see pump), as a turn number. */
  turn: number;
  /** Initial seeding: pieces we told the peer we have (undefined: it saw our whole bitfield). */
  told: Set<number> | undefined;
  /** Initial seeding: told pieces it lacks and we have not finished sending it, with bytes sent. */
  revealPending: Map<number, number>;
  uploadBlockedAt: number | undefined;
  /** The host has called `drained` for this peer (so the short fallback does not apply). */
  drainReported: boolean;
  /** Pieces the peer has that we lack. */
  wantCount: number;
  /** Last block received, or when requests started going unanswered. */
  lastProgress: number;
  snubbed: boolean;
  /** ut_metadata pieces requested from the peer, with when. */
  metadataRequests: Map<number, number>;
  /** Do not ask the peer for metadata before this time (it rejected or timed out; Infinity: other size). */
  metadataBackoffUntil: number;
  metadataServed: number;
}

interface Assembly {
  data: Uint8Array;
  /** Who supplied each block (for smart ban). */
  suppliers: (PeerKey | undefined)[];
}

/**
 * One torrent's swarm: every connection's wire protocol, piece picking, choking, uploads,
 * metadata exchange and smart ban. Sans-I/O: the host feeds it transport events and answers,
 * each with the current time, and executes the returned actions:
 *
 * - `addPeer` when a data channel opens, `receive` with every chunk it delivers, `removePeer`
 *   when it closes; `drained` when the channel's buffered amount falls low;
 * - `verify` actions: hash the piece and answer `pieceVerified` (store it first if good);
 * - `read` actions: load the piece and answer `pieceData`;
 * - `handleTimeout(now)` at `nextTimeout()`.
 *
 * Nothing a peer sends makes it throw: protocol breaches become `close` actions.
 */
export class Swarm {
  readonly infoHash: Uint8Array;
  private readonly peerId: Uint8Array;
  private readonly random: Random;
  private info: InfoDictionary | undefined;
  private infoBytes: Uint8Array | undefined;
  private picker: PiecePicker | undefined;
  private readonly initialHave: readonly boolean[] | undefined;
  private readonly maxPeers: number;
  private readonly fixedPipeline: number | undefined;
  private readonly initialSeedingOption: boolean;
  private initialSeeding: InitialSeeding | undefined;
  private readonly cacheBytesOption: number | undefined;
  private readonly client: string;
  private cache = new PieceCache(16 * 1024 * 1024);
  private readonly choker: Choker;
  private readonly smartBan = new SmartBan();
  private readonly peers = new Map<PeerKey, PeerState>();
  private readonly banned = new Set<PeerKey>();
  private readonly bannedIds = new Set<string>();
  private readonly assembling = new Map<number, Assembly>();
  private readonly verifying = new Map<number, Assembly>();
  private readonly pendingReads = new Set<number>();
  private assembler: MetadataAssembler | undefined;
  private readonly down = new RateMeter();
  private readonly up = new RateMeter();
  private wasted = 0;
  /** Payload bytes uploaded per piece, to anyone (a seed serves the least uploaded first). */
  private pieceUploads = new Float64Array(0);
  /** Latest time seen, so nextTimeout() never reports a backoff that has already passed. */
  private lastNow = 0;
  private completeAnnounced = false;
  /** The host reports `drained`, so we know which channels still hold our data (see pump). */
  private drainSeen = false;
  /** Upload turns handed out so far (see pump). */
  private turns = 0;

  private actions: SwarmAction[] = [];
  private outbox = new Map<PeerKey, Uint8Array[]>();

  constructor(opts: SwarmOptions) {
    this.infoHash = opts.infoHash;
    this.peerId = opts.peerId;
    this.random = opts.random;
    this.initialHave = opts.have;
    this.maxPeers = opts.maxPeers ?? 30;
    this.fixedPipeline = opts.requestPipeline;
    this.initialSeedingOption = opts.initialSeeding ?? true;
    this.cacheBytesOption = opts.cacheBytes;
    this.client = opts.client ?? 'tabswarm 0.1';
    this.choker = new Choker({
      random: opts.random,
      slots: opts.uploadSlots ?? UPLOAD_SLOTS,
      seedTurnBytes: SEED_TURN_BYTES,
    });
    this.infoBytes = opts.infoBytes;
    const info =
      opts.info ?? (opts.infoBytes ? parseInfoDictionary(opts.infoBytes, opts.infoHash) : undefined);
    if (info) this.setInfo(info);
  }

  // ---- Host API -------------------------------------------------------------------------

  /** A data channel to `peer` opened: we send our handshake. */
  addPeer(peer: PeerKey, now: number): SwarmAction[] {
    this.lastNow = Math.max(this.lastNow, now);
    if (this.banned.has(peer)) {
      this.actions.push({
        type: 'close',
        peer,
        code: ErrorCode.PeerBanned,
        reason: 'banned from this swarm',
      });
      return this.flush();
    }
    if (this.peers.has(peer)) return this.flush();
    if (this.peers.size >= this.maxPeers) {
      this.actions.push({ type: 'close', peer, code: ErrorCode.ConnectionBudget, reason: 'swarm is full' });
      return this.flush();
    }
    const opts = { infoHash: this.infoHash, peerId: this.peerId, now };
    const wire = new PeerWire(this.info ? { ...opts, pieceCount: this.info.pieceCount } : opts);
    const p: PeerState = {
      key: peer,
      wire,
      connectedAt: now,
      down: new RateMeter(),
      up: new RateMeter(),
      downRecent: recentMeter(),
      upRecent: recentMeter(),
      slowStart: true,
      window: INITIAL_PIPELINE,
      outstanding: new Map(),
      incoming: [],
      incomingBytes: 0,
      uploadInFlight: 0,
      lastUploadActivity: now,
      everUnchokedUs: false,
      idleNoted: false,
      servingPiece: -1,
      turn: 0,
      told: undefined,
      revealPending: new Map(),
      uploadBlockedAt: undefined,
      drainReported: false,
      wantCount: 0,
      lastProgress: now,
      snubbed: false,
      metadataRequests: new Map(),
      metadataBackoffUntil: 0,
      metadataServed: 0,
    };
    this.peers.set(peer, p);
    this.queue(peer, wire.handshake(now));
    return this.flush();
  }

  /** The connection to `peer` closed. */
  removePeer(peer: PeerKey, now: number): SwarmAction[] {
    this.lastNow = Math.max(this.lastNow, now);
    const p = this.peers.get(peer);
    if (p) {
      this.forget(p);
      this.rechokeFill(now);
      this.refillAll(now);
      this.requestMetadata(now);
    }
    return this.flush();
  }

  /** Bytes from `peer`'s data channel, in order, in chunks of any size. */
  receive(peer: PeerKey, bytes: Uint8Array, now: number): SwarmAction[] {
    this.lastNow = Math.max(this.lastNow, now);
    const p = this.peers.get(peer);
    if (!p) return this.flush();
    try {
      for (const event of p.wire.receive(bytes, now)) {
        if (!this.peers.has(peer)) break;
        this.handle(p, event, now);
      }
      if (this.peers.has(peer)) {
        this.refill(p, now);
        this.pump(now);
      }
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.ProtocolViolation);
      this.close(p, e.code, e.message);
    }
    return this.flush();
  }

  /** The host's verdict on a `verify` action. */
  pieceVerified(index: number, ok: boolean, now: number): SwarmAction[] {
    this.lastNow = Math.max(this.lastNow, now);
    const assembly = this.verifying.get(index);
    const picker = this.picker;
    if (!assembly || !picker) return this.flush();
    this.verifying.delete(index);
    picker.pieceVerified(index, ok);
    if (ok) {
      this.cache.set(index, assembly.data);
      this.event({ type: 'piece-verified', index });
      for (const p of this.peers.values()) {
        if (!p.wire.open) continue;
        this.send(p, { type: 'have', index }, now);
        if (p.wire.peerPieces.has(index)) {
          p.wantCount--;
          this.updateInterest(p, now);
        }
      }
      for (const peer of this.smartBan.pieceVerified(index, assembly.data, picker.blockSize)) {
        this.ban(peer, `sent corrupt data for piece ${index}`);
      }
      if (picker.complete && !this.completeAnnounced) {
        this.completeAnnounced = true;
        this.event({ type: 'complete' });
      }
    } else {
      this.wasted += assembly.data.length;
      const peers = [...new Set(assembly.suppliers.filter((k): k is PeerKey => k !== undefined))];
      this.event({ type: 'piece-failed', index, peers });
      const contributions = SmartBan.contributions(assembly.data, picker.blockSize, assembly.suppliers);
      for (const peer of this.smartBan.pieceFailed(index, contributions)) {
        this.ban(peer, `sole source of ${SOLE_CONTRIBUTOR_STRIKES} pieces that failed their hash`);
      }
    }
    this.refillAll(now);
    return this.flush();
  }

  /** The host's answer to a `read` action: the piece's bytes, or undefined if storage lacks it. */
  pieceData(index: number, data: Uint8Array | undefined, now: number): SwarmAction[] {
    this.lastNow = Math.max(this.lastNow, now);
    this.pendingReads.delete(index);
    const picker = this.picker;
    if (!picker || index < 0 || index >= picker.pieceCount) return this.flush();
    if (data && data.length === picker.pieceSize(index) && picker.has(index)) {
      this.cache.set(index, data);
    } else if (picker.has(index)) {
      picker.lost(index);
      // No longer a seed: peers that hide their pieces too must learn what we still have.
      if (this.initialSeeding) this.endInitialSeeding(now);
      this.cache.delete(index);
      this.event({ type: 'piece-lost', index });
      for (const p of this.peers.values()) {
        this.dropIncoming(p, (r) => r.index === index);
        if (p.wire.peerPieces.has(index)) {
          p.wantCount++;
          this.updateInterest(p, now);
        }
      }
      this.refillAll(now);
    }
    this.pump(now);
    return this.flush();
  }

  /**
   * Everything handed to `peer` so far has left the channel's send buffer (its buffered amount
   * fell below the low threshold): more uploads may be sent.
   */
  drained(peer: PeerKey, now: number): SwarmAction[] {
    this.lastNow = Math.max(this.lastNow, now);
    const p = this.peers.get(peer);
    if (p) {
      p.uploadInFlight = 0;
      p.uploadBlockedAt = undefined;
      p.drainReported = true;
      this.drainSeen = true;
      this.pump(now);
    }
    return this.flush();
  }

  /** When `handleTimeout` next has work; undefined if never. */
  nextTimeout(): number | undefined {
    let next = this.choker.nextTimeout() ?? Infinity;
    for (const p of this.peers.values()) {
      next = Math.min(next, p.wire.nextTimeout());
      if (p.outstanding.size > 0) next = Math.min(next, p.lastProgress + SNUB_TIMEOUT);
      if (
        p.told?.size &&
        !p.wire.peerInterested &&
        p.connectedAt + INITIAL_SEEDING_SHOW_ALL_AFTER > this.lastNow
      )
        next = Math.min(next, p.connectedAt + INITIAL_SEEDING_SHOW_ALL_AFTER);
      if (p.uploadBlockedAt !== undefined) next = Math.min(next, windowReopensAt(p));
      if (this.idleDue(p)) next = Math.min(next, p.lastUploadActivity + IDLE_SLOT_MS);
      for (const at of p.metadataRequests.values()) next = Math.min(next, at + METADATA_REQUEST_TIMEOUT);
      if (this.assembler && p.metadataBackoffUntil !== Infinity && p.metadataBackoffUntil > this.lastNow) {
        next = Math.min(next, p.metadataBackoffUntil);
      }
    }
    return next === Infinity ? undefined : next;
  }

  /** Runs every timer due at `now`: keep-alives, idle and snub checks, rechoke rounds, metadata retries. */
  handleTimeout(now: number): SwarmAction[] {
    this.lastNow = Math.max(this.lastNow, now);
    let idleSlots = false;
    for (const p of [...this.peers.values()]) {
      const { send, close } = p.wire.handleTimeout(now);
      if (close) {
        this.close(p, close.code, close.message);
        continue;
      }
      if (send) this.queue(p.key, send);
      if (p.outstanding.size > 0 && now >= p.lastProgress + SNUB_TIMEOUT) {
        // Hand its blocks to others; it keeps one request at a time until it delivers. A probe
        // that goes unanswered too is asked again (the peer may have dropped it: it lost the piece).
        p.snubbed = true;
        p.lastProgress = now;
        this.releaseOutstanding(p);
      }
      if (p.told?.size && !p.wire.peerInterested && now >= p.connectedAt + INITIAL_SEEDING_SHOW_ALL_AFTER)
        this.showAll(p, now);
      if (p.uploadBlockedAt !== undefined && now >= windowReopensAt(p)) {
        p.uploadInFlight = 0;
        p.uploadBlockedAt = undefined;
        this.pump(now);
      }
      if (this.idleDue(p) && now >= p.lastUploadActivity + IDLE_SLOT_MS) {
        p.idleNoted = true;
        idleSlots = true;
      }
      let metadataExpired = false;
      for (const [piece, at] of p.metadataRequests) {
        if (now >= at + METADATA_REQUEST_TIMEOUT) {
          p.metadataRequests.delete(piece);
          p.metadataBackoffUntil = now + METADATA_RETRY_AFTER;
          metadataExpired = true;
        }
      }
      if (metadataExpired) this.requestMetadata(now);
    }
    this.requestMetadata(now);
    if (idleSlots) this.rechokeFill(now);
    const choke = this.choker.nextTimeout();
    if (choke !== undefined && now >= choke)
      this.applyChoke(this.choker.handleTimeout(this.candidates(now), now, this.seeding), now);
    this.refillAll(now);
    return this.flush();
  }

  /** A snapshot for the page. */
  status(now: number): SwarmStatus {
    const picker = this.picker;
    const info = this.info;
    const pieceCount = info?.pieceCount ?? 0;
    const pieces = picker ? Array.from({ length: pieceCount }, (_, i) => picker.pieceState(i)) : [];
    const availability = picker ? Array.from({ length: pieceCount }, (_, i) => picker.availabilityOf(i)) : [];
    let verifiedBytes = 0;
    if (picker) for (let i = 0; i < pieceCount; i++) if (picker.has(i)) verifiedBytes += picker.pieceSize(i);
    const peers: PeerStatus[] = [...this.peers.values()].map((p) => {
      const s: PeerStatus = {
        peer: p.key,
        handshake: p.wire.open,
        connectedAt: p.connectedAt,
        amChoking: p.wire.amChoking,
        amInterested: p.wire.amInterested,
        peerChoking: p.wire.peerChoking,
        peerInterested: p.wire.peerInterested,
        optimistic: this.choker.optimistic === p.key,
        snubbed: p.snubbed,
        pieces: p.wire.peerPieces.count,
        downloadRate: p.down.rate(now),
        uploadRate: p.up.rate(now),
        downloaded: p.down.total,
        uploaded: p.up.total,
        requestsOut: p.outstanding.size,
        requestsIn: p.incoming.length,
      };
      if (p.wire.remote) s.peerId = toHex(p.wire.remote.peerId);
      if (p.wire.extensions?.client !== undefined) s.client = p.wire.extensions.client;
      return s;
    });
    const status: SwarmStatus = {
      infoHash: toHex(this.infoHash),
      metadata: info !== undefined,
      pieceCount,
      pieces,
      availability,
      haveCount: picker?.completed ?? 0,
      verifiedBytes,
      complete: picker?.complete ?? false,
      endgame: picker?.endgame ?? false,
      downloadRate: this.down.rate(now),
      uploadRate: this.up.rate(now),
      downloaded: this.down.total,
      uploaded: this.up.total,
      wasted: this.wasted,
      peers,
      banned: [...this.banned],
    };
    if (info) {
      status.name = info.name;
      status.length = info.length;
      status.pieceLength = info.pieceLength;
    }
    return status;
  }

  // ---- Message handlers -----------------------------------------------------------------

  private handle(p: PeerState, event: PeerWireEvent, now: number): void {
    const handler = this.handlers[event.type] as (p: PeerState, e: PeerWireEvent, now: number) => void;
    handler(p, event, now);
  }

  /** One handler per message type. */
  private readonly handlers: {
    [T in PeerWireEvent['type']]: (p: PeerState, e: Extract<PeerWireEvent, { type: T }>, now: number) => void;
  } = {
    handshake: (p, e, now) => {
      const id = toHex(e.handshake.peerId);
      if (this.bannedIds.has(id)) throw new TabswarmError(ErrorCode.PeerBanned, 'banned from this swarm');
      for (const other of this.peers.values()) {
        if (other !== p && other.wire.remote && toHex(other.wire.remote.peerId) === id) {
          throw new TabswarmError(ErrorCode.ProtocolViolation, 'already connected to this peer id');
        }
      }
      if (e.handshake.extensions) this.sendExtensionHandshake(p, now);
      if (this.initialSeeding?.active) {
        p.told = new Set();
        this.rechokeFill(now);
      } else if (this.picker && this.info && this.picker.completed > 0) {
        const bits = new Uint8Array(Math.ceil(this.info.pieceCount / 8));
        for (let i = 0; i < this.info.pieceCount; i++) {
          if (this.picker.has(i)) bits[i >> 3] = (bits[i >> 3] as number) | (0x80 >> (i & 7));
        }
        this.send(p, { type: 'bitfield', bits }, now);
      }
      this.event({ type: 'peer-connected', peer: p.key, peerId: e.handshake.peerId });
    },
    'extension-handshake': (p, e, now) => {
      const size = e.handshake.metadataSize;
      if (this.info || e.handshake.m['ut_metadata'] === undefined || size === undefined) return;
      if (!this.assembler) this.assembler = new MetadataAssembler(this.infoHash, size);
      p.metadataBackoffUntil = this.assembler.totalSize === size ? 0 : Infinity;
      this.requestMetadata(now);
    },
    choke: (p) => {
      // BEP 3: a choke discards every pending request.
      this.releaseOutstanding(p);
    },
    unchoke: (p, _e, now) => {
      p.lastProgress = now;
      p.everUnchokedUs = true;
      // It reciprocates now: it may deserve a slot held by one that does not.
      if (!this.seeding && p.wire.peerInterested) this.rechokeFill(now);
    },
    interested: (_p, _e, now) => this.rechokeFill(now),
    'not-interested': (_p, _e, now) => this.rechokeFill(now),
    have: (p, e, now) => {
      const picker = this.picker;
      if (!picker) return;
      picker.addAvailability(e.index);
      if (picker.wants(e.index)) {
        p.wantCount++;
        this.updateInterest(p, now);
      }
      if (this.initialSeeding) this.peerHasPieces(p, [e.index], now);
    },
    bitfield: (p, _e, now) => {
      if (!this.picker) return;
      this.countPeerPieces(p, now);
      if (this.initialSeeding) this.peerHasPieces(p, p.wire.peerPieces.indices(), now);
    },
    request: (p, e, now) => this.onRequest(p, e, now),
    piece: (p, e, now) => this.onPiece(p, e, now),
    cancel: (p, e) =>
      this.dropIncoming(p, (r) => r.index === e.index && r.begin === e.begin && r.length === e.length),
    port: () => {},
    extended: (p, e, now) => {
      if (e.id === UT_METADATA_ID) this.onUtMetadata(p, e.payload, now);
    },
  };

  private onRequest(p: PeerState, r: BlockRequest, now: number): void {
    const picker = this.picker;
    if (!picker) throw new TabswarmError(ErrorCode.ProtocolViolation, 'request before we have metadata');
    if (r.index >= picker.pieceCount || r.length === 0 || r.length > MAX_REQUEST_LENGTH) {
      throw new TabswarmError(ErrorCode.ProtocolViolation, `bad request ${r.index}:${r.begin}+${r.length}`);
    }
    if (r.begin + r.length > picker.pieceSize(r.index)) {
      throw new TabswarmError(ErrorCode.ProtocolViolation, `request past the end of piece ${r.index}`);
    }
    // Requests while choked (a race with our choke) or for pieces we lack are dropped.
    if (p.wire.amChoking || !picker.has(r.index)) return;
    if (p.incoming.length >= MAX_QUEUED_REQUESTS || p.incomingBytes + r.length > MAX_QUEUED_REQUEST_BYTES)
      return;
    p.incoming.push({ index: r.index, begin: r.begin, length: r.length });
    p.incomingBytes += r.length;
    this.uploadActivity(p, now);
  }

  private onPiece(p: PeerState, e: { index: number; begin: number; block: Uint8Array }, now: number): void {
    const picker = this.picker;
    if (!picker) throw new TabswarmError(ErrorCode.ProtocolViolation, 'piece before we have metadata');
    const length = e.block.length;
    const id = blockId(e.index, e.begin / picker.blockSize);
    const requested = p.outstanding.delete(id);
    // A block we no longer asked this peer for (it was already on its way when the peer choked
    // us, or when we cancelled) is still kept if the piece still lacks it; anything else is waste.
    if (!requested && !picker.acceptsLate(e.index, e.begin, length, p.key)) {
      this.wasted += length;
      return;
    }
    p.down.add(length, now);
    p.downRecent.add(length, now);
    this.down.add(length, now);
    if (requested) {
      p.lastProgress = now;
      p.snubbed = false;
      this.growPipeline(p, now);
    }
    const result = picker.received(e.index, e.begin, length, p.key);
    if (!result.accepted) {
      this.wasted += length;
      return;
    }
    let assembly = this.assembling.get(e.index);
    if (!assembly) {
      assembly = { data: new Uint8Array(picker.pieceSize(e.index)), suppliers: [] };
      this.assembling.set(e.index, assembly);
    }
    assembly.data.set(e.block, e.begin);
    assembly.suppliers[e.begin / picker.blockSize] = p.key;
    for (const key of result.cancel) {
      const other = this.peers.get(key);
      if (other?.outstanding.delete(id))
        this.send(other, { type: 'cancel', index: e.index, begin: e.begin, length }, now);
    }
    if (result.pieceComplete) {
      this.assembling.delete(e.index);
      this.verifying.set(e.index, assembly);
      this.actions.push({ type: 'verify', index: e.index, data: assembly.data });
    }
  }

  private onUtMetadata(p: PeerState, payload: Uint8Array, now: number): void {
    const msg = parseUtMetadata(payload);
    const peerId = p.wire.extensions?.m['ut_metadata'];
    switch (msg.type) {
      case 'request': {
        if (peerId === undefined) return;
        const infoBytes = this.infoBytes;
        // Each piece a few times over is plenty; more is a flood.
        const limit = infoBytes ? 4 * metadataPieceCount(infoBytes.length) + 8 : 0;
        const reply =
          infoBytes && msg.piece < metadataPieceCount(infoBytes.length) && p.metadataServed < limit
            ? encodeUtMetadata({
                type: 'data',
                piece: msg.piece,
                totalSize: infoBytes.length,
                data: metadataPiece(infoBytes, msg.piece),
              })
            : encodeUtMetadata({ type: 'reject', piece: msg.piece });
        if (infoBytes) p.metadataServed++;
        this.send(p, { type: 'extended', id: peerId, payload: reply }, now);
        return;
      }
      case 'reject':
        if (p.metadataRequests.delete(msg.piece)) {
          p.metadataBackoffUntil = now + METADATA_RETRY_AFTER;
          this.requestMetadata(now);
        }
        return;
      case 'data': {
        if (!p.metadataRequests.delete(msg.piece)) return;
        const assembler = this.assembler;
        if (this.info || !assembler) return;
        if (msg.totalSize !== assembler.totalSize) {
          p.metadataBackoffUntil = Infinity;
          this.requestMetadata(now);
          return;
        }
        let result: ReturnType<MetadataAssembler['add']>;
        try {
          result = assembler.add(msg.piece, msg.data);
        } catch (err) {
          // Hashes to the info-hash yet is not a usable info dictionary: the torrent is broken.
          this.assembler = undefined;
          this.event({
            type: 'metadata-invalid',
            reason: toTabswarmError(err, ErrorCode.InfoInvalid).message,
          });
          return;
        }
        if (result === 'complete') {
          const done = assembler.result() as { infoBytes: Uint8Array; info: InfoDictionary };
          this.assembler = undefined;
          this.infoBytes = done.infoBytes;
          this.actions.push({ type: 'metadata', info: done.info, infoBytes: done.infoBytes });
          this.setInfo(done.info, now);
          // Peers that met us before we had the metadata did not learn its size: tell them now
          // (BEP 10 allows a repeated handshake), or a magnet peer that only knows us waits forever.
          for (const other of this.peers.values()) {
            if (other.wire.open && other.wire.remote?.extensions) this.sendExtensionHandshake(other, now);
          }
          return;
        }
        if (result === 'invalid') {
          this.event({
            type: 'metadata-invalid',
            reason: 'metadata does not hash to the info-hash; fetching again',
          });
        }
        this.requestMetadata(now);
        return;
      }
    }
  }

  /** Our BEP 10 handshake: ut_metadata, reqq, and the metadata size once we have it. */
  private sendExtensionHandshake(p: PeerState, now: number): void {
    const ext: ExtensionHandshake = {
      m: { ut_metadata: UT_METADATA_ID },
      client: this.client,
      reqq: MAX_QUEUED_REQUESTS,
    };
    if (this.infoBytes) ext.metadataSize = this.infoBytes.length;
    this.send(p, { type: 'extended', id: 0, payload: encodeExtensionHandshake(ext) }, now);
  }

  // ---- Downloading ----------------------------------------------------------------------

  /** Learns the info dictionary: creates the picker and counts what connected peers have. */
  private setInfo(info: InfoDictionary, now?: number): void {
    this.info = info;
    this.picker = new PiecePicker({
      pieceCount: info.pieceCount,
      pieceLength: info.pieceLength,
      length: info.length,
      random: this.random,
      ...(this.initialHave ? { have: this.initialHave } : {}),
    });
    this.completeAnnounced = this.picker.complete;
    this.pieceUploads = new Float64Array(info.pieceCount);
    // Only a seed from the start hides pieces: a finished leecher's pieces are out there already.
    this.initialSeeding =
      now === undefined && this.picker.complete && this.initialSeedingOption && info.pieceCount > 1
        ? new InitialSeeding(info.pieceCount, this.random)
        : undefined;
    this.cache = new PieceCache(this.cacheBytesOption ?? Math.max(16 * 1024 * 1024, 2 * info.pieceLength));
    for (const p of this.peers.values()) p.metadataRequests.clear();
    if (now === undefined) return;
    for (const p of [...this.peers.values()]) {
      try {
        p.wire.setPieceCount(info.pieceCount);
      } catch (err) {
        const e = toTabswarmError(err, ErrorCode.ProtocolViolation);
        this.close(p, e.code, e.message);
        continue;
      }
      this.countPeerPieces(p, now);
      this.refill(p, now);
    }
  }

  /** Adds a peer's announced pieces to availability and to its want count. */
  private countPeerPieces(p: PeerState, now: number): void {
    const picker = this.picker as PiecePicker;
    p.wantCount = 0;
    for (const i of p.wire.peerPieces.indices()) {
      picker.addAvailability(i);
      if (picker.wants(i)) p.wantCount++;
    }
    this.updateInterest(p, now);
  }

  private updateInterest(p: PeerState, now: number): void {
    const want = p.wantCount > 0;
    if (want !== p.wire.amInterested && p.wire.open)
      this.send(p, { type: want ? 'interested' : 'not-interested' }, now);
  }

  /** Blocks to keep outstanding with `p`: slow start, then about PIPELINE_SECONDS of its rate. */
  private pipeline(p: PeerState, now: number): number {
    if (p.snubbed) return 1;
    let target = this.fixedPipeline;
    if (target === undefined) {
      const byRate = Math.ceil((p.downRecent.rate(now) * PIPELINE_SECONDS) / BLOCK_SIZE);
      target = Math.min(MAX_PIPELINE, Math.max(MIN_PIPELINE, byRate, p.slowStart ? p.window : 0));
    }
    const reqq = p.wire.extensions?.reqq;
    return reqq !== undefined ? Math.max(1, Math.min(target, reqq)) : target;
  }

  /** A requested block arrived from `p`: slow start opens one more slot, until the rate is covered. */
  private growPipeline(p: PeerState, now: number): void {
    if (!p.slowStart) return;
    const byRate = (p.downRecent.rate(now) * PIPELINE_SECONDS) / BLOCK_SIZE;
    if (p.window >= MAX_PIPELINE || p.window > 2 * Math.max(MIN_PIPELINE, byRate)) p.slowStart = false;
    else p.window++;
  }

  /** Tops up requests to `p` if it unchokes us and has something we want. */
  private refill(p: PeerState, now: number): void {
    const picker = this.picker;
    if (!picker || !p.wire.open || p.wire.peerChoking || !p.wire.amInterested) return;
    const target = this.pipeline(p, now);
    const free = target - p.outstanding.size;
    // Batch: picking scans pieces, so wait for a few free slots (a quarter of a short pipeline).
    if (free <= 0 || (free < Math.min(8, Math.ceil(target / 4)) && p.outstanding.size > 0)) return;
    const has = (i: number): boolean => p.wire.peerPieces.has(i);
    const fromSeed = p.wire.peerPieces.count === picker.pieceCount;
    const idle = p.outstanding.size === 0;
    const picked = picker.pick(p.key, has, free, fromSeed);
    for (const r of picked) {
      p.outstanding.set(blockId(r.index, r.begin / picker.blockSize), r);
      this.send(p, { type: 'request', ...r }, now);
    }
    if (picked.length < free && !p.snubbed && !picker.endgame) this.takeOver(p, free - picked.length, now);
    if (idle && p.outstanding.size > 0) p.lastProgress = now;
  }

  /**
   * `p` has free request slots and nothing new to fetch: it takes over up to `max` blocks from
   * peers that would deliver them BUSY_SPEEDUP times later than `p` (judged by each one's
   * outstanding requests over its measured rate), newest first, and they are cancelled there.
   * Blocks a holder has likely sent already (about TAKEOVER_SENT_SECONDS of its rate) stay
   * with it. A fast peer is not left idle while slow ones sit on blocks it could deliver.
   */
  private takeOver(p: PeerState, max: number, now: number): void {
    const picker = this.picker as PiecePicker;
    const rateOf = (o: PeerState): number => o.downRecent.rate(now) || UNMEASURED_RATE;
    const rate = rateOf(p);
    let mine = p.outstanding.size;
    const holders = [...this.peers.values()]
      .filter((o) => o !== p && o.outstanding.size > 1)
      .map((o) => ({ o, rate: rateOf(o), due: o.outstanding.size / rateOf(o) }))
      .sort((a, b) => b.due - a.due);
    let moved = 0;
    for (const { o, rate: theirs } of holders) {
      const measured = o.downRecent.rate(now) > 0;
      const sent = measured ? Math.max(1, Math.ceil((theirs * TAKEOVER_SENT_SECONDS) / BLOCK_SIZE)) : 1;
      const newestFirst = [...o.outstanding].reverse();
      for (const [id, r] of newestFirst) {
        if (moved >= max || o.outstanding.size <= sent) break;
        if (((mine + 1) / rate) * BUSY_SPEEDUP >= o.outstanding.size / theirs) break;
        if (!p.wire.peerPieces.has(r.index) || !picker.reassign(r.index, r.begin, o.key, p.key)) continue;
        o.outstanding.delete(id);
        this.send(o, { type: 'cancel', index: r.index, begin: r.begin, length: r.length }, now);
        p.outstanding.set(id, r);
        this.send(p, { type: 'request', ...r }, now);
        moved++;
        mine++;
      }
      if (moved >= max) break;
    }
  }

  private refillAll(now: number): void {
    for (const p of this.peers.values()) this.refill(p, now);
  }

  /** Returns every outstanding request of `p` to the picker. */
  private releaseOutstanding(p: PeerState): void {
    const picker = this.picker;
    if (picker) for (const r of p.outstanding.values()) picker.release(r.index, r.begin, p.key);
    p.outstanding.clear();
  }

  // ---- Uploading ------------------------------------------------------------------------

  /** Bytes `p` may have handed to the host before the channel must drain: ~0.5 s of its upload rate. */
  private uploadWindow(p: PeerState, now: number): number {
    const byRate = p.upRecent.rate(now) * UPLOAD_WINDOW_SECONDS;
    return Math.min(UPLOAD_WINDOW, Math.max(MIN_UPLOAD_WINDOW, byRate));
  }

  /**
   * Hands queued blocks to the host. With a host that reports `drained`, only UPLOAD_FOCUS peers
   * at a time have our data in their channel: the uplink is not split across every unchoked peer
   * at once but serves them in turns of one piece, so each piece reaches its peer whole in a
   * fraction of the time and can be passed on sooner (a piece has to arrive and verify before it
   * can be forwarded). Who is unchoked is the choker's business; who goes next among those
   * waiting is {@link turnOrder}. Without `drained` reports every unchoked peer is served at once.
   */
  private pump(now: number): void {
    if (!this.drainSeen) {
      for (const p of this.peers.values()) this.serve(p, now);
      return;
    }
    let active = 0;
    for (const p of this.peers.values()) {
      if (p.uploadInFlight <= 0) continue;
      active++;
      // Its channel still holds data: it may be topped up to its window, within its piece.
      this.serve(p, now);
    }
    const tried = new Set<PeerState>();
    while (active < UPLOAD_FOCUS) {
      let next: PeerState | undefined;
      for (const p of this.peers.values()) {
        if (p.uploadInFlight > 0 || p.incoming.length === 0 || p.wire.amChoking || tried.has(p)) continue;
        if (next === undefined || this.turnOrder(p, next) < 0) next = p;
      }
      if (next === undefined) return;
      tried.add(next);
      if (!midPiece(next)) next.turn = ++this.turns;
      this.serve(next, now);
      if (next.uploadInFlight > 0) active++;
    }
  }

  /**
   * Which of two waiting peers gets the next upload turn (negative: `a`). A peer in the middle
   * of a piece finishes it; peers that do not reciprocate come last; then the peer furthest
   * behind (fewest pieces) goes first, so the swarm progresses evenly and the slowest peers do
   * not end up with all the work left at the end. A seed that never downloaded cannot tell who
   * reciprocates, so it gives the peer it sent least to first (an equal share by bytes: a free
   * rider, always furthest behind, would otherwise take every turn). Ties: longest waiting.
   */
  private turnOrder(a: PeerState, b: PeerState): number {
    return (
      midPiece(b) - midPiece(a) ||
      Number(this.stingy(a)) - Number(this.stingy(b)) ||
      (this.down.total === 0 && this.seeding
        ? a.up.total - b.up.total
        : a.wire.peerPieces.count - b.wire.peerPieces.count) ||
      a.turn - b.turn
    );
  }

  /** Another peer has our data in its channel, or requests we will serve. */
  private uploadBusyBesides(p: PeerState): boolean {
    for (const o of this.peers.values()) {
      if (o !== p && (o.uploadInFlight > 0 || (o.incoming.length > 0 && !o.wire.amChoking))) return true;
    }
    return false;
  }

  /** Another unchoked peer has requests queued and none of our data in its channel. */
  private waitingBesides(p: PeerState): boolean {
    for (const o of this.peers.values()) {
      if (o !== p && o.uploadInFlight <= 0 && o.incoming.length > 0 && !o.wire.amChoking) return true;
    }
    return false;
  }

  /**
   * `p` does not reciprocate: as a leecher, it has had a piece from us and never unchoked us
   * nor sent us a byte; as a seed that was a leecher, it never sent us anything while others did.
   */
  private stingy(p: PeerState): boolean {
    if (this.seeding) return this.down.total > 0 && p.down.total === 0;
    return this.ungrateful(p);
  }

  private ungrateful(p: PeerState): boolean {
    return p.up.total >= (this.info?.pieceLength ?? Infinity) && p.down.total === 0 && !p.everUnchokedUs;
  }

  /** Sends queued blocks to `p` whose pieces are cached; asks the host to read the first one that is not. */
  private serve(p: PeerState, now: number): void {
    const window = this.uploadWindow(p, now);
    while (p.incoming.length > 0 && !p.wire.amChoking) {
      if (p.uploadInFlight >= window) {
        p.uploadBlockedAt ??= now;
        return;
      }
      const at = this.nextToServe(p);
      const r = p.incoming[at] as BlockRequest;
      // Taking turns (see pump): a turn is one piece, if another peer waits for one.
      if (this.drainSeen && p.uploadInFlight > 0 && r.index !== p.servingPiece && this.waitingBesides(p))
        return;
      const data = this.cache.get(r.index);
      if (!data) {
        if (!this.pendingReads.has(r.index)) {
          this.pendingReads.add(r.index);
          this.actions.push({ type: 'read', index: r.index });
        }
        return;
      }
      if (at === 0) p.incoming.shift();
      else p.incoming.splice(at, 1);
      p.incomingBytes -= r.length;
      this.send(
        p,
        { type: 'piece', index: r.index, begin: r.begin, block: data.subarray(r.begin, r.begin + r.length) },
        now,
      );
      p.servingPiece = r.index;
      const revealed = p.revealPending.get(r.index);
      if (revealed !== undefined) {
        if (revealed + r.length >= (this.picker as PiecePicker).pieceSize(r.index)) {
          this.unreveal(p, r.index);
          this.reveal(p, now);
        } else {
          p.revealPending.set(r.index, revealed + r.length);
        }
      }
      p.uploadInFlight += r.length;
      this.uploadActivity(p, now);
      p.up.add(r.length, now);
      p.upRecent.add(r.length, now);
      this.up.add(r.length, now);
      this.pieceUploads[r.index] = (this.pieceUploads[r.index] ?? 0) + r.length;
      if (this.seeding && this.choker.turnOver(p.key, p.up.total)) {
        // The applyChoke below may choke `p` (clearing its queue), which ends this loop.
        this.applyChoke(this.choker.rotate(this.candidates(now), now), now);
      }
    }
  }

  /**
   * Which of `p`'s queued requests to serve next. Both finish the piece they are sending `p`
   * first (a turn is a piece, see pump); then a leecher serves in order, and a seed takes the
   * piece it has uploaded least (to anyone): early on,
   * when a handful of peers ask it for overlapping pieces before any `have` has spread, the
   * swarm gets each piece once before it gets any twice, so a seed that leaves after about one
   * copy has not stranded it.
   */
  private nextToServe(p: PeerState): number {
    if (p.incoming.length < 2) return 0;
    if (!this.seeding) {
      const same = p.incoming.findIndex((r) => r.index === p.servingPiece);
      return same < 0 ? 0 : same;
    }
    let best = 0;
    let least = Infinity;
    for (let i = 0; i < p.incoming.length; i++) {
      const index = (p.incoming[i] as BlockRequest).index;
      if (index === p.servingPiece) return i;
      const uploaded = this.pieceUploads[index] ?? 0;
      if (uploaded < least) {
        least = uploaded;
        best = i;
      }
    }
    return best;
  }

  /** `p` asked us for something, or we sent it something: it is not idle. */
  private uploadActivity(p: PeerState, now: number): void {
    p.lastUploadActivity = now;
    p.idleNoted = false;
  }

  /** `p` is unchoked with nothing queued, and the choker does not know yet whether it is idle. */
  private idleDue(p: PeerState): boolean {
    return !p.idleNoted && !p.wire.amChoking && p.incoming.length === 0;
  }

  /** We unchoke `p`, and it has asked for nothing for IDLE_SLOT_MS. */
  private isIdle(p: PeerState, now: number): boolean {
    return !p.wire.amChoking && p.incoming.length === 0 && now - p.lastUploadActivity >= IDLE_SLOT_MS;
  }

  private dropIncoming(p: PeerState, match: (r: BlockRequest) => boolean): void {
    const kept = p.incoming.filter((r) => !match(r));
    if (kept.length === p.incoming.length) return;
    p.incoming = kept;
    p.incomingBytes = kept.reduce((sum, r) => sum + r.length, 0);
  }

  // ---- Choking --------------------------------------------------------------------------

  private get seeding(): boolean {
    return this.picker?.complete ?? false;
  }

  private candidates(now: number): ChokeCandidate[] {
    const out: ChokeCandidate[] = [];
    for (const p of this.peers.values()) {
      if (!p.wire.open) continue;
      out.push({
        key: p.key,
        // Initial seeding shows a peer pieces only once unchoked: until then it cannot be interested.
        interested:
          p.wire.peerInterested ||
          (p.told !== undefined && p.wire.peerPieces.count < (this.info?.pieceCount ?? 0)),
        downloadRate: p.down.rate(now),
        uploadRate: p.up.rate(now),
        connectedAt: p.connectedAt,
        snubbed: p.snubbed,
        uploaded: p.up.total,
        downloaded: p.down.total,
        unchokesUs: !p.wire.peerChoking,
        weWant: p.wire.amInterested,
        idle: this.isIdle(p, now),
        ungrateful: this.ungrateful(p),
      });
    }
    return out;
  }

  private rechokeFill(now: number): void {
    this.applyChoke(this.choker.fill(this.candidates(now), now, this.seeding), now);
  }

  private applyChoke(decision: ChokeDecision, now: number): void {
    for (const p of this.peers.values()) {
      if (!p.wire.open) continue;
      const unchoke = decision.unchoked.has(p.key);
      if (unchoke && p.wire.amChoking) {
        this.send(p, { type: 'unchoke' }, now);
        this.uploadActivity(p, now);
        this.reveal(p, now);
      } else if (!unchoke && !p.wire.amChoking) {
        this.send(p, { type: 'choke' }, now);
        p.incoming = [];
        p.incomingBytes = 0;
        // What it was told stays told; the pieces are free for the peers we do serve.
        for (const index of [...p.revealPending.keys()]) this.unreveal(p, index);
      }
    }
  }

  // ---- Initial seeding ------------------------------------------------------------------

  /**
   * Tells `p`, if we unchoke it, about more pieces reserved for it: enough to fetch from us for
   * INITIAL_SEEDING_SECONDS. A choked peer is told nothing (a piece it fetched later would be
   * chosen now, blind to what others fetch meanwhile); the choker counts it as interested.
   */
  private reveal(p: PeerState, now: number): void {
    const seeding = this.initialSeeding;
    const picker = this.picker;
    const told = p.told;
    if (!seeding || !picker || !told || !p.wire.open || p.wire.amChoking) return;
    const eligible = (i: number): boolean => !told.has(i) && !p.wire.peerPieces.has(i) && picker.has(i);
    const uploaded = (i: number): number => this.pieceUploads[i] as number;
    const size = (i: number): number => picker.pieceSize(i);
    const want = Math.max(
      INITIAL_SEEDING_MIN_PIECES,
      Math.ceil((p.upRecent.rate(now) * INITIAL_SEEDING_SECONDS) / picker.pieceSize(0)),
    );
    if (p.revealPending.size >= want) return;
    // While the peer has reserved pieces to fetch, or our uplink is busy with others anyway, it
    // gets only fresh ones: two peers fetching the same piece from us is what initial seeding is
    // there to avoid (a seed leaving after little more than a copy would strand a piece).
    const freshOnly = p.revealPending.size > 0 || (this.drainSeen && this.uploadBusyBesides(p));
    for (const index of seeding.choose(want - p.revealPending.size, eligible, uploaded, size, freshOnly)) {
      told.add(index);
      p.revealPending.set(index, 0);
      seeding.reserve(index);
      this.send(p, { type: 'have', index }, now);
    }
  }

  private unreveal(p: PeerState, index: number): void {
    if (p.revealPending.delete(index)) this.initialSeeding?.release(index);
  }

  /** `p` showed pieces (bitfield or `have`): they are out; once all are, initial seeding ends. */
  private peerHasPieces(p: PeerState, pieces: Iterable<number>, now: number): void {
    const seeding = this.initialSeeding;
    if (!seeding) return;
    let ended = false;
    for (const index of pieces) {
      this.unreveal(p, index);
      if (seeding.seen(index)) ended = true;
    }
    if (ended) this.endInitialSeeding(now);
    else this.reveal(p, now);
  }

  /** Every piece is out: tell every peer about the rest, as a plain seed. */
  private endInitialSeeding(now: number): void {
    this.initialSeeding = undefined;
    for (const p of this.peers.values()) this.showAll(p, now);
  }

  /**
   * Tells `p` about every piece we have that it was not told of, even those it claims: it may have
   * lost one since. It is a plain peer from now on.
   */
  private showAll(p: PeerState, now: number): void {
    const picker = this.picker;
    const told = p.told;
    for (const index of [...p.revealPending.keys()]) this.unreveal(p, index);
    p.told = undefined;
    if (!picker || !told || !p.wire.open) return;
    for (let index = 0; index < picker.pieceCount; index++) {
      if (picker.has(index) && !told.has(index)) this.send(p, { type: 'have', index }, now);
    }
  }

  // ---- Metadata -------------------------------------------------------------------------

  /** Asks peers that advertise ut_metadata for the pieces not yet in or in flight. */
  private requestMetadata(now: number): void {
    const assembler = this.assembler;
    if (this.info || !assembler) return;
    const inFlight = new Set<number>();
    for (const p of this.peers.values()) for (const piece of p.metadataRequests.keys()) inFlight.add(piece);
    const sources = [...this.peers.values()].filter(
      (p) => p.wire.extensions?.m['ut_metadata'] !== undefined && now >= p.metadataBackoffUntil,
    );
    if (sources.length === 0) return;
    for (const piece of assembler.missingPieces()) {
      if (inFlight.has(piece)) continue;
      const free = sources.filter((p) => p.metadataRequests.size < METADATA_REQUESTS_PER_PEER);
      if (free.length === 0) return;
      const p = free[this.random.int(free.length)] as PeerState;
      p.metadataRequests.set(piece, now);
      const id = p.wire.extensions?.m['ut_metadata'] as number;
      this.send(p, { type: 'extended', id, payload: encodeUtMetadata({ type: 'request', piece }) }, now);
    }
  }

  // ---- Connections ----------------------------------------------------------------------

  private ban(peer: PeerKey, reason: string): void {
    if (this.banned.has(peer)) return;
    this.banned.add(peer);
    const p = this.peers.get(peer);
    if (p?.wire.remote) this.bannedIds.add(toHex(p.wire.remote.peerId));
    this.event({ type: 'peer-banned', peer, reason });
    if (p) this.close(p, ErrorCode.PeerBanned, reason);
  }

  /** Drops `p` and tells the host to close its channel. */
  private close(p: PeerState, code: ErrorCode, reason: string): void {
    if (!this.peers.has(p.key)) return;
    this.forget(p);
    this.outbox.delete(p.key);
    this.actions.push({ type: 'close', peer: p.key, code, reason });
  }

  /** Removes every trace of `p` from the download state. */
  private forget(p: PeerState): void {
    this.peers.delete(p.key);
    for (const index of [...p.revealPending.keys()]) this.unreveal(p, index);
    this.releaseOutstanding(p);
    const picker = this.picker;
    if (picker && p.wire.peerPieces.size !== undefined) {
      for (const i of p.wire.peerPieces.indices()) picker.removeAvailability(i);
    }
    this.choker.removePeer(p.key);
  }

  // ---- Output ---------------------------------------------------------------------------

  private send(p: PeerState, msg: WireMessage, now: number): void {
    this.queue(p.key, p.wire.encode(msg, now));
  }

  private queue(peer: PeerKey, bytes: Uint8Array): void {
    let list = this.outbox.get(peer);
    if (!list) this.outbox.set(peer, (list = []));
    list.push(bytes);
  }

  private event(event: SwarmEvent): void {
    this.actions.push({ type: 'event', event });
  }

  /** Returns the actions of this call: everything queued, sends coalesced per peer. */
  private flush(): SwarmAction[] {
    const out = this.actions;
    for (const [peer, parts] of this.outbox) {
      for (const data of coalesce(parts, SEND_CHUNK_SIZE)) out.push({ type: 'send', peer, data });
    }
    this.actions = [];
    this.outbox = new Map();
    return out;
  }
}

/** 1 if `p` asked for more of the piece we were sending it (its turn is not over), else 0. */
function midPiece(p: PeerState): number {
  return p.servingPiece >= 0 && p.incoming.some((r) => r.index === p.servingPiece) ? 1 : 0;
}

/** When a full upload window reopens without a `drained` report. */
function windowReopensAt(p: PeerState): number {
  return (p.uploadBlockedAt as number) + (p.drainReported ? DRAINED_TIMEOUT : UPLOAD_WINDOW_FALLBACK);
}

/** A short-window rate, so pipeline and upload window follow changes within seconds. */
function recentMeter(): RateMeter {
  return new RateMeter(4_000, 250, 1_000);
}

function blockId(index: number, block: number): number {
  return index * BLOCKS_PER_PIECE_ID + block;
}

/** Joins or splits byte parts into chunks of at most `size` (a byte stream has no message bounds). */
function coalesce(parts: readonly Uint8Array[], size: number): Uint8Array[] {
  if (parts.length === 1 && (parts[0] as Uint8Array).length <= size) return [parts[0] as Uint8Array];
  let total = 0;
  for (const part of parts) total += part.length;
  const out: Uint8Array[] = [];
  let chunk = new Uint8Array(Math.min(size, total));
  let filled = 0;
  for (const part of parts) {
    let offset = 0;
    while (offset < part.length) {
      const n = Math.min(part.length - offset, chunk.length - filled);
      chunk.set(part.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      total -= n;
      if (filled === chunk.length) {
        out.push(chunk);
        chunk = new Uint8Array(Math.min(size, total));
        filled = 0;
      }
    }
  }
  return out;
}
