import { ErrorCode, toTabswarmError } from '../errors.js';
import type { InfoDictionary } from '../info-dictionary.js';
import type { ExtensionHandshake } from '../wire/extension-handshake.js';
import { MetadataAssembler } from '../wire/metadata-assembler.js';
import { encodeUtMetadata, metadataPiece, metadataPieceCount, parseUtMetadata } from '../wire/ut-metadata.js';
import type { ExtensionSender, SwarmExtension } from './extension-registry.js';
import type { PeerKey } from './piece-picker.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';

/** The extended message id we want ut_metadata on. */
export const UT_METADATA_ID = 3;
/** A ut_metadata request unanswered for this long goes to another peer. */
export const METADATA_REQUEST_TIMEOUT = 10_000;
/** A peer that rejected or ignored a ut_metadata request is asked again after this long. */
export const METADATA_RETRY_AFTER = 30_000;
/** ut_metadata requests outstanding per peer. */
export const METADATA_REQUESTS_PER_PEER = 2;

/** The metadata exchange's state of one peer. */
interface PeerMetadata {
  /** Pieces requested from the peer, with when. */
  readonly requests: Map<number, number>;
  /** Do not ask the peer before this time (it rejected or timed out; Infinity: other size). */
  backoffUntil: number;
  /** Pieces served to it (a flood is rejected). */
  served: number;
}

/**
 * BEP 9 ut_metadata as a swarm extension: serves the info dictionary in 16 KiB pieces, and
 * without it asks peers that advertise a `metadata_size` for the pieces (a couple per peer,
 * spread at random), assembles and checks them, and hands the result to `onComplete`. Its
 * timers: `metadata-request` (the oldest unanswered request of a peer expires) and
 * `metadata-backoff` (a peer that rejected or ignored us may be asked again).
 */
export class MetadataExchange implements SwarmExtension {
  readonly name = 'ut_metadata';
  private assembler: MetadataAssembler | undefined;
  private readonly state = new Map<PeerKey, PeerMetadata>();

  constructor(
    private readonly core: SwarmCore,
    private readonly sender: ExtensionSender,
    private readonly onComplete: (info: InfoDictionary, infoBytes: Uint8Array, now: number) => void,
  ) {}

  handshakeFields(): Omit<Partial<ExtensionHandshake>, 'm'> {
    return this.core.infoBytes ? { metadataSize: this.core.infoBytes.length } : {};
  }

  onHandshake(p: SwarmPeer, theirs: ExtensionHandshake, now: number): void {
    const size = theirs.metadataSize;
    if (this.core.info || theirs.m[this.name] === undefined || size === undefined) return;
    if (!this.assembler) this.assembler = new MetadataAssembler(this.core.infoHash, size);
    this.setBackoff(p, this.assembler.totalSize === size ? 0 : Infinity);
    this.request(now);
  }

  onMessage(p: SwarmPeer, payload: Uint8Array, now: number): void {
    const msg = parseUtMetadata(payload);
    const m = this.of(p);
    switch (msg.type) {
      case 'request': {
        if (!this.sender.supports(p)) return;
        const infoBytes = this.core.infoBytes;
        // Each piece a few times over is plenty; more is a flood.
        const limit = infoBytes ? 4 * metadataPieceCount(infoBytes.length) + 8 : 0;
        const reply =
          infoBytes && msg.piece < metadataPieceCount(infoBytes.length) && m.served < limit
            ? encodeUtMetadata({
                type: 'data',
                piece: msg.piece,
                totalSize: infoBytes.length,
                data: metadataPiece(infoBytes, msg.piece),
              })
            : encodeUtMetadata({ type: 'reject', piece: msg.piece });
        if (infoBytes) m.served++;
        this.sender.send(p, reply, now);
        return;
      }
      case 'reject':
        if (this.dropRequest(p, msg.piece)) {
          this.setBackoff(p, now + METADATA_RETRY_AFTER);
          this.request(now);
        }
        return;
      case 'data':
        if (this.dropRequest(p, msg.piece)) this.onData(p, msg.piece, msg.totalSize, msg.data, now);
        return;
    }
  }

  onPeerRemoved(p: SwarmPeer): void {
    this.state.delete(p.key);
  }

