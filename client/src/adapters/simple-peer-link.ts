import SimplePeer from 'simple-peer/simplepeer.min.js';
import { ErrorCode, TabswarmError, toTabswarmError } from '../../../shared/errors.js';
import { explainIceFailure, type LinkRoute } from '../../../shared/links/index.js';
import { routeFromStats } from './link-route-stats.js';
import { IceRestarter } from './ice-restart.js';
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

/** A WebRTC implementation for environments without one (Node: `@roamhq/wrtc`). */
export type WrtcImplementation = NonNullable<SimplePeer.Options['wrtc']>;

/** Options of {@link SimplePeerLinkFactory}. */
export interface SimplePeerLinkFactoryOptions {
  /** WebRTC classes to use instead of the browser's (Node tests). */
  wrtc?: WrtcImplementation;
  /** Stream id of the pre-negotiated `dht` channel; both ends must agree. */
  dhtChannelId?: number;
}

/** Fixed id of the `dht` channel, created with `negotiated: true` on both ends (no DCEP round trip). */
export const DHT_CHANNEL_ID = 100;

/** Bytes held for delivery until `open`; a remote that sends more is cut off. */
const MAX_EARLY_BYTES = 8 * 1024 * 1024;

/** The parts of simple-peer's instance it does not declare publicly. */
interface SimplePeerInternals {
  _pc: RTCPeerConnection;
  _channel: RTCDataChannel | null;
  _onIceStateChange(): void;
  _onConnectionStateChange(): void;
  negotiate(): void;
}

/**
 * A {@link PeerLink} over simple-peer 9: simple-peer does the offer/answer/trickle dance and owns
 * the `wire` channel; the `dht` channel is a second, pre-negotiated channel on the same
 * RTCPeerConnection. Messages go straight to `RTCDataChannel.send` (simple-peer's `send`), never
 * through its stream layer, so backpressure is ours.
 */
export class SimplePeerLink implements PeerLink {
  readonly remoteId: string;
  readonly initiator: boolean;
  private currentState: PeerLink['state'] = 'connecting';
  private readonly events = new Emitter<PeerLinkEvents>();
  private readonly peer: SimplePeer.Instance;
  private readonly dht: RTCDataChannel | undefined;
  private peerConnected = false;
  private dhtOpen = false;
  private finished = false;
  /** Messages that arrived before we emitted `open` (the remote's channels opened first). */
  private early: Array<[PeerChannel, Uint8Array]> = [];
  private earlyBytes = 0;
  private readonly drains = new DrainWaiters<PeerChannel>((channel) => this.bufferedAmount(channel));
  private readonly iceServers: RTCIceServer[];
  private readonly restarter: IceRestarter | undefined;

  constructor(opts: PeerLinkOptions, factoryOpts: SimplePeerLinkFactoryOptions = {}) {
    this.remoteId = opts.remoteId;
    this.initiator = opts.initiator;
    this.iceServers = opts.iceServers;
    this.peer = new SimplePeer({
      initiator: opts.initiator,
      // A tracker relays one offer and one answer: WebTorrent links carry complete SDP.
      trickle: !opts.webtorrent,
      config: { iceServers: opts.iceServers },
      channelName: 'wire',
      ...(factoryOpts.wrtc ? { wrtc: factoryOpts.wrtc } : {}),
    });
    // A WebTorrent link has the wire channel alone: nothing else to wait for.
    if (opts.webtorrent) this.dhtOpen = true;
    else this.dht = this.openDhtChannel(factoryOpts.dhtChannelId ?? DHT_CHANNEL_ID);

    this.restarter = this.keepThroughNetworkChanges();

    this.peer.on('signal', (data: unknown) => {
      if (!this.finished) this.events.emit('signal', data);
    });
    this.peer.on('connect', () => {
      this.peerConnected = true;
      const wire = this.wireChannel();
      wire?.addEventListener('bufferedamountlow', () => this.drains.check());
      this.maybeOpen();
    });
    this.peer.on('data', (chunk: Uint8Array | string) => this.receive('wire', chunk));
    this.peer.on('error', (err: Error & { code?: string }) => {
      // ICE gave up on every candidate pair before the link ever opened: say why in plain words.
      const iceFailed = err.code === 'ERR_ICE_CONNECTION_FAILURE' || err.code === 'ERR_CONNECTION_FAILURE';
      if (iceFailed && this.currentState === 'connecting')
        this.fail(explainIceFailure(this.iceServers), ErrorCode.NoRoute);
      else this.fail(`${err.code ?? 'ERR'}: ${err.message}`);
    });
    this.peer.on('close', () => this.finish());

    this.dht?.addEventListener('open', () => {
      this.dhtOpen = true;
      this.maybeOpen();
    });
    this.dht?.addEventListener('message', (event: MessageEvent) => this.receive('dht', event.data));
    this.dht?.addEventListener('bufferedamountlow', () => this.drains.check());
    this.dht?.addEventListener('close', () => this.close());
  }

