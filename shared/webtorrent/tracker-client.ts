import { toHex } from '../bytes.js';
import { Outbox, TimerTable, type Machine } from '../machine/index.js';
import type { Random } from '../random.js';
import { JitteredBackoff } from '../backoff.js';
import {
  binaryToHex,
  checkWtResponse,
  hexToBinary,
  MAX_WT_OFFERS,
  type WtAnnounceResponse,
  type WtAnswer,
  type WtOffer,
} from './tracker-messages.js';

/** Timing of a {@link WtTrackerClient}; see {@link WT_CLIENT_DEFAULTS}. */
export interface WtTrackerClientOptions {
  /** Re-announce interval until the tracker names one (WebTorrent's default). */
  defaultIntervalMs: number;
  /** A tracker's interval is clamped to this range, so a wrong tracker can neither flood nor silence us. */
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Offers are made at most this often per swarm: each one costs an RTCPeerConnection. */
  minOfferGapMs: number;
  /** After a batch nobody answered the gap doubles, up to this; an answer resets it. */
  maxOfferGapMs: number;
  /** Offers not gathered (complete SDP) by then are announced without. */
  gatherMs: number;
  /** An offer unanswered this long is given up (WebTorrent's 50 s). */
  offerTtlMs: number;
  /** Reconnect waits: from `reconnectMinMs`, doubling up to `reconnectMaxMs`, ±`jitter`. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  jitter: number;
}

/**
 * - Interval 30 s until told, clamped to 15 s..30 min: bittorrent-tracker says 120 s on its
 *   WebSocket side; public trackers say 60–300 s.
 * - Offers at most every 30 s per swarm and per tracker, doubling up to 30 min while nobody
 *   answers (members that never answer, e.g. tabs that meet through tabswarm's own tracker): each
 *   offer costs one of the ~500 RTCPeerConnections a tab may make, so a transfer that keeps
 *   wanting peers spends at most a few an hour on a silent swarm.
 * - 5 s to gather: loopback and LAN candidates take milliseconds, a STUN round trip well under 1 s.
 * - Reconnect 5 s doubling to 10 min with ±25 %: a tracker that is down is asked a few times an
 *   hour, and tabs that lost one tracker together do not come back in step.
 */
export const WT_CLIENT_DEFAULTS: WtTrackerClientOptions = {
  defaultIntervalMs: 30_000,
  minIntervalMs: 15_000,
  maxIntervalMs: 1_800_000,
  minOfferGapMs: 30_000,
  maxOfferGapMs: 1_800_000,
  gatherMs: 5_000,
  offerTtlMs: 50_000,
  reconnectMinMs: 5_000,
  reconnectMaxMs: 600_000,
  jitter: 0.25,
};

/** What the host must do for a {@link WtTrackerClient}. */
export type WtClientOutput =
  /** Open the socket to the tracker (then report `opened` or `closed`). */
  | { type: 'connect' }
  /** Send one message (a JSON text frame). */
  | { type: 'send'; message: Record<string, unknown> }
  /** Make one offering link per id (complete SDP), then report `offerReady` or `offerFailed` for each. */
  | { type: 'make-offers'; infoHash: string; offerIds: string[] }
  /** A swarm member's offer: answer it with `answerReady`, or ignore it. Ids are hex. */
  | { type: 'offer'; infoHash: string; peerId: string; offerId: string; offer: WtOffer }
  /** The answer to our offer `offerId` from `peerId`: feed it to that offer's link. */
  | {
      type: 'answer';
      infoHash: string;
      peerId: string;
      offerId: string;
      answer: { type: 'answer'; sdp: string };
    }
  /** Our offer went unanswered: close its link if it has not opened. */
  | { type: 'offer-expired'; offerId: string }
  /** The tracker refused something, or sent what we cannot read. */
  | { type: 'warning'; message: string };

/** How the host sees one swarm's standing: want is how many more peers it would link to. */
export interface WtSwarmState {
  complete: boolean;
  want: number;
}

interface Batch {
  event: string | undefined;
  ids: string[];
  ready: Map<string, WtOffer>;
}

interface Swarm extends WtSwarmState {
  infoHash: string;
  intervalMs: number;
  /** Other members, from the tracker's last counts (undefined until it sent some). */
  others: number | undefined;
  /** `started` was sent on this connection. */
  started: boolean;
  lastOffersAt: number;
  /** The current wait between batches of offers (grows while nobody answers). */
  offerGapMs: number;
  /** Some offer of the last batch was answered. */
  answered: boolean;
  lastAnnounceAt: number;
  batch: Batch | undefined;
}

type TimerName = 'reconnect' | 'announce' | 'gather' | 'offer';

/**
 * One tab's client of one WebSocket tracker (bittorrent-tracker's protocol, which WebTorrent
 * speaks), for every swarm the tab announces there: one socket per tracker, as WebTorrent does.
 *
 * - Connects, and reconnects with backoff when the socket closes; (re)announces every swarm
 *   with `started` once it is open.
 * - Re-announces at the tracker's interval; announces `completed` when a swarm completes and
 *   `stopped` when it is removed.
 * - Makes offers (at most 5, at most one batch per `minOfferGapMs`) only while the swarm wants
 *   peers and the tracker's counts say somebody else is there: the first announce carries none
 *   and learns the counts. Offers are complete SDP, made by the host (`make-offers`), announced
 *   when all are gathered or after `gatherMs`, and given up after `offerTtlMs`.
 * - Passes on offers relayed from other members and answers to our own offers (only for an offer
 *   id it made and still waits on); ignores its own id.
 *
 * Sans-I/O: inputs take `now`, work comes out of `poll()`, offer ids come from the injected random.
 */
export class WtTrackerClient implements Machine<WtClientOutput> {
  private readonly out = new Outbox<WtClientOutput>();
  private readonly timers = new TimerTable<TimerName>();
  private readonly options: WtTrackerClientOptions;
  private readonly swarms = new Map<string, Swarm>();
  /** Our offers awaiting an answer: offer id (hex) -> info-hash. */
  private readonly offers = new Map<string, string>();
  private readonly peerIdBinary: string;
  private socket: 'closed' | 'connecting' | 'open' = 'closed';
  private readonly reconnects: JitteredBackoff;

