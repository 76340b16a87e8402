import { toHex } from '../../../shared/bytes.js';
import type { TabswarmError } from '../../../shared/errors.js';
import {
  LinkAdmission,
  type LinkAdmissionOptions,
  type LinkAdmissionStats,
  type LinkCloseOutput,
  type LinkRoute,
} from '../../../shared/links/index.js';
import { MachineDriver, realScheduler, type Scheduler } from '../../../shared/machine/driver.js';
import type { Random } from '../../../shared/random.js';
import { Emitter } from '../util/emitter.js';
import type { PeerLink, PeerLinkFactory } from '../adapters/peer-link.js';

/**
 * What a link is for, sent with its first signal: a torrent's peer wire stream (`infoHash`) or,
 * without one, only the DHT. Every link between tabs carries a DHT channel either way; a link made
 * through a WebTorrent tracker (`webtorrent`) carries the wire alone and is never a DHT contact.
 */
export interface LinkPurpose {
  infoHash?: string;
  /** Made through a WebTorrent tracker: one data channel, complete SDP, no DHT. Never sent. */
  webtorrent?: boolean;
}

/** The envelope of a WebRTC signal between tabs, relayed by the server or the overlay. */
export interface LinkSignal extends LinkPurpose {
  link: string;
  signal: unknown;
}

export interface TrackedLink {
  id: string;
  remoteId: string;
  link: PeerLink;
  purpose: LinkPurpose;
  open: boolean;
  /** How the open link got through and its RTT, refreshed every {@link ROUTE_REFRESH_MS}. */
  route?: LinkRoute;
  /** Milliseconds from making the link (offer or answer) to its channels opening. */
  setupMs?: number;
}

/** How often open links' routes and RTTs are read again (ICE may move a link to another pair). */
export const ROUTE_REFRESH_MS = 5_000;

export type ConnectionsEvents = {
  /** A link's channels are open. */
  open: (link: TrackedLink) => void;
  close: (link: TrackedLink) => void;
  /** An open link's path became known or changed (direct, srflx, relay). */
  route: (link: TrackedLink) => void;
  /** A link failed before or after opening (NO_ROUTE: ICE found no way; the message says why). */
  failed: (link: TrackedLink, error: TabswarmError) => void;
  /** A signal must reach `to` (through the overlay or the server: the tab decides). */
  signal: (to: string, envelope: LinkSignal) => void;
  change: () => void;
};

/** Options of {@link Connections} beyond its budget. */
export interface ConnectionsOptions {
  /** Overrides of the admission policy's defaults (shared/links/link-admission.ts). */
  admission?: Partial<Omit<LinkAdmissionOptions, 'liveBudget'>>;
  /** Clock and timers for the links' deadlines (default: `Date.now` and `setTimeout`). */
  scheduler?: Scheduler;
}

/**
 * The tab's WebRTC links, within a fixed budget (Chromium allows ~500 connections per tab over
 * its life and each costs ~140 ms): creates them, routes their signals, and reports open/close.
 * Which links may start, and when a half-open one is given up, is decided by the pure
 * {@link LinkAdmission} policy; this class only carries out its decisions.
 */
