import { Outbox, type Machine } from '../machine/machine.js';
import { TimerTable } from '../machine/timer-table.js';
import { isSdpOffer } from './offer-shape.js';
import { RemoteBackoff, type BackoffOptions } from './remote-backoff.js';

/** Settings of a {@link LinkAdmission}; see {@link LINK_ADMISSION_DEFAULTS} for why each is what it is. */
export interface LinkAdmissionOptions {
  /** Links at most at once, open or opening, both directions (the tab's live budget). */
  liveBudget: number;
  /** Incoming links that are not open yet, at most at once. */
  maxHalfOpenIncoming: number;
  /** Outgoing links that are not open yet, at most at once. */
  maxHalfOpenOutgoing: number;
  /** An incoming link not open this long after its offer is closed. */
  incomingDeadlineMs: number;
  /** An outgoing link not open this long after we made it is closed. */
  outgoingDeadlineMs: number;
  /**
   * When the half-open pool is full, a half-open incoming link at least this old may give its
   * slot to a new offer from a remote with no worse record.
   */
  evictAfterMs: number;
  /** RTCPeerConnections a tab may create over its whole life (Chromium's ~500). */
  lifetimeBudget: number;
  /**
   * Incoming offers may start links only while fewer than `lifetimeBudget * incomingShare` links
   * were ever made: the rest of the lifetime budget is kept for links this tab dials itself.
   */
  incomingShare: number;
  /** The per-remote backoff after incoming links that never opened. */
  backoff: BackoffOptions;
}

/**
 * Defaults, measured against what real links need here: a connection opens ~140 ms after its
 * offer on loopback and within a few seconds across NATs (STUN checks, a TURN allocation).
 *
 * - 8 half-open incoming: 20 % of the 40-link budget, so offers that never complete can hold at
 *   most 8 slots; at ~140 ms a link, 8 slots let a seeder take ~50 new links a second.
 * - 16 half-open outgoing: the tab's own dials (a tracker reply names up to 20 peers, the DHT
 *   keeps a few links); with the incoming 8 that is 24 of 40, so half-open links never fill the
 *   budget and at least 16 slots are always left for open links.
 * - Incoming deadline 10 s: ~70 times a loopback setup and room for a slow NAT traversal; the
 *   dialling side waits 20 s (the outgoing deadline) because its offer may wait in a relay.
 * - Eviction after 3 s: a link that has not opened in 3 s is unlikely to be a real tab on a good
 *   path, and a flood cannot keep a new offer out by holding old slots.
 * - Lifetime: 500, of which incoming offers may start at most 80 % (400): a flood can never take
 *   the last 100 connections, which stay for the links this tab chooses to dial.
 * - Backoff 30 s doubling to 1 h, forgotten after 2 h: the first failure costs a real remote one
 *   retry interval (peers re-announce every ~30 s); a remote that keeps offering links it never
 *   completes starts at most 7 in its first hour and one an hour after that, so the lifetime
 *   budget a flood of n ids can spend grows with n and the log of time, not with its send rate.
 */
export const LINK_ADMISSION_DEFAULTS = {
  liveBudget: 40,
  maxHalfOpenIncoming: 8,
  maxHalfOpenOutgoing: 16,
  incomingDeadlineMs: 10_000,
  outgoingDeadlineMs: 20_000,
  evictAfterMs: 3_000,
  lifetimeBudget: 500,
  incomingShare: 0.8,
  backoff: { baseMs: 30_000, maxMs: 3_600_000, forgetAfterMs: 7_200_000, maxRemotes: 4096 },
} as const satisfies LinkAdmissionOptions;

/** Which side made the offer. */
export type LinkDirection = 'in' | 'out';

/**
 * Why a link was not started: the first signal is not an SDP offer; the remote already has a
 * half-open link for this purpose; the remote is backing off; the half-open pool or the live
 * budget is full; the lifetime budget (or, for incoming, its share of it) is spent.
 */
export type LinkRefusal = 'not-an-offer' | 'duplicate' | 'backoff' | 'half-open' | 'budget' | 'lifetime';

/** A decision: start the link (after closing `evict`, a half-open link it replaces), or not. */
export type Admission = { admit: true; evict?: string } | { admit: false; reason: LinkRefusal };

/** What the host must do: close a link that is past its deadline or was evicted. */
export interface LinkCloseOutput {
  type: 'close';
  id: string;
  reason: 'deadline' | 'evicted';
}

