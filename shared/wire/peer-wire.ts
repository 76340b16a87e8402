import { bytesEqual } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { TimerTable } from '../machine/timer-table.js';
import { Bitfield } from './bitfield.js';
import { parseExtensionHandshake } from './extension-handshake.js';
import type { ExtensionHandshake } from './extension-handshake.js';
import { FAST_MESSAGES, MAX_PIECES, WireDecoder, encodeHandshake, encodeMessage } from './wire-codec.js';
import type { Handshake, WireMessage } from './wire-codec.js';

/** Send a keep-alive when we have sent nothing for this long (BEP 3 suggests every 2 minutes). */
export const KEEPALIVE_INTERVAL = 60_000;
/** Drop a peer that has sent nothing (not even a keep-alive) for this long. */
export const IDLE_TIMEOUT = 150_000;
/** Drop a peer that has not completed its handshake within this long. */
export const HANDSHAKE_TIMEOUT = 15_000;
/** Extended message id 0 is the BEP 10 handshake. */
export const EXTENDED_HANDSHAKE_ID = 0;

/** What one connection reports upward after framing and bookkeeping. */
export type PeerWireEvent =
  | { type: 'handshake'; handshake: Handshake }
  | { type: 'extension-handshake'; handshake: ExtensionHandshake }
  | Exclude<WireMessage, { type: 'keep-alive' }>;

/** The timers of one connection. */
export type WireTimer = 'handshake-timeout' | 'keepalive' | 'idle-timeout';

/**
 * Where a {@link PeerWire} keeps its timers: a view of its owner's {@link TimerTable} with the
 * connection as subject (the swarm's table), so the owner's `nextTimeout()` stays one lookup.
 */
export interface WireTimers {
  set(name: WireTimer, at: number): void;
  clear(name: WireTimer): void;
}

/** What one due wire timer asks for: keep-alive bytes to send, or the reason to close (neither: it fired early). */
export interface WireTimerResult {
  send?: Uint8Array;
  close?: TabswarmError;
}

/** Options for {@link PeerWire}. */
export interface PeerWireOptions {
  infoHash: Uint8Array;
  /** Our peer id; a handshake carrying it means we connected to ourselves. */
  peerId: Uint8Array;
  /** Piece count, when the metadata is known. */
  pieceCount?: number;
  /** When the transport opened. */
  now: number;
  /** The owner's timer table for this connection; without it the wire keeps its own. */
  timers?: WireTimers;
  /** Set the BEP 6 Fast bit in our handshake (default true). */
  fast?: boolean;
}

/**
 * One peer connection's protocol state, both directions: the handshake exchange, choke and
 * interest flags, which pieces the peer has, its extension handshake, and keep-alive / idle
 * timers. It frames and validates; the swarm decides what the messages mean for the download.
 * Every method that takes bytes off the wire throws TabswarmError on a protocol breach; the
 * caller closes the connection with the error's code.
 *
 * It is a sub-machine of its owner: its three timers (handshake, keep-alive, idle) are set in
 * the owner's {@link TimerTable} through {@link WireTimers} as its state changes, and the owner
 * hands each one back to {@link PeerWire.handleTimer} when it is due. Used alone (tests), it
 * keeps its own table, read by `nextTimeout()` and run by `handleTimeout()`.
 */
export class PeerWire {
  /** We choke the peer (we do not serve its requests). */
  amChoking = true;
  amInterested = false;
  /** The peer chokes us. */
  peerChoking = true;
  peerInterested = false;
  /** The peer's handshake, once received. */
  remote: Handshake | undefined;
  /** The peer's extension handshake, once received. */
  extensions: ExtensionHandshake | undefined;
  /** Pieces the peer has announced (bitfield and haves). */
  readonly peerPieces: Bitfield;
  readonly openedAt: number;
  lastReceived: number;
  lastSent: number;

