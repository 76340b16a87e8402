import { toHex } from '../../../shared/bytes.js';
import type { Random } from '../../../shared/random.js';
import { Emitter } from '../util/emitter.js';
import type { PeerLink, PeerLinkFactory } from '../adapters/peer-link.js';

/**
 * What a link is for, sent with its first signal: a torrent's peer wire stream (`infoHash`) or,
 * without one, only the DHT. Every link carries a DHT channel either way.
 */
export interface LinkPurpose {
  infoHash?: string;
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
}

export type ConnectionsEvents = {
  /** A link's channels are open. */
  open: (link: TrackedLink) => void;
  close: (link: TrackedLink) => void;
  /** A signal must reach `to` (through the overlay or the server: the tab decides). */
  signal: (to: string, envelope: LinkSignal) => void;
  change: () => void;
};

const CONNECT_TIMEOUT_MS = 20_000;

/**
 * The tab's WebRTC links, within a fixed budget (Chromium allows ~500 connections per tab over
 * its life and each costs ~140 ms): creates them, routes their signals, and reports open/close.
 */
export class Connections extends Emitter<ConnectionsEvents> {
  private readonly links = new Map<string, TrackedLink>();
  /** Links opened in this tab's life (outgoing and incoming). */
  opened = 0;

  constructor(
    private readonly selfId: string,
    private readonly factory: PeerLinkFactory,
    private readonly random: Random,
    readonly budget: number,
    private readonly iceServers: () => RTCIceServer[],
    /** Whether to accept an incoming link with this purpose (a torrent we have, DHT admission). */
    private readonly accept: (from: string, purpose: LinkPurpose) => boolean,
  ) {
    super();
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

  /** A link (open or opening) to `remoteId` for the same purpose, if any. */
  find(remoteId: string, infoHash: string | undefined): TrackedLink | undefined {
    return this.all().find((l) => l.remoteId === remoteId && l.purpose.infoHash === infoHash);
  }

  /** Opens a link to `remoteId`; undefined when the budget is spent. */
  connect(remoteId: string, purpose: LinkPurpose): TrackedLink | undefined {
    if (!this.hasRoom) return undefined;
    const id = toHex(this.random.bytes(8));
    const link = this.factory.create({ remoteId, initiator: true, iceServers: this.iceServers() });
    return this.track(id, remoteId, link, purpose);
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
    // Both sides dialled each other for the same purpose: the lower id's offer wins.
    const mine = this.find(from, purpose.infoHash);
    if (mine) {
      if (mine.open || this.selfId < from) return;
      mine.link.close();
    }
    // Not ours, or no room: the offer goes unanswered and the other side gives up.
    if (!this.hasRoom || !this.accept(from, purpose)) return;
    const link = this.factory.create({ remoteId: from, initiator: false, iceServers: this.iceServers() });
    this.track(env.link, from, link, purpose);
    link.signal(env.signal);
  }

  closeAll(): void {
    for (const l of this.links.values()) l.link.close();
  }

  private track(id: string, remoteId: string, link: PeerLink, purpose: LinkPurpose): TrackedLink {
    const tracked: TrackedLink = { id, remoteId, link, purpose, open: false };
    this.links.set(id, tracked);
    this.opened++;
    // An offer nobody answers (the other tab left, or refused it) must not hold a slot for ever.
    const giveUp = setTimeout(() => {
      if (!tracked.open) link.close();
    }, CONNECT_TIMEOUT_MS);
    link.on('signal', (signal) => this.emit('signal', remoteId, { link: id, ...purpose, signal }));
    link.on('open', () => {
      clearTimeout(giveUp);
      tracked.open = true;
      this.emit('open', tracked);
      this.emit('change');
    });
    link.on('close', () => {
      clearTimeout(giveUp);
      this.links.delete(id);
      if (tracked.open) this.emit('close', tracked);
      this.emit('change');
    });
    this.emit('change');
    return tracked;
  }
}
