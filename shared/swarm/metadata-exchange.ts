import { ErrorCode, TabswarmError, toTabswarmError } from '../errors.js';
import type { InfoDictionary } from '../info-dictionary.js';
import type { ExtensionHandshake } from '../wire/extension-handshake.js';
import {
  MAX_METADATA_SIZE,
  encodeUtMetadata,
  metadataPiece,
  metadataPieceCount,
  parseUtMetadata,
} from '../wire/ut-metadata.js';
import type { ExtensionSender, SwarmExtension } from './extension-registry.js';
import { MetadataCandidate } from './metadata-candidate.js';
import type { CandidateResult } from './metadata-candidate.js';
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
/**
 * Most bytes of metadata held at once, over every claimed size being fetched: one info
 * dictionary at the cap. Claims cost nothing until their size is fetched, so no number of
 * `metadata_size` claims makes us hold more.
 */
export const METADATA_BUFFER_BUDGET = MAX_METADATA_SIZE;
/** Most claimed sizes fetched at the same time. */
export const MAX_ACTIVE_METADATA_SIZES = 3;

/** What the exchange asks of the swarm. */
export interface MetadataHooks {
  /** The info dictionary arrived and hashes to the info-hash. */
  complete(info: InfoDictionary, infoBytes: Uint8Array, now: number): void;
  /** `peer` is proven to have sent metadata that is not the torrent's: ban it. */
  ban(peer: PeerKey, reason: string): void;
}

/** The metadata exchange's state of one peer. */
interface PeerMetadata {
  /** Pieces requested from the peer (of the size it claims), with when. */
  readonly requests: Map<number, number>;
  /** Do not ask the peer before this time (it rejected or timed out). */
  backoffUntil: number;
  /** Pieces served to it (a flood is rejected). */
  served: number;
  /** The `metadata_size` it claims (its latest extension handshake). */
  claim: number | undefined;
}

/**
 * BEP 9 ut_metadata as a swarm extension: serves the info dictionary in 16 KiB pieces, and
 * without it fetches the pieces from peers that advertise a `metadata_size` (a couple per peer,
 * spread at random), assembles and checks them, and hands the result to `hooks.complete`.
 *
 * No claim is trusted: each distinct claimed size is a {@link MetadataCandidate}, fetched only
 * from the peers that claimed it, and whichever assembly hashes to the info-hash wins. Sizes are
 * fetched smallest first among those with a peer to ask, at most MAX_ACTIVE_METADATA_SIZES at a
 * time and within METADATA_BUFFER_BUDGET bytes, so a huge claim neither costs memory per claim
 * nor holds back a smaller one; a size whose peers all went quiet makes room for the others. A
 * peer proven to have sent wrong metadata is banned (`hooks.ban`); one that rejects or times out
 * is asked again after METADATA_RETRY_AFTER; a size no one claims any more is forgotten.
 *
 * Its timers: `metadata-request` (the oldest unanswered request of a peer expires) and
 * `metadata-backoff` (a peer that rejected or ignored us may be asked again).
 */
export class MetadataExchange implements SwarmExtension {
  readonly name = 'ut_metadata';
  private readonly candidates = new Map<number, MetadataCandidate>();
  private readonly state = new Map<PeerKey, PeerMetadata>();

  constructor(
    private readonly core: SwarmCore,
    private readonly sender: ExtensionSender,
    private readonly hooks: MetadataHooks,
  ) {}

  /** Bytes of metadata pieces held while fetching (at most METADATA_BUFFER_BUDGET). */
  get bufferedBytes(): number {
    let total = 0;
    for (const c of this.candidates.values()) total += c.bufferedBytes;
    return total;
  }

  handshakeFields(): Omit<Partial<ExtensionHandshake>, 'm'> {
    return this.core.infoBytes ? { metadataSize: this.core.infoBytes.length } : {};
  }

  onHandshake(p: SwarmPeer, theirs: ExtensionHandshake, now: number): void {
    const size = theirs.metadataSize;
    if (this.core.info || theirs.m[this.name] === undefined || size === undefined) return;
    this.claim(p, size);
    this.request(now);
  }