  constructor(
    /** This tab's peer id (hex). */
    private readonly peerId: string,
    private readonly random: Random,
    options: Partial<WtTrackerClientOptions> = {},
  ) {
    this.options = { ...WT_CLIENT_DEFAULTS, ...options };
    const { reconnectMinMs, reconnectMaxMs, jitter } = this.options;
    this.reconnects = new JitteredBackoff(reconnectMinMs, reconnectMaxMs, jitter);
    this.peerIdBinary = hexToBinary(peerId);
  }

  /** Swarms announced here. */
  get size(): number {
    return this.swarms.size;
  }

  /** Starts announcing a swarm (info-hash, hex); connects first if needed. */
  add(infoHash: string, state: WtSwarmState, now: number): void {
    if (this.swarms.has(infoHash)) return this.update(infoHash, state, now);
    const swarm: Swarm = {
      infoHash,
      ...state,
      intervalMs: this.options.defaultIntervalMs,
      others: undefined,
      started: false,
      lastOffersAt: -Infinity,
      offerGapMs: this.options.minOfferGapMs,
      answered: false,
      lastAnnounceAt: -Infinity,
      batch: undefined,
    };
    this.swarms.set(infoHash, swarm);
    if (this.socket === 'open') this.announce(swarm, 'started', now);
    else if (this.socket === 'closed' && !this.timers.has('reconnect')) this.connect();
  }

  /** The swarm's standing changed: completing announces `completed`; wanting peers may make offers now. */
  update(infoHash: string, state: WtSwarmState, now: number): void {
    const swarm = this.swarms.get(infoHash);
    if (swarm === undefined) return;
    const completed = state.complete && !swarm.complete;
    swarm.complete = state.complete;
    swarm.want = state.want;
    if (this.socket !== 'open' || !swarm.started) return;
    if (completed) this.announce(swarm, 'completed', now);
    else if (this.offerCount(swarm, now) > 0) this.announce(swarm, undefined, now);
  }

  /** Stops announcing a swarm (`stopped` is sent if the socket is open). */
  remove(infoHash: string, _now: number): void {
    const swarm = this.swarms.get(infoHash);
    if (swarm === undefined) return;
    this.swarms.delete(infoHash);
    this.timers.clear('announce', infoHash);
    this.timers.clear('gather', infoHash);
    this.dropBatch(swarm);
    if (this.socket === 'open' && swarm.started) this.send(this.request(swarm, 'stopped'));
  }

  /** The socket opened: every swarm announces `started`. */
  opened(now: number): void {
    this.socket = 'open';
    for (const swarm of this.swarms.values()) {
      swarm.started = false;
      this.announce(swarm, 'started', now);
    }
  }