  /** The pre-negotiated `dht` channel on simple-peer's RTCPeerConnection. */
  private openDhtChannel(id: number): RTCDataChannel | undefined {
    try {
      const pc = (this.peer as unknown as SimplePeerInternals)._pc;
      const channel = pc.createDataChannel('dht', { negotiated: true, id });
      channel.binaryType = 'arraybuffer';
      return channel;
    } catch (err) {
      // No RTCPeerConnection (simple-peer reports that itself) or the channel was refused.
      const message = err instanceof Error ? err.message : String(err);
      setTimeout(() => this.fail(`ERR_DATA_CHANNEL: ${message}`), 0);
      return undefined;
    }
  }

  get state(): PeerLink['state'] {
    return this.currentState;
  }

  signal(data: unknown): void {
    if (this.currentState === 'closed') return;
    try {
      if (typeof data !== 'object' || data === null) throw new Error('signal data is not an object');
      if (this.currentState === 'open' && this.restarter?.incoming(data) === false) return;
      this.peer.signal(data as SimplePeer.SignalData);
    } catch (err) {
      this.fail(`bad signal: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  send(channel: PeerChannel, data: Uint8Array): boolean {
    checkMessageSize(data);
    if (this.currentState !== 'open') return false;
    const target = channel === 'wire' ? this.wireChannel() : this.dht;
    if (!target || target.readyState !== 'open') return false;
    try {
      target.send(data as Uint8Array<ArrayBuffer>);
      return true;
    } catch {
      return false;
    }
  }

  bufferedAmount(channel: PeerChannel): number {
    const target = channel === 'wire' ? this.wireChannel() : this.dht;
    return target?.bufferedAmount ?? 0;
  }

  waitForDrain(channel: PeerChannel, lowWaterBytes = PEER_LOW_WATER_BYTES): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(linkClosedError(this.remoteId));
    const target = channel === 'wire' ? this.wireChannel() : this.dht;
    // Browsers fire `bufferedamountlow` at the threshold; the waiters also poll for wrtc.
    if (target && typeof target.bufferedAmountLowThreshold === 'number') {
      target.bufferedAmountLowThreshold = Math.min(
        lowWaterBytes,
        this.drains.lowestMark(channel) ?? lowWaterBytes,
      );
    }
    return this.drains.wait(channel, lowWaterBytes);
  }

  async route(): Promise<LinkRoute | undefined> {
    if (this.currentState !== 'open') return undefined;
    try {
      const pc = (this.peer as unknown as SimplePeerInternals)._pc;
      return routeFromStats(await pc.getStats());
    } catch {
      return undefined; // closed meanwhile
    }
  }

  close(): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.teardown(linkClosedError(this.remoteId));
  }

  on<E extends keyof PeerLinkEvents>(event: E, listener: PeerLinkEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof PeerLinkEvents>(event: E, listener: PeerLinkEvents[E]): void {
    this.events.off(event, listener);
  }

  /**
   * simple-peer destroys a connection whose ICE fails; an open link instead restarts ICE (see
   * ice-restart.ts) and is given up only when that does not bring a path back.
   */
  private keepThroughNetworkChanges(): IceRestarter | undefined {
    const internals = this.peer as unknown as SimplePeerInternals;
    const pc = internals._pc;
    if (pc === undefined) return undefined;
    const restarter = new IceRestarter(pc, this.initiator, {
      offer: () => internals.negotiate(),
      resendOffer: () => {
        const sdp = pc.localDescription?.sdp;
        if (sdp !== undefined) this.events.emit('signal', { type: 'offer', sdp });
      },
      askRestart: () => this.events.emit('signal', { type: 'renegotiate', renegotiate: true }),
      giveUp: () =>
        this.fail('connection lost: the network changed and restarting ICE did not bring it back'),
    });
    const onIce = internals._onIceStateChange.bind(internals);
    const onConnection = internals._onConnectionStateChange.bind(internals);
    internals._onIceStateChange = () => {
      if (!restarter.stateChanged(this.currentState === 'open')) onIce();
    };
    internals._onConnectionStateChange = () => {
      if (!restarter.stateChanged(this.currentState === 'open')) onConnection();
    };
    return restarter;
  }

  private wireChannel(): RTCDataChannel | null {
    return (this.peer as unknown as SimplePeerInternals)._channel;
  }

  private maybeOpen(): void {
    if (this.currentState !== 'connecting' || !this.peerConnected || !this.dhtOpen) return;
    this.currentState = 'open';
    this.events.emit('open');
    const early = this.early;
    this.early = [];
    for (const [channel, data] of early) {
      if (this.currentState !== 'open') break;
      this.events.emit('data', channel, data);
    }
  }

  private receive(channel: PeerChannel, raw: unknown): void {
    if (this.finished) return;
    const data = toBytes(raw);
    if (this.currentState === 'connecting') {
      this.early.push([channel, data]);
      this.earlyBytes += data.byteLength;
      if (this.earlyBytes > MAX_EARLY_BYTES) this.fail('too much data before the link opened');
    } else if (this.currentState === 'open') this.events.emit('data', channel, data);
  }

  private fail(message: string, code: ErrorCode = ErrorCode.ConnectionFailed): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    const err =
      code === ErrorCode.ConnectionFailed
        ? linkClosedError(this.remoteId, message)
        : new TabswarmError(code, `peer ${this.remoteId}: ${message}`);
    this.events.emit('error', err);
    this.teardown(err);
  }

  private teardown(err: TabswarmError): void {
    this.restarter?.stop();
    this.drains.rejectAll(err);
    if (!this.peer.destroyed) this.peer.destroy();
    try {
      this.dht?.close();
    } catch {
      // already closed
    }
    // simple-peer emits 'close' after destroy; this covers a destroy that emits nothing.
    setTimeout(() => this.finish(), 0);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.currentState = 'closed';
    this.early = [];
    this.drains.rejectAll(linkClosedError(this.remoteId));
    this.events.emit('close');
    this.events.clear();
  }
}

/** Copies nothing when it can: views over the received buffer. */
function toBytes(raw: unknown): Uint8Array {
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  if (ArrayBuffer.isView(raw)) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (typeof raw === 'string') return new TextEncoder().encode(raw);
  return new Uint8Array(0);
}

/** Creates {@link SimplePeerLink}s. */
export class SimplePeerLinkFactory implements PeerLinkFactory {
  constructor(private readonly opts: SimplePeerLinkFactoryOptions = {}) {}

  /** Throws CONNECTION_FAILED when there is no WebRTC at all (no browser support, no `wrtc`). */
  create(opts: PeerLinkOptions): PeerLink {
    try {
      return new SimplePeerLink(opts, this.opts);
    } catch (err) {
      throw toTabswarmError(err, ErrorCode.ConnectionFailed);
    }
  }
}