  onMessage(p: SwarmPeer, payload: Uint8Array, now: number): void {
    const msg = parseUtMetadata(payload);
    const m = this.of(p.key);
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
        if (!this.dropRequest(p, msg.piece)) return;
        // We only ask a peer for pieces of the size it claims: another size is a lie.
        if (msg.totalSize !== m.claim) {
          throw new TabswarmError(
            ErrorCode.MetadataInvalid,
            `ut_metadata total_size ${msg.totalSize} after claiming metadata_size ${String(m.claim)}`,
          );
        }
        this.onData(p, msg.totalSize, msg.piece, msg.data, now);
        return;
    }
  }

  onPeerRemoved(p: SwarmPeer): void {
    this.unclaim(p);
    this.state.delete(p.key);
  }

  /** Asks the peers behind each size being fetched for the pieces not yet in or in flight. */
  request(now: number): void {
    if (this.core.info) return;
    for (const c of this.selectActive(now)) this.requestPieces(c, now);
  }

  /** The `metadata-request` timer: requests unanswered for METADATA_REQUEST_TIMEOUT expire. */
  onRequestTimer(p: SwarmPeer, now: number): void {
    const m = this.of(p.key);
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
      m.claim = undefined;
      this.core.timers.clear('metadata-request', key);
      this.core.timers.clear('metadata-backoff', key);
    }
    this.candidates.clear();
  }

  private onData(p: SwarmPeer, size: number, piece: number, data: Uint8Array, now: number): void {
    const c = this.candidates.get(size);
    if (this.core.info || !c) return;
    // A solo assembly takes pieces from its one peer only, so a failure has a single author.
    if (c.solo && c.soloPeer !== p.key) return this.request(now);
    let result: CandidateResult;
    try {
      result = c.add(p.key, piece, data);
    } catch (err) {
      // Hashes to the info-hash yet is not a usable info dictionary: the torrent is broken.
      this.infoKnown();
      this.core.event({
        type: 'metadata-invalid',
        reason: toTabswarmError(err, ErrorCode.InfoInvalid).message,
      });
      return;
    }
    if (result.status !== 'incomplete') {
      const why = `sent metadata that does not hash to the info-hash (${size} bytes claimed)`;
      for (const peer of result.culprits) {
        this.core.event({ type: 'metadata-invalid', reason: why, peer });
        this.hooks.ban(peer, why);
      }
      if (result.status === 'complete') {
        this.infoKnown();
        this.hooks.complete(result.info, result.infoBytes, now);
        return;
      }
      if (result.culprits.length === 0) {
        this.core.event({
          type: 'metadata-invalid',
          reason: `metadata of ${size} bytes from several peers does not hash to the info-hash; fetching it from one peer at a time`,
        });
      }
    }
    this.request(now);
  }

  /**
   * Which sizes hold an assembly now: those with a peer to ask first, smallest first, within
   * the count and byte budgets (so the smallest askable size always fits, and no claim made
   * before it can starve it); the rest drop what they held. Returns the askable active ones.
   */
  private selectActive(now: number): MetadataCandidate[] {
    const ranked = [...this.candidates.values()].map((c) => ({ c, ready: this.sources(c, now).length > 0 }));
    ranked.sort((a, b) => Number(b.ready) - Number(a.ready) || a.c.size - b.c.size);
    const askable: MetadataCandidate[] = [];
    let room = METADATA_BUFFER_BUDGET;
    let slots = MAX_ACTIVE_METADATA_SIZES;
    for (const { c, ready } of ranked) {
      if (slots > 0 && c.size <= room) {
        slots--;
        room -= c.size;
        c.activate();
        if (ready) askable.push(c);
      } else if (c.active) {
        c.deactivate();
        for (const key of c.claimants) this.clearRequests(key);
      }
    }
    return askable;
  }

  /** Requests the missing pieces of `c` from its claimants (from its solo peer only, if solo). */
  private requestPieces(c: MetadataCandidate, now: number): void {
    let sources = this.sources(c, now);
    if (c.solo) {
      const solo = this.pickSolo(c, sources);
      sources = solo ? [solo] : [];
    }
    if (sources.length === 0) return;
    const inFlight = new Set<number>();
    for (const key of c.claimants) for (const piece of this.of(key).requests.keys()) inFlight.add(piece);
    for (const piece of c.missingPieces()) {
      if (inFlight.has(piece)) continue;
      const free = sources.filter((p) => this.of(p.key).requests.size < METADATA_REQUESTS_PER_PEER);
      if (free.length === 0) return;
      const p = free[this.core.random.int(free.length)] as SwarmPeer;
      this.of(p.key).requests.set(piece, now);
      this.syncRequestTimer(p);
      this.sender.send(p, encodeUtMetadata({ type: 'request', piece }), now);
    }
  }

  /**
   * The peer a solo assembly comes from: the current one while it can be asked, else a claimant
   * not yet given a turn (so a quiet liar cannot hold the size by being picked again and again).
   * A new peer starts the assembly over, so pieces never mix.
   */
  private pickSolo(c: MetadataCandidate, sources: SwarmPeer[]): SwarmPeer | undefined {
    const current = sources.find((p) => p.key === c.soloPeer);
    if (current || sources.length === 0) return current;
    let pool = sources.filter((p) => !c.soloTried.has(p.key));
    if (pool.length === 0) {
      c.soloTried.clear();
      pool = sources;
    }
    const p = pool[this.core.random.int(pool.length)] as SwarmPeer;
    c.soloPeer = p.key;
    c.soloTried.add(p.key);
    c.restart();
    for (const key of c.claimants) if (key !== p.key) this.clearRequests(key);
    return p;
  }

  /** Claimants of `c` that can be asked now. */
  private sources(c: MetadataCandidate, now: number): SwarmPeer[] {
    const out: SwarmPeer[] = [];
    for (const key of c.claimants) {
      const p = this.core.peers.get(key);
      if (p && this.sender.supports(p) && now >= this.of(key).backoffUntil) out.push(p);
    }
    return out;
  }

  /** Records `p`'s claim of `size`, moving it from the size it claimed before. */
  private claim(p: SwarmPeer, size: number): void {
    if (this.of(p.key).claim === size) return;
    this.unclaim(p);
    this.of(p.key).claim = size;
    let c = this.candidates.get(size);
    if (!c) this.candidates.set(size, (c = new MetadataCandidate(this.core.infoHash, size)));
    c.claimants.add(p.key);
  }

  /** `p` no longer claims its size: its requests are void, and a size no one claims is forgotten. */
  private unclaim(p: SwarmPeer): void {
    const m = this.state.get(p.key);
    const c = m?.claim === undefined ? undefined : this.candidates.get(m.claim);
    if (!m || !c) return;
    this.clearRequests(p.key);
    m.claim = undefined;
    c.claimants.delete(p.key);
    c.soloTried.delete(p.key);
    if (c.soloPeer === p.key) c.soloPeer = undefined;
    if (c.claimants.size === 0) this.candidates.delete(c.size);
  }

  private clearRequests(key: PeerKey): void {
    this.of(key).requests.clear();
    this.core.timers.clear('metadata-request', key);
  }

  private dropRequest(p: SwarmPeer, piece: number): boolean {
    const dropped = this.of(p.key).requests.delete(piece);
    if (dropped) this.syncRequestTimer(p);
    return dropped;
  }

  /** Sets when `p` may be asked again; the `metadata-backoff` timer runs while that is ahead. */
  private setBackoff(p: SwarmPeer, until: number): void {
    this.of(p.key).backoffUntil = until;
    this.core.timers.set('metadata-backoff', until, p.key);
  }

  /** The `metadata-request` timer is the expiry of `p`'s oldest request. */
  private syncRequestTimer(p: SwarmPeer): void {
    let oldest = Infinity;
    for (const at of this.of(p.key).requests.values()) oldest = Math.min(oldest, at);
    if (oldest === Infinity) this.core.timers.clear('metadata-request', p.key);
    else this.core.timers.set('metadata-request', oldest + METADATA_REQUEST_TIMEOUT, p.key);
  }

  private of(key: PeerKey): PeerMetadata {
    let m = this.state.get(key);
    if (!m) this.state.set(key, (m = { requests: new Map(), backoffUntil: 0, served: 0, claim: undefined }));
    return m;
  }
}