  /** The socket closed (or never opened): offers in flight are given up, a reconnect is timed. */
  closed(now: number): void {
    if (this.socket === 'closed') return;
    this.socket = 'closed';
    for (const swarm of this.swarms.values()) {
      swarm.started = false;
      this.dropBatch(swarm);
      this.timers.clear('announce', swarm.infoHash);
      this.timers.clear('gather', swarm.infoHash);
    }
    // Given up because the socket went, not because nobody answered: the offer gap stays.
    for (const offerId of this.offers.keys()) {
      this.timers.clear('offer', offerId);
      this.out.push({ type: 'offer-expired', offerId });
    }
    this.offers.clear();
    if (this.swarms.size === 0) return;
    this.timers.set('reconnect', now + Math.round(this.reconnects.next(this.random.next())));
  }

  /** One decoded frame from the tracker. */
  receive(value: unknown, now: number): void {
    const checked = checkWtResponse(value);
    if (!checked.ok) return this.warn(checked.reason);
    const response = checked.message;
    if (response.kind === 'failure') return this.warn(`tracker failure: ${response.reason}`);
    if (response.kind === 'ignored') return;
    // The tracker speaks our protocol: the backoff starts over.
    this.reconnects.reset();
    this.onAnnounce(response.message, now);
  }

  /** The offer `offerId` has its complete SDP. */
  offerReady(offerId: string, offer: WtOffer, now: number): void {
    for (const swarm of this.swarms.values()) {
      const batch = swarm.batch;
      if (batch === undefined || !batch.ids.includes(offerId)) continue;
      batch.ready.set(offerId, offer);
      if (batch.ready.size === batch.ids.length) this.sendBatch(swarm, now);
      return;
    }
  }

  /** The offer `offerId` could not be made, or its link closed before an answer came. */
  offerFailed(offerId: string, now: number): void {
    if (this.offers.has(offerId)) {
      this.forget(offerId, false);
      return;
    }
    for (const swarm of this.swarms.values()) {
      const batch = swarm.batch;
      if (batch === undefined || !batch.ids.includes(offerId)) continue;
      batch.ids = batch.ids.filter((id) => id !== offerId);
      if (batch.ready.size === batch.ids.length) this.sendBatch(swarm, now);
      return;
    }
  }

  /** Our answer to `peerId`'s offer `offerId` is ready: the tracker relays it. */
  answerReady(infoHash: string, peerId: string, offerId: string, answer: WtAnswer, _now: number): void {
    const swarm = this.swarms.get(infoHash);
    if (swarm === undefined || this.socket !== 'open') return;
    this.send({
      ...this.request(swarm, undefined),
      answer,
      to_peer_id: hexToBinary(peerId),
      offer_id: hexToBinary(offerId),
    });
  }

  poll(): WtClientOutput[] {
    return this.out.poll();
  }

  nextTimeout(): number | undefined {
    return this.timers.next();
  }