  private readonly timers: WireTimers;
  /** Its own table, when no owner's was given. */
  private readonly ownTimers: TimerTable<WireTimer> | undefined;
  private readonly decoder: WireDecoder;
  private readonly ourPeerId: Uint8Array;
  private readonly infoHash: Uint8Array;
  private readonly ourFast: boolean;
  /** A bitfield, have-all or have-none is legal only before any other piece announcement. */
  private sawPieceInfo = false;
  /** The peer sent have-all before we knew the piece count: applied by setPieceCount. */
  private haveAllPending = false;
  /**
   * The keep-alive and idle timers are set lazily: every send and receive moves their deadline,
   * so a timer stays where it was set and, when it fires early, is set again from the latest
   * send or receive. An early firing does nothing.
   */
  private keepaliveArmed = false;
  private idleArmed = false;

  constructor(opts: PeerWireOptions) {
    this.infoHash = opts.infoHash;
    this.ourPeerId = opts.peerId;
    this.decoder = new WireDecoder({ handshake: true, infoHash: opts.infoHash });
    this.peerPieces = new Bitfield(opts.pieceCount, MAX_PIECES);
    this.ourFast = opts.fast ?? true;
    this.openedAt = opts.now;
    this.lastReceived = opts.now;
    this.lastSent = opts.now;
    if (opts.timers) {
      this.timers = opts.timers;
    } else {
      const own = new TimerTable<WireTimer>();
      this.ownTimers = own;
      this.timers = { set: (name, at) => own.set(name, at), clear: (name) => own.clear(name) };
    }
    this.timers.set('handshake-timeout', this.openedAt + HANDSHAKE_TIMEOUT);
  }

  /** True once the peer's handshake arrived. */
  get open(): boolean {
    return this.remote !== undefined;
  }

  /** True if the peer set the BEP 10 bit. */
  get supportsExtensions(): boolean {
    return this.remote?.extensions === true;
  }

  /** True if both handshakes set the BEP 6 Fast bit: its messages may be used both ways. */
  get fast(): boolean {
    return this.ourFast && this.remote?.fast === true;
  }

  /** The peer said have-all (now or before the piece count was known). */
  get peerHasAll(): boolean {
    return (
      this.haveAllPending ||
      (this.peerPieces.size !== undefined && this.peerPieces.count === this.peerPieces.size)
    );
  }

  /** Our handshake bytes, sent first on every connection. */
  handshake(now: number): Uint8Array {
    this.lastSent = now;
    return encodeHandshake(this.infoHash, this.ourPeerId, true, this.ourFast);
  }

  /** Fixes the piece count once metadata is known; throws if the peer announced pieces beyond it. */
  setPieceCount(count: number): void {
    this.peerPieces.setSize(count);
    if (this.haveAllPending) {
      this.haveAllPending = false;
      this.peerPieces.setAll();
    }
  }

  /** Takes raw bytes from the transport; returns what they meant, in order. */
  receive(bytes: Uint8Array, now: number): PeerWireEvent[] {
    this.lastReceived = now;
    const out: PeerWireEvent[] = [];
    for (const frame of this.decoder.push(bytes)) {
      const event = this.apply(frame);
      if (event) out.push(event);
    }
    if (this.open) this.armIdle();
    return out;
  }

  /** Encodes `msg` to send and updates our side of the flags. */
  encode(msg: WireMessage, now: number): Uint8Array {
    switch (msg.type) {
      case 'choke':
        this.amChoking = true;
        break;
      case 'unchoke':
        this.amChoking = false;
        break;
      case 'interested':
        this.amInterested = true;
        break;
      case 'not-interested':
        this.amInterested = false;
        break;
    }
    this.lastSent = now;
    if (this.open) this.armKeepalive();
    return encodeMessage(msg);
  }

  /** One of this wire's timers fell due: keep-alive bytes to send, or the reason to close. */
  handleTimer(name: WireTimer, now: number): WireTimerResult {
    switch (name) {
      case 'handshake-timeout':
        if (this.open || now < this.openedAt + HANDSHAKE_TIMEOUT) return {};
        return { close: new TabswarmError(ErrorCode.Timeout, 'no handshake received') };
      case 'idle-timeout':
        this.idleArmed = false;
        if (now < this.lastReceived + IDLE_TIMEOUT) {
          this.armIdle();
          return {};
        }
        return {
          close: new TabswarmError(ErrorCode.Timeout, `nothing received for ${IDLE_TIMEOUT / 1000} s`),
        };
      case 'keepalive':
        this.keepaliveArmed = false;
        if (!this.open) return {};
        if (now < this.lastSent + KEEPALIVE_INTERVAL) {
          this.armKeepalive();
          return {};
        }
        return { send: this.encode({ type: 'keep-alive' }, now) };
    }
  }