/** Counts for the status view and tests. */
export interface LinkAdmissionStats {
  /** Links ever started (each is one RTCPeerConnection). */
  opened: number;
  /** Of those, started by incoming offers. */
  openedIncoming: number;
  halfOpenIncoming: number;
  halfOpenOutgoing: number;
  live: number;
  /** Refusals by reason, over the tab's life. */
  refused: Record<LinkRefusal, number>;
  /** Half-open links closed at their deadline or evicted. */
  expired: number;
  evicted: number;
}

interface Entry {
  id: string;
  remote: string;
  /** The purpose (an info-hash, or '' for the DHT alone). */
  key: string;
  direction: LinkDirection;
  startedAt: number;
  open: boolean;
}

/**
 * Admission of a tab's WebRTC links, so that links cannot be held hostage: every link, before an
 * RTCPeerConnection is made for it, is admitted here, and every link's fate is reported back.
 *
 * - Half-open links have their own small pools (incoming and outgoing) and deadlines, so links
 *   that never open can never fill the live budget.
 * - An incoming link starts only with an SDP offer, one half-open link per remote and purpose
 *   (a refreshed offer neither adds a link nor extends the first one's deadline), and a remote
 *   whose incoming link never opened is ignored for a growing time ({@link RemoteBackoff}).
 * - When the incoming pool is full, a new offer may take the slot of the half-open link whose
 *   remote has the worst record (the oldest among equals, if older than `evictAfterMs`).
 * - `opened` counts every link ever started; incoming offers may use only a share of the
 *   lifetime budget.
 *
 * A sans-I/O machine: inputs take `now`; deadlines live in one {@link TimerTable}; what to close
 * comes out of `poll()`. The host calls `incoming`/`outgoing` to ask, `start` once it made the
 * link, and `linkOpened`/`linkClosed` as the link's state changes.
 */
export class LinkAdmission implements Machine<LinkCloseOutput> {
  private readonly options: LinkAdmissionOptions;
  private readonly entries = new Map<string, Entry>();
  /** Half-open incoming links, oldest first. */
  private readonly halfIn = new Map<string, Entry>();
  private halfOut = 0;
  private live = 0;
  private started = 0;
  private startedIncoming = 0;
  private expired = 0;
  private evicted = 0;
  private readonly refused: Record<LinkRefusal, number> = {
    'not-an-offer': 0,
    duplicate: 0,
    backoff: 0,
    'half-open': 0,
    budget: 0,
    lifetime: 0,
  };
  private readonly backoff: RemoteBackoff;
  private readonly timers = new TimerTable<'deadline'>();
  private readonly outbox = new Outbox<LinkCloseOutput>();

  constructor(options: Partial<LinkAdmissionOptions> = {}) {
    this.options = { ...LINK_ADMISSION_DEFAULTS, ...options };
    this.backoff = new RemoteBackoff(this.options.backoff);
  }

  /** Links ever started, both directions. */
  get opened(): number {
    return this.started;
  }

  /** Links that may be started by incoming offers over the tab's life. */
  get incomingLifetimeCap(): number {
    return Math.floor(this.options.lifetimeBudget * this.options.incomingShare);
  }

  /**
   * Should an offer from `remote` for purpose `key`, whose first signal is `signal`, start a link?
   * Nothing changes until {@link start}; a refusal is counted.
   */
  incoming(remote: string, key: string, signal: unknown, now: number): Admission {
    return this.count(this.decideIncoming(remote, key, signal, now));
  }

  /** May this tab dial a new link now? Nothing changes until {@link start}; a refusal is counted. */
  outgoing(): Admission {
    const o = this.options;
    if (this.started >= o.lifetimeBudget) return this.count(refuse('lifetime'));
    if (this.halfOut >= o.maxHalfOpenOutgoing) return this.count(refuse('half-open'));
    if (this.total >= o.liveBudget) return this.count(refuse('budget'));
    return { admit: true };
  }

  /**
   * The host made link `id` after an admission: it counts from now, with its deadline. For an
   * incoming link that was admitted with `evict`, that link is dropped here (and queued to close).
   */
  start(
    id: string,
    remote: string,
    key: string,
    direction: LinkDirection,
    now: number,
    evict?: string,
  ): void {
    if (this.entries.has(id)) return;
    if (evict !== undefined) this.evict(evict, now);
    const entry: Entry = { id, remote, key, direction, startedAt: now, open: false };
    this.entries.set(id, entry);
    this.started++;
    if (direction === 'in') {
      this.startedIncoming++;
      this.halfIn.set(id, entry);
    } else this.halfOut++;
    const wait = direction === 'in' ? this.options.incomingDeadlineMs : this.options.outgoingDeadlineMs;
    this.timers.set('deadline', now + wait, id);
  }