  handleTimeout(now: number): void {
    for (const due of this.timers.due(now)) {
      const subject = due.subject as string;
      if (due.name === 'reconnect') this.connect();
      else if (due.name === 'offer') this.expire(subject);
      else {
        const swarm = this.swarms.get(subject);
        if (swarm === undefined) continue;
        if (due.name === 'gather') this.sendBatch(swarm, now);
        else this.announce(swarm, undefined, now);
      }
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  private connect(): void {
    this.socket = 'connecting';
    this.out.push({ type: 'connect' });
  }

  private offerCount(swarm: Swarm, now: number): number {
    if (now - swarm.lastOffersAt < swarm.offerGapMs) return 0;
    return Math.max(0, Math.min(MAX_WT_OFFERS, swarm.want, swarm.others ?? 0));
  }

  /** Announces now, after making offers when they are worth making. */
  private announce(swarm: Swarm, event: string | undefined, now: number): void {
    if (swarm.batch !== undefined) {
      swarm.batch.event ??= event;
      return;
    }
    swarm.lastAnnounceAt = now;
    this.timers.set('announce', now + swarm.intervalMs, swarm.infoHash);
    const count = event === 'completed' || event === 'stopped' ? 0 : this.offerCount(swarm, now);
    if (event === 'started') swarm.started = true;
    if (count === 0) {
      this.send(this.request(swarm, event));
      return;
    }
    swarm.lastOffersAt = now;
    const ids = Array.from({ length: count }, () => toHex(this.random.bytes(20)));
    swarm.batch = { event, ids, ready: new Map() };
    this.timers.set('gather', now + this.options.gatherMs, swarm.infoHash);
    this.out.push({ type: 'make-offers', infoHash: swarm.infoHash, offerIds: ids });
  }

  private sendBatch(swarm: Swarm, now: number): void {
    const batch = swarm.batch;
    if (batch === undefined) return;
    swarm.batch = undefined;
    swarm.answered = false;
    this.timers.clear('gather', swarm.infoHash);
    const offers = batch.ids.flatMap((id) => {
      const offer = batch.ready.get(id);
      if (offer === undefined) {
        this.out.push({ type: 'offer-expired', offerId: id });
        return [];
      }
      this.offers.set(id, swarm.infoHash);
      this.timers.set('offer', now + this.options.offerTtlMs, id);
      return [{ offer, offer_id: hexToBinary(id) }];
    });
    if (this.socket !== 'open') return;
    const request = this.request(swarm, batch.event);
    this.send(offers.length > 0 ? { ...request, numwant: offers.length, offers } : request);
  }

  private dropBatch(swarm: Swarm): void {
    const batch = swarm.batch;
    swarm.batch = undefined;
    for (const id of batch?.ids ?? []) this.out.push({ type: 'offer-expired', offerId: id });
  }

  private expire(offerId: string): void {
    this.forget(offerId, true);
  }

  /**
   * Gives up an announced offer (telling the host to close its link if `tellHost`). When the last
   * offer of a batch goes unanswered, the wait before the next batch doubles.
   */
  private forget(offerId: string, tellHost: boolean): void {
    const infoHash = this.offers.get(offerId);
    if (infoHash === undefined) return;
    this.offers.delete(offerId);
    this.timers.clear('offer', offerId);
    if (tellHost) this.out.push({ type: 'offer-expired', offerId });
    const swarm = this.swarms.get(infoHash);
    if (swarm === undefined || swarm.answered || [...this.offers.values()].includes(infoHash)) return;
    swarm.offerGapMs = Math.min(this.options.maxOfferGapMs, swarm.offerGapMs * 2);
  }

  private request(swarm: Swarm, event: string | undefined): Record<string, unknown> {
    return {
      action: 'announce',
      info_hash: hexToBinary(swarm.infoHash),
      peer_id: this.peerIdBinary,
      numwant: 0,
      uploaded: 0,
      downloaded: 0,
      // Only "seeder or not" matters to a WebSocket tracker.
      left: swarm.complete ? 0 : 1,
      ...(event !== undefined ? { event } : {}),
    };
  }

  private onAnnounce(m: WtAnnounceResponse, now: number): void {
    const infoHash = binaryToHex(m.info_hash);
    const swarm = this.swarms.get(infoHash);
    if (swarm === undefined) return; // a swarm we left
    if (m.peer_id === this.peerIdBinary) return;
    if (m['failure reason'] !== undefined) return this.warn(`tracker failure: ${m['failure reason']}`);
    if (m['warning message'] !== undefined) this.warn(`tracker warning: ${m['warning message']}`);
    const interval = m.interval ?? m['min interval'];
    if (interval !== undefined) {
      const { minIntervalMs, maxIntervalMs } = this.options;
      swarm.intervalMs = Math.min(maxIntervalMs, Math.max(minIntervalMs, interval * 1000));
      this.timers.set('announce', Math.max(now, swarm.lastAnnounceAt + swarm.intervalMs), infoHash);
    }
    if (m.complete !== undefined && m.incomplete !== undefined) {
      swarm.others = Math.max(0, m.complete + m.incomplete - 1);
      // The first announce learnt who is there: offer to them now rather than at the interval.
      if (this.offerCount(swarm, now) > 0 && swarm.batch === undefined) this.announce(swarm, undefined, now);
    }
    const peerId = m.peer_id !== undefined ? binaryToHex(m.peer_id) : undefined;
    if (peerId === undefined || m.offer_id === undefined) return;
    const offerId = binaryToHex(m.offer_id);
    if (m.offer !== undefined) {
      this.out.push({ type: 'offer', infoHash, peerId, offerId, offer: m.offer });
    } else if (m.answer !== undefined && this.offers.get(offerId) === infoHash) {
      this.offers.delete(offerId);
      swarm.answered = true;
      swarm.offerGapMs = this.options.minOfferGapMs;
      this.timers.clear('offer', offerId);
      this.out.push({ type: 'answer', infoHash, peerId, offerId, answer: m.answer });
    }
  }

  private send(message: Record<string, unknown>): void {
    this.out.push({ type: 'send', message });
  }

  private warn(message: string): void {
    this.out.push({ type: 'warning', message });
  }
}