  /** Alone: the earliest time `handleTimeout` has something to do (undefined with an owner's table). */
  nextTimeout(): number | undefined {
    return this.ownTimers?.next();
  }

  /** Alone: runs the timers due at `now`; the first close wins over any keep-alive. */
  handleTimeout(now: number): WireTimerResult {
    let result: WireTimerResult = {};
    for (const due of this.ownTimers?.due(now) ?? []) {
      const r = this.handleTimer(due.name, now);
      if (r.close) return r;
      if (r.send) result = r;
    }
    return result;
  }

  private armKeepalive(): void {
    if (this.keepaliveArmed) return;
    this.keepaliveArmed = true;
    this.timers.set('keepalive', this.lastSent + KEEPALIVE_INTERVAL);
  }

  private armIdle(): void {
    if (this.idleArmed) return;
    this.idleArmed = true;
    this.timers.set('idle-timeout', this.lastReceived + IDLE_TIMEOUT);
  }

  private apply(frame: ReturnType<WireDecoder['push']>[number]): PeerWireEvent | undefined {
    switch (frame.type) {
      case 'handshake':
        if (bytesEqual(frame.handshake.peerId, this.ourPeerId)) {
          throw new TabswarmError(ErrorCode.HandshakeInvalid, 'connected to ourselves');
        }
        this.remote = frame.handshake;
        this.timers.clear('handshake-timeout');
        this.armKeepalive();
        return frame;
      case 'keep-alive':
        return undefined;
      case 'choke':
        this.peerChoking = true;
        return frame;
      case 'unchoke':
        this.peerChoking = false;
        return frame;
      case 'interested':
        this.peerInterested = true;
        return frame;
      case 'not-interested':
        this.peerInterested = false;
        return frame;
      case 'have':
        this.sawPieceInfo = true;
        // A repeated have changes nothing; report only news.
        return this.peerPieces.set(frame.index) ? frame : undefined;
      case 'bitfield':
        this.firstPieceInfo('bitfield');
        this.peerPieces.assign(frame.bits);
        return frame;
      case 'have-all':
        this.requireFast(frame.type);
        this.firstPieceInfo('have-all');
        if (this.peerPieces.size === undefined) this.haveAllPending = true;
        else this.peerPieces.setAll();
        return frame;
      case 'have-none':
        this.requireFast(frame.type);
        this.firstPieceInfo('have-none');
        return frame;
      case 'extended':
        if (frame.id === EXTENDED_HANDSHAKE_ID) {
          if (!this.supportsExtensions) {
            throw new TabswarmError(ErrorCode.ProtocolViolation, 'extended message without the BEP 10 bit');
          }
          this.extensions = parseExtensionHandshake(frame.payload);
          return { type: 'extension-handshake', handshake: this.extensions };
        }
        return frame;
      default:
        if (FAST_MESSAGES.has(frame.type)) this.requireFast(frame.type);
        return frame;
    }
  }

  /** BEP 6 messages on a connection without Fast on both sides are a protocol violation. */
  private requireFast(type: string): void {
    if (!this.fast)
      throw new TabswarmError(ErrorCode.ProtocolViolation, `${type} without the Fast extension`);
  }

  /**
   * A bitfield, have-all or have-none comes once, before any have. (BEP 6 asks for it right
   * after the handshake; WebTorrent sends its extension handshake first, so we do not insist.)
   */
  private firstPieceInfo(type: string): void {
    if (this.sawPieceInfo)
      throw new TabswarmError(ErrorCode.ProtocolViolation, `${type} after piece announcements`);
    this.sawPieceInfo = true;
  }
}
