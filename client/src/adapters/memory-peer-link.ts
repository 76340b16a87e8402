import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import {
  explainIceFailure,
  type CandidateType,
  type LinkPath,
  type LinkRoute,
} from '../../../shared/links/index.js';
import { DrainWaiters } from './drain-waiters.js';
import { Emitter } from '../util/emitter.js';
import {
  checkMessageSize,
  linkClosedError,
  PEER_LOW_WATER_BYTES,
  type PeerChannel,
  type PeerLink,
  type PeerLinkEvents,
  type PeerLinkFactory,
  type PeerLinkOptions,
} from './peer-link.js';

/** Options of {@link MemoryPeerLinkFactory}. */
export interface MemoryPeerLinkFactoryOptions {
  /** Bytes a link delivers per direction per timer tick; models a finite link so queues build up. */
  bytesPerTick?: number;
  /** The path open links report from `route()` (default `direct`), as a NAT network would give. */
  path?: LinkPath;
  /** Round-trip time open links report, milliseconds (default 1). */
  rttMs?: number;
  /**
   * Links made by this factory find no route, as two tabs behind symmetric NATs: once the answer
   * arrives, ICE fails on both ends (NO_ROUTE, explained as a real link would).
   */
  noRoute?: boolean;
}

/** The candidate types a link on `path` would have selected. */
const CANDIDATES: Record<LinkPath, [CandidateType, CandidateType]> = {
  direct: ['host', 'host'],
  srflx: ['srflx', 'srflx'],
  relay: ['relay', 'srflx'],
};

const SDP_PREFIX = 'memory-peer-link:';
/** Initiators waiting for an answer, by offer token; shared by every memory factory in the process. */
const offers = new Map<string, MemoryPeerLink>();
let nextToken = 1;

/**
 * In-memory twin of {@link PeerLink}: the same signal exchange (offer, candidate, answer, relayed by
 * the app), the same events and the same queue/backpressure behaviour, with no WebRTC.
 */
export class MemoryPeerLink implements PeerLink {
  readonly remoteId: string;
  readonly initiator: boolean;
  private currentState: PeerLink['state'] = 'connecting';
  private readonly events = new Emitter<PeerLinkEvents>();
  private readonly token: string | undefined;
  private remote: MemoryPeerLink | undefined;
  private finished = false;
  private readonly queues: Record<PeerChannel, Uint8Array[]> = { wire: [], dht: [] };
  private readonly queued: Record<PeerChannel, number> = { wire: 0, dht: 0 };
  private pumping = false;
  private readonly drains = new DrainWaiters<PeerChannel>((channel) => this.queued[channel]);
  /** A WebTorrent link: no dht channel, no trickled candidate. */
  private readonly wireOnly: boolean;

  private readonly iceServers: RTCIceServer[];

  constructor(
    opts: PeerLinkOptions,
    private readonly bytesPerTick: number,
    private readonly network: Pick<MemoryPeerLinkFactoryOptions, 'path' | 'rttMs' | 'noRoute'> = {},
  ) {
    this.iceServers = opts.iceServers;
    this.remoteId = opts.remoteId;
    this.initiator = opts.initiator;
    this.wireOnly = opts.webtorrent === true;
    if (opts.initiator) {
      this.token = String(nextToken++);
      offers.set(this.token, this);
      const sdp = SDP_PREFIX + this.token;
      setTimeout(() => {
        if (this.currentState !== 'connecting') return;
        this.events.emit('signal', { type: 'offer', sdp });
        if (!this.wireOnly)
          this.events.emit('signal', { type: 'candidate', candidate: { candidate: 'memory', sdpMid: '0' } });
      }, 0);
    }
  }

  get state(): PeerLink['state'] {
    return this.currentState;
  }

  signal(data: unknown): void {
    if (this.currentState !== 'connecting') return;
    const signal = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
    if (signal.type === 'candidate' || 'candidate' in signal || signal.renegotiate === true) return;
    const token =
      typeof signal.sdp === 'string' && signal.sdp.startsWith(SDP_PREFIX)
        ? signal.sdp.slice(SDP_PREFIX.length)
        : '';
    if (signal.type === 'offer' && !this.initiator) this.acceptOffer(token);
    else if (signal.type === 'answer' && this.initiator && token === this.token) this.acceptAnswer();
    else this.fail('signal() called with invalid signal data');
  }

  send(channel: PeerChannel, data: Uint8Array): boolean {
    checkMessageSize(data);
    if (this.currentState !== 'open' || (channel === 'dht' && this.wireOnly)) return false;
    this.queues[channel].push(data.slice());
    this.queued[channel] += data.byteLength;
    this.schedulePump();
    return true;
  }