  /** Asks peers that advertise ut_metadata for the pieces not yet in or in flight. */
  request(now: number): void {
    const assembler = this.assembler;
    if (this.core.info || !assembler) return;
    const inFlight = new Set<number>();
    for (const m of this.state.values()) for (const piece of m.requests.keys()) inFlight.add(piece);
    const sources = [...this.core.peers.values()].filter(
      (p) => this.sender.supports(p) && now >= this.of(p).backoffUntil,
    );
    if (sources.length === 0) return;
    for (const piece of assembler.missingPieces()) {
      if (inFlight.has(piece)) continue;
      const free = sources.filter((p) => this.of(p).requests.size < METADATA_REQUESTS_PER_PEER);
      if (free.length === 0) return;
      const p = free[this.core.random.int(free.length)] as SwarmPeer;
      this.of(p).requests.set(piece, now);
      this.syncRequestTimer(p);
      this.sender.send(p, encodeUtMetadata({ type: 'request', piece }), now);
    }
  }

  /** The `metadata-request` timer: requests unanswered for METADATA_REQUEST_TIMEOUT expire. */
  onRequestTimer(p: SwarmPeer, now: number): void {
    const m = this.of(p);
    let expired = false;
    for (const [piece, at] of m.requests) {
      if (now >= at + METADATA_REQUEST_TIMEOUT) {
        m.requests.delete(piece);
        this.setBackoff(p, now + METADATA_RETRY_AFTER);
        expired = true;
      }
    }
    this.syncRequestTimer(p);
    if (expired) this.request(now);
  }

  /** The info dictionary is known (from us, or assembled): nothing is in flight any more. */
  infoKnown(): void {
    for (const [key, m] of this.state) {
      m.requests.clear();
      this.core.timers.clear('metadata-request', key);
    }
  }

  private onData(p: SwarmPeer, piece: number, totalSize: number, data: Uint8Array, now: number): void {
    const assembler = this.assembler;
    if (this.core.info || !assembler) return;
    if (totalSize !== assembler.totalSize) {
      this.setBackoff(p, Infinity);
      this.request(now);
      return;
    }
    let result: ReturnType<MetadataAssembler['add']>;
    try {
      result = assembler.add(piece, data);
    } catch (err) {
      // Hashes to the info-hash yet is not a usable info dictionary: the torrent is broken.
      this.dropAssembler();
      this.core.event({
        type: 'metadata-invalid',
        reason: toTabswarmError(err, ErrorCode.InfoInvalid).message,
      });
      return;
    }
    if (result === 'complete') {
      const done = assembler.result() as { infoBytes: Uint8Array; info: InfoDictionary };
      this.dropAssembler();
      this.onComplete(done.info, done.infoBytes, now);
      return;
    }
    if (result === 'invalid') {
      this.core.event({
        type: 'metadata-invalid',
        reason: 'metadata does not hash to the info-hash; fetching again',
      });
    }
    this.request(now);
  }

  /** No more assembling: backoffs no longer matter. */
  private dropAssembler(): void {
    this.assembler = undefined;
    for (const key of this.state.keys()) this.core.timers.clear('metadata-backoff', key);
  }

  private dropRequest(p: SwarmPeer, piece: number): boolean {
    const dropped = this.of(p).requests.delete(piece);
    if (dropped) this.syncRequestTimer(p);
    return dropped;
  }

  /** Sets when `p` may be asked again; the `metadata-backoff` timer runs while that is ahead. */
  private setBackoff(p: SwarmPeer, until: number): void {
    this.of(p).backoffUntil = until;
    if (until === Infinity || until === 0) this.core.timers.clear('metadata-backoff', p.key);
    else this.core.timers.set('metadata-backoff', until, p.key);
  }

  /** The `metadata-request` timer is the expiry of `p`'s oldest request. */
  private syncRequestTimer(p: SwarmPeer): void {
    let oldest = Infinity;
    for (const at of this.of(p).requests.values()) oldest = Math.min(oldest, at);
    if (oldest === Infinity) this.core.timers.clear('metadata-request', p.key);
    else this.core.timers.set('metadata-request', oldest + METADATA_REQUEST_TIMEOUT, p.key);
  }

  private of(p: SwarmPeer): PeerMetadata {
    let m = this.state.get(p.key);
    if (!m) this.state.set(p.key, (m = { requests: new Map(), backoffUntil: 0, served: 0 }));
    return m;
  }
}