  /** Link `id` is open: it leaves the half-open pool, and its remote's record is wiped. */
  linkOpened(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.open) return;
    this.leaveHalfOpen(entry);
    entry.open = true;
    this.live++;
    this.timers.clear('deadline', id);
    if (entry.direction === 'in') this.backoff.succeeded(entry.remote);
  }

  /** Link `id` closed (for any reason). An incoming link that never opened counts against its remote. */
  linkClosed(id: string, now: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.drop(entry, now);
  }

  /** Counts, for the status view and tests. */
  stats(): LinkAdmissionStats {
    return {
      opened: this.started,
      openedIncoming: this.startedIncoming,
      halfOpenIncoming: this.halfIn.size,
      halfOpenOutgoing: this.halfOut,
      live: this.live,
      refused: { ...this.refused },
      expired: this.expired,
      evicted: this.evicted,
    };
  }

  poll(): LinkCloseOutput[] {
    return this.outbox.poll();
  }

  nextTimeout(): number | undefined {
    return this.timers.next();
  }

  handleTimeout(now: number): void {
    for (const due of this.timers.due(now)) {
      const entry = this.entries.get(due.subject as string);
      if (entry === undefined || entry.open) continue;
      this.expired++;
      this.drop(entry, now);
      this.outbox.push({ type: 'close', id: entry.id, reason: 'deadline' });
    }
  }

  private get total(): number {
    return this.entries.size;
  }

  private decideIncoming(remote: string, key: string, signal: unknown, now: number): Admission {
    const o = this.options;
    if (!isSdpOffer(signal)) return refuse('not-an-offer');
    for (const e of this.halfIn.values())
      if (e.remote === remote && e.key === key) return refuse('duplicate');
    if (this.backoff.blocked(remote, now)) return refuse('backoff');
    if (this.started >= this.incomingLifetimeCap) return refuse('lifetime');
    if (this.halfIn.size < o.maxHalfOpenIncoming && this.total < o.liveBudget) return { admit: true };
    const victim = this.victimFor(remote, now);
    if (victim !== undefined) return { admit: true, evict: victim };
    return refuse(this.halfIn.size >= o.maxHalfOpenIncoming ? 'half-open' : 'budget');
  }

  /**
   * The half-open incoming link a new offer from `remote` may replace: the one whose remote has
   * the most failures on record (the oldest among equals). A remote with a cleaner record takes
   * its slot at once; one with an equal record only once it is `evictAfterMs` old, so a flood of
   * fresh ids cannot cut off a real link that is still connecting.
   */
  private victimFor(remote: string, now: number): string | undefined {
    let worst: Entry | undefined;
    let worstFailures = -1;
    for (const e of this.halfIn.values()) {
      const failures = this.backoff.failures(e.remote, now);
      if (failures > worstFailures) {
        worst = e;
        worstFailures = failures;
      }
    }
    if (worst === undefined) return undefined;
    const mine = this.backoff.failures(remote, now);
    if (worstFailures > mine) return worst.id;
    if (worstFailures === mine && now - worst.startedAt >= this.options.evictAfterMs) return worst.id;
    return undefined;
  }

  private evict(id: string, now: number): void {
    const entry = this.halfIn.get(id);
    if (entry === undefined) return;
    this.evicted++;
    this.drop(entry, now);
    this.outbox.push({ type: 'close', id, reason: 'evicted' });
  }

  private drop(entry: Entry, now: number): void {
    this.entries.delete(entry.id);
    this.timers.clear('deadline', entry.id);
    if (entry.open) this.live--;
    else {
      this.leaveHalfOpen(entry);
      if (entry.direction === 'in') this.backoff.failed(entry.remote, now);
    }
  }

  private leaveHalfOpen(entry: Entry): void {
    if (entry.direction === 'in') this.halfIn.delete(entry.id);
    else this.halfOut--;
  }

  private count(decision: Admission): Admission {
    if (!decision.admit) this.refused[decision.reason]++;
    return decision;
  }
}

function refuse(reason: LinkRefusal): Admission {
  return { admit: false, reason };
}