  bufferedAmount(channel: PeerChannel): number {
    return this.queued[channel];
  }

  waitForDrain(channel: PeerChannel, lowWaterBytes = PEER_LOW_WATER_BYTES): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(linkClosedError(this.remoteId));
    return this.drains.wait(channel, lowWaterBytes);
  }

  route(): Promise<LinkRoute | undefined> {
    if (this.currentState !== 'open') return Promise.resolve(undefined);
    const path = this.network.path ?? 'direct';
    const [local, remote] = CANDIDATES[path];
    return Promise.resolve({ path, local, remote, rttMs: this.network.rttMs ?? 1 });
  }

  close(): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.teardown(linkClosedError(this.remoteId));
  }

  /** Test hook: the connection fails here (`error` + `close`); the remote sees `close`. */
  fail(message = 'connection failed', code: ErrorCode = ErrorCode.ConnectionFailed): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    const err =
      code === ErrorCode.ConnectionFailed
        ? linkClosedError(this.remoteId, message)
        : new TabswarmError(code, `peer ${this.remoteId}: ${message}`);
    this.events.emit('error', err);
    this.teardown(err);
  }

  on<E extends keyof PeerLinkEvents>(event: E, listener: PeerLinkEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof PeerLinkEvents>(event: E, listener: PeerLinkEvents[E]): void {
    this.events.off(event, listener);
  }

  private acceptOffer(token: string): void {
    const initiator = offers.get(token);
    if (!initiator || initiator.currentState !== 'connecting' || initiator.remote) {
      this.fail('offer does not match a waiting peer');
      return;
    }
    this.remote = initiator;
    initiator.remote = this;
    setTimeout(() => {
      if (this.currentState !== 'connecting') return;
      this.events.emit('signal', { type: 'answer', sdp: SDP_PREFIX + token });
    }, 0);
  }

  private acceptAnswer(): void {
    const remote = this.remote;
    if (this.token !== undefined) offers.delete(this.token);
    if (!remote || remote.currentState !== 'connecting') {
      this.fail('answer from a peer that is gone');
      return;
    }
    // Like ICE + DTLS + SCTP, opening takes a little while and happens on both ends.
    setTimeout(() => {
      if (this.currentState !== 'connecting' || remote.currentState !== 'connecting') return;
      if (this.network.noRoute === true) {
        // Every candidate pair failed: both ends give up, each saying why.
        remote.fail(explainIceFailure(remote.iceServers), ErrorCode.NoRoute);
        this.fail(explainIceFailure(this.iceServers), ErrorCode.NoRoute);
        return;
      }
      this.currentState = 'open';
      remote.currentState = 'open';
      this.events.emit('open');
      remote.events.emit('open');
    }, 1);
  }

  private schedulePump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setTimeout(() => this.pump(), 0);
  }

  /** Delivers up to `bytesPerTick` per tick, alternating channels so neither starves. */
  private pump(): void {
    this.pumping = false;
    if (this.currentState !== 'open') return;
    let budget = this.bytesPerTick;
    let progressed = true;
    while (budget > 0 && progressed) {
      progressed = false;
      for (const channel of ['dht', 'wire'] as const) {
        const data = this.queues[channel].shift();
        if (!data) continue;
        this.queued[channel] -= data.byteLength;
        budget -= data.byteLength;
        progressed = true;
        this.remote?.deliver(channel, data);
        if (this.currentState !== 'open') return;
      }
    }
    this.drains.check();
    if (this.queued.wire + this.queued.dht > 0) this.schedulePump();
  }

  private deliver(channel: PeerChannel, data: Uint8Array): void {
    if (this.currentState === 'open') this.events.emit('data', channel, data);
  }

  private teardown(err: TabswarmError): void {
    if (this.token !== undefined && offers.get(this.token) === this) offers.delete(this.token);
    this.drains.rejectAll(err);
    for (const channel of ['wire', 'dht'] as const) {
      this.queues[channel] = [];
      this.queued[channel] = 0;
    }
    const remote = this.remote;
    setTimeout(() => {
      this.finish();
      remote?.close();
    }, 0);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.events.emit('close');
    this.events.clear();
  }
}

/** Creates {@link MemoryPeerLink}s; links from any memory factory pair up through their signals. */
export class MemoryPeerLinkFactory implements PeerLinkFactory {
  private readonly bytesPerTick: number;

  constructor(private readonly opts: MemoryPeerLinkFactoryOptions = {}) {
    this.bytesPerTick = opts.bytesPerTick ?? 1024 * 1024;
  }

  create(opts: PeerLinkOptions): PeerLink {
    return new MemoryPeerLink(opts, this.bytesPerTick, this.opts);
  }
}