export class Connections extends Emitter<ConnectionsEvents> {
  private readonly links = new Map<string, TrackedLink>();
  private readonly admission: LinkAdmission;
  private readonly driver: MachineDriver<LinkCloseOutput>;
  private routeTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly selfId: string,
    private readonly factory: PeerLinkFactory,
    private readonly random: Random,
    readonly budget: number,
    private readonly iceServers: () => RTCIceServer[],
    /** Whether to accept an incoming link with this purpose (a torrent we have, DHT admission). */
    private readonly accept: (from: string, purpose: LinkPurpose) => boolean,
    options: ConnectionsOptions = {},
  ) {
    super();
    this.admission = new LinkAdmission({ ...options.admission, liveBudget: budget });
    const scheduler =
      options.scheduler ??
      realScheduler(
        () => Date.now(),
        (fire, ms) => setTimeout(fire, ms),
        (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      );
    this.driver = new MachineDriver(this.admission, scheduler, {
      // A link past its deadline, or evicted for a better offer, is closed; its 'close' follows.
      execute: (out) => this.links.get(out.id)?.link.close(),
    });
  }

  /** Links started in this tab's life (outgoing and incoming): each is one RTCPeerConnection. */
  get opened(): number {
    return this.admission.opened;
  }

  /** The admission policy's counts: half-open links, refusals by reason, expiries. */
  stats(): LinkAdmissionStats {
    return this.admission.stats();
  }

  get size(): number {
    return this.links.size;
  }

  get hasRoom(): boolean {
    return this.links.size < this.budget;
  }

  all(): TrackedLink[] {
    return [...this.links.values()];
  }

  /** Open links to `remoteId`. */
  to(remoteId: string): TrackedLink[] {
    return this.all().filter((l) => l.remoteId === remoteId);
  }

  /** The link with this id (open or opening), if any. */
  byId(id: string): TrackedLink | undefined {
    return this.links.get(id);
  }

  /** A link (open or opening) to `remoteId` for the same purpose, if any. */
  find(remoteId: string, infoHash: string | undefined): TrackedLink | undefined {
    return this.all().find((l) => l.remoteId === remoteId && l.purpose.infoHash === infoHash);
  }

  /**
   * Opens a link to `remoteId`; undefined when the policy refuses (live budget, half-open
   * outgoing links, lifetime budget).
   */
  connect(remoteId: string, purpose: LinkPurpose): TrackedLink | undefined {
    if (!this.hasRoom || !this.driver.input(() => this.admission.outgoing())?.admit) return undefined;
    const id = toHex(this.random.bytes(8));
    const link = this.factory.create({ remoteId, initiator: true, iceServers: this.iceServers() });
    return this.track(id, remoteId, link, purpose, 'out');
  }

  /**
   * A link offered through a WebTorrent tracker for `infoHash`: whoever answers it is not known
   * until the answer names them (`remoteId` is '' until then). Its signals are not emitted as
   * 'signal' (the tracker carries them). Undefined when the policy refuses.
   */
  offerWebTorrent(infoHash: string): TrackedLink | undefined {
    if (!this.hasRoom || !this.driver.input(() => this.admission.outgoing())?.admit) return undefined;
    const link = this.factory.create({
      remoteId: '',
      initiator: true,
      iceServers: this.iceServers(),
      webtorrent: true,
    });
    return this.track(toHex(this.random.bytes(8)), '', link, { infoHash, webtorrent: true }, 'out');
  }

  /**
   * `remoteId` answered our WebTorrent offer. False, and the link closed, when it is this tab or a
   * peer this tab already has a link with for the same swarm.
   */
  answeredWebTorrent(tracked: TrackedLink, remoteId: string, answer: unknown): boolean {
    if (this.links.get(tracked.id) !== tracked || tracked.open) return false;
    if (remoteId === this.selfId || this.find(remoteId, tracked.purpose.infoHash)) {
      this.drop(tracked);
      return false;
    }
    tracked.remoteId = remoteId;
    tracked.link.signal(answer);
    return true;
  }

  /**
   * An offer from `from` relayed by a WebTorrent tracker for `infoHash`: the link that answers it
   * (its answer comes out of the link's 'signal'), or undefined when refused: by the admission
   * policy (as any offer), for a swarm this tab does not have, or when a link to `from` for that
   * swarm exists already.
   */
  acceptWebTorrent(from: string, infoHash: string, offer: unknown): TrackedLink | undefined {
    if (from === this.selfId || this.find(from, infoHash)) return undefined;
    const admission = this.driver.input((now) => this.admission.incoming(from, infoHash, offer, now));
    if (!admission?.admit || !this.accept(from, { infoHash })) return undefined;
    const link = this.factory.create({
      remoteId: from,
      initiator: false,
      iceServers: this.iceServers(),
      webtorrent: true,
    });
    const purpose: LinkPurpose = { infoHash, webtorrent: true };
    const tracked = this.track(toHex(this.random.bytes(8)), from, link, purpose, 'in', admission.evict);
    link.signal(offer);
    return tracked;
  }

  /** A signal arrived for us (from the server or the overlay). */
  receiveSignal(from: string, data: unknown): void {
    const env = data as Partial<LinkSignal> | null;
    if (!env || typeof env !== 'object' || typeof env.link !== 'string' || env.link.length > 32) return;
    const existing = this.links.get(env.link);
    if (existing) {
      if (existing.remoteId === from) existing.link.signal(env.signal);
      return;
    }
    const purpose: LinkPurpose = typeof env.infoHash === 'string' ? { infoHash: env.infoHash } : {};
    const key = purpose.infoHash ?? '';
    // Both sides dialled each other for the same purpose: the lower id's offer wins. (A half-open
    // link the remote offered before is the policy's business: a refreshed offer never replaces it.)
    const same = this.all().filter((l) => l.remoteId === from && (l.purpose.infoHash ?? '') === key);
    const mine = same.find((l) => l.link.initiator && !l.open);
    if (same.some((l) => l.open) || (mine && this.selfId < from)) return;
    // Refused by the policy (not an offer, a duplicate, backing off, no room) or not ours: no
    // RTCPeerConnection is made, the offer goes unanswered and the other side gives up.
    const admission = this.driver.input((now) => this.admission.incoming(from, key, env.signal, now));
    if (!admission?.admit || !this.accept(from, purpose)) return;
    if (mine) this.drop(mine);
    const link = this.factory.create({ remoteId: from, initiator: false, iceServers: this.iceServers() });
    this.track(env.link, from, link, purpose, 'in', admission.evict);
    link.signal(env.signal);
  }

  closeAll(): void {
    clearInterval(this.routeTimer);
    this.routeTimer = undefined;
    for (const l of this.links.values()) l.link.close();
  }

  /** Reads the route of `tracked` again; tells when its path changed. */
  private async readRoute(tracked: TrackedLink): Promise<void> {
    const route = await tracked.link.route();
    if (route === undefined || !this.links.has(tracked.id)) return;
    const moved = tracked.route?.path !== route.path;
    tracked.route = route;
    if (moved) this.emit('route', tracked);
    this.emit('change');
  }

  /** One timer for all links, only while some are open. */
  private watchRoutes(): void {
    if (this.routeTimer !== undefined) return;
    this.routeTimer = setInterval(() => {
      const open = this.all().filter((l) => l.open);
      if (open.length === 0) {
        clearInterval(this.routeTimer);
        this.routeTimer = undefined;
      }
      for (const l of open) void this.readRoute(l);
    }, ROUTE_REFRESH_MS);
  }

  /** Closes a link of ours now, and frees its slot at once rather than when 'close' comes. */
  private drop(tracked: TrackedLink): void {
    this.driver.input((now) => this.admission.linkClosed(tracked.id, now));
    tracked.link.close();
  }

  private track(
    id: string,
    remoteId: string,
    link: PeerLink,
    purpose: LinkPurpose,
    direction: 'in' | 'out',
    evict?: string,
  ): TrackedLink {
    const tracked: TrackedLink = { id, remoteId, link, purpose, open: false };
    const startedAt = Date.now();
    this.links.set(id, tracked);
    // From here the link has a deadline: one nobody answers must not hold a slot for ever.
    this.driver.input((now) =>
      this.admission.start(id, remoteId, purpose.infoHash ?? '', direction, now, evict),
    );
    if (!purpose.webtorrent)
      link.on('signal', (signal) => this.emit('signal', remoteId, { link: id, ...purpose, signal }));
    link.on('open', () => {
      this.driver.input(() => this.admission.linkOpened(id));
      tracked.open = true;
      tracked.setupMs = Date.now() - startedAt;
      this.emit('open', tracked);
      this.emit('change');
      void this.readRoute(tracked);
      this.watchRoutes();
    });
    link.on('error', (err) => this.emit('failed', tracked, err));
    link.on('close', () => {
      this.driver.input((now) => this.admission.linkClosed(id, now));
      this.links.delete(id);
      if (tracked.open) this.emit('close', tracked);
      this.emit('change');
    });
    this.emit('change');
    return tracked;
  }
}
