import type { Random } from '../random.js';
import type { PeerKey } from './piece-picker.js';

/**
 * Weight in the optimistic draw of a peer that has what we want yet chokes us and sends nothing
 * (new peers count `newPeerWeight` on top): the slot mostly goes to peers that may reciprocate.
 */
export const WITHHOLDER_WEIGHT = 0.25;

/** What the choker needs to know about one connected peer. */
export interface ChokeCandidate {
  key: PeerKey;
  /** The peer is interested in what we have. */
  interested: boolean;
  /** Bytes/s the peer sends us (its upload to us). */
  downloadRate: number;
  /** Bytes/s we send the peer. */
  uploadRate: number;
  /** When the connection opened. */
  connectedAt: number;
  /** The peer unchokes us but has sent nothing for a long time (see SNUB_TIMEOUT in the swarm). */
  snubbed: boolean;
  /** Payload bytes we have sent the peer so far (a seed rotates its slots on this). */
  uploaded?: number;
  /**
   * Payload bytes the peer has sent us so far. A seed that was a leecher remembers who
   * uploaded to it: those take free slots before peers that never did (a free rider).
   */
  downloaded?: number;
  /**
   * The peer has had at least a piece from us, yet never unchoked us nor sent us a byte: it does
   * not reciprocate (a free rider). A leecher gives it no more optimistic unchokes and ranks it
   * last for a slot.
   */
  ungrateful?: boolean;
  /**
   * The peer unchokes us now. Among peers that upload to us equally (early on: not at all), a
   * leecher prefers those that do, so a regular slot goes to someone who may reciprocate.
   */
  unchokesUs?: boolean;
  /**
   * We want pieces the peer has. A peer that has what we want and still chokes us does not
   * reciprocate (a free rider never does): at equal rates it comes after peers that cannot,
   * having nothing we need.
   */
  weWant?: boolean;
  /**
   * We unchoke the peer but it has asked us for nothing for a while (it wants only pieces it is
   * fetching elsewhere): its slot is lent to another peer until it asks again.
   */
  idle?: boolean;
}

/** The choker's verdict: exactly these peers are unchoked, everyone else is choked. */
export interface ChokeDecision {
  unchoked: Set<PeerKey>;
  optimistic: PeerKey | undefined;
}

/** Default rechoke round interval. */
export const ROUND_INTERVAL = 10_000;
/** Default optimistic unchoke rotation interval. */
export const OPTIMISTIC_INTERVAL = 30_000;
/** Default trial interval of a leecher's optimistic unchoke. */
export const TRIAL_INTERVAL = 2_000;

/** Options for {@link Choker}. */
export interface ChokerOptions {
  random: Random;
  /** Regular upload slots (default 3; the swarm passes UPLOAD_SLOTS); the optimistic unchoke comes on top. */
  slots?: number;
  /** Rechoke round interval (default ROUND_INTERVAL, 10 s). */
  roundInterval?: number;
  /** Optimistic unchoke rotation interval (default OPTIMISTIC_INTERVAL, 30 s). */
  optimisticInterval?: number;
  /** Peers connected for less than this are favoured for the optimistic unchoke (default 60 s). */
  newPeerAge?: number;
  /** How much more likely a new peer is to be picked as optimistic (default 3). */
  newPeerWeight?: number;
  /**
   * A leecher's optimistic unchoke is a trial, judged every this long (default 2 s): a peer that
   * has what we want, chokes us and sends nothing loses the slot to another (TRIAL_INTERVAL).
   */
  trialInterval?: number;
  /**
   * As a seed, a regular slot is handed on once its peer got this many bytes (default 1 MiB; the
   * swarm passes SEED_TURN_BYTES, 256 KiB, checks {@link Choker.turnOver} as it sends and calls
   * {@link Choker.rotate}), and at the first round after a full round interval in any case.
   */
  seedTurnBytes?: number;
  /** Most peers unchoked at once, counting slots lent for idle ones (default 2 x (slots + 1)). */
  maxUnchoked?: number;
}

/**
 * Tit-for-tat choking (Cohen 2003; BEP 3 "choking"). As a leecher, every round the `slots`
 * interested peers that upload to us fastest are unchoked; snubbed peers lose their regular slot.
 * As a seed there is nothing to reciprocate, so the slots go round (libtorrent's round robin): a
 * peer keeps its slot until it has had a round or `seedTurnBytes`, then the peers that have
 * waited longest take over. Ranking a seed's slots by how fast peers download would hand them to
 * whoever uploads least, since its own channel is never busy. One more peer, the optimistic
 * unchoke, rotates every 30 s to a random choked interested peer, new peers weighted 3x, so
 * newcomers get a first piece and better partners can be discovered; as a leecher, it is a
 * trial judged every `trialInterval`, and one that withholds from us is replaced early. Between
 * rounds, a leecher's slot held by a peer giving nothing back goes to one that does as soon as
 * one waits. An unchoked peer that asks for nothing (`idle`) lends its slot: the next waiting
 * peer is unchoked too, so an upload slot is not held by someone with nothing to take from us
 * (libtorrent's rate-based choker unchokes more peers while the upload is not saturated, to the
 * same end). Pure: it returns the set of peers to unchoke; the swarm sends the messages.
 */
export class Choker {
  /** The current optimistic unchoke. */
  optimistic: PeerKey | undefined;
  private readonly random: Random;
  private readonly slots: number;
  private readonly roundInterval: number;
  private readonly optimisticInterval: number;
  private readonly newPeerAge: number;
  private readonly newPeerWeight: number;
  private nextRound: number | undefined;
  private nextOptimistic: number | undefined;
  private readonly trialInterval: number;
  /** When the current optimistic unchoke is next judged; undefined without one. */
  private trialEnds: number | undefined;
  private regular = new Set<PeerKey>();
  private readonly seedTurnBytes: number;
  /** Seeding: when each regular peer's turn began, and its upload total then. */
  private readonly turns = new Map<PeerKey, { at: number; uploaded: number }>();
  /** Seeding: when each peer last held a regular slot. */
  private readonly lastTurn = new Map<PeerKey, number>();
  /** Peers unchoked on a slot lent by an idle peer, until the next round. */
  private readonly lent = new Set<PeerKey>();
  private readonly maxUnchoked: number;

  constructor(opts: ChokerOptions) {
    this.random = opts.random;
    this.slots = opts.slots ?? 3;
    this.roundInterval = opts.roundInterval ?? ROUND_INTERVAL;
    this.optimisticInterval = opts.optimisticInterval ?? OPTIMISTIC_INTERVAL;
    this.newPeerAge = opts.newPeerAge ?? 60_000;
    this.newPeerWeight = opts.newPeerWeight ?? 3;
    this.seedTurnBytes = opts.seedTurnBytes ?? 1024 * 1024;
    this.trialInterval = opts.trialInterval ?? TRIAL_INTERVAL;
    this.maxUnchoked = opts.maxUnchoked ?? 2 * (this.slots + 1);
  }

  /** When {@link handleTimeout} is next due (a round or a trial); undefined before the first round. */
  nextTimeout(): number | undefined {
    if (this.nextRound === undefined) return undefined;
    return this.trialEnds !== undefined ? Math.min(this.nextRound, this.trialEnds) : this.nextRound;
  }

  /**
   * Runs what is due at `now`: a full round, the judgement of an optimistic trial, or both.
   * Afterwards {@link nextTimeout} is later than `now`.
   */
  handleTimeout(peers: readonly ChokeCandidate[], now: number, seeding: boolean): ChokeDecision {
    if (this.nextRound !== undefined && now >= this.nextRound) this.round(peers, now, seeding);
    // Not `else`: rounds and trials count from the same start, so a round is often a trial's end
    // too. A round that keeps the optimistic peer leaves its trial due, and it is judged now.
    if (this.trialEnds !== undefined && now >= this.trialEnds) {
      // Judged again every trial interval: a newcomer with nothing we want passes, until it has
      // something and keeps it from us.
      this.trialEnds = now + this.trialInterval;
      const current = peers.find((p) => p.key === this.optimistic);
      if (!seeding && current !== undefined && (withholds(current) || (current.ungrateful ?? false))) {
        this.setOptimistic(this.pickOptimistic(peers, now, seeding, this.optimistic), now);
      }
    }
    this.lend(peers, seeding);
    return this.decision();
  }

  /**
   * A full rechoke round; call it when `nextTimeout()` has passed. Rotates the optimistic
   * unchoke if its 30 s are up or it no longer qualifies.
   */
  round(peers: readonly ChokeCandidate[], now: number, seeding: boolean): ChokeDecision {
    this.nextRound = now + this.roundInterval;
    if (seeding) {
      this.setRegular(this.roundRobin(peers, now), now);
    } else {
      const eligible = peers.filter((p) => p.interested && !p.snubbed);
      // Random keys first, so equal rates are ordered by the injected Random.
      const keyed = eligible.map((p) => ({ p, tie: this.random.next() }));
      keyed.sort((a, b) => byReciprocation(a.p, b.p) || a.tie - b.tie);
      this.setRegular(
        keyed.slice(0, this.slots).map((k) => k.p),
        now,
      );
    }

    const current = peers.find((p) => p.key === this.optimistic);
    const stillValid = current !== undefined && current.interested && !this.regular.has(current.key);
    if (!stillValid || this.nextOptimistic === undefined || now >= this.nextOptimistic) {
      this.setOptimistic(this.pickOptimistic(peers, now, seeding, this.optimistic), now);
    }
    this.lent.clear();
    this.lend(peers, seeding);
    return this.decision();
  }

  /**
   * Between rounds: peers that became interested take free regular slots at once (so a new
   * downloader does not wait up to 10 s), and a missing optimistic unchoke is filled.
   * Starts the round timer on first use.
   */
  fill(peers: readonly ChokeCandidate[], now: number, seeding: boolean): ChokeDecision {
    if (this.nextRound === undefined) this.nextRound = now + this.roundInterval;
    const present = new Set(peers.filter((p) => p.interested).map((p) => p.key));
    for (const key of this.regular) {
      if (present.has(key)) continue;
      this.regular.delete(key);
      this.turns.delete(key);
      this.lastTurn.set(key, now);
    }
    if (this.optimistic !== undefined && !present.has(this.optimistic)) this.optimistic = undefined;
    const waiting = peers.filter(
      (p) => p.interested && (seeding || !p.snubbed) && !this.regular.has(p.key) && p.key !== this.optimistic,
    );
    if (seeding) {
      const gave = (p: ChokeCandidate): number => Number((p.downloaded ?? 0) > 0);
      waiting.sort((a, b) => gave(b) - gave(a) || this.waitedSince(a) - this.waitedSince(b));
    } else waiting.sort(byReciprocation);
    for (const p of waiting) {
      if (this.regular.size >= this.slots) break;
      this.regular.add(p.key);
      this.turns.set(p.key, { at: now, uploaded: p.uploaded ?? 0 });
    }
    if (!seeding) {
      // A slot that went to a peer giving nothing back (when no one better was waiting) goes to
      // one that does as soon as there is one: tit-for-tat should not wait for the round.
      const byKey = new Map(peers.map((p) => [p.key, p]));
      const better = waiting.filter((p) => !this.regular.has(p.key) && reciprocates(p));
      for (const key of [...this.regular]) {
        if (better.length === 0) break;
        const holder = byKey.get(key);
        if (!holder || reciprocates(holder)) continue;
        const next = better.shift() as ChokeCandidate;
        this.regular.delete(key);
        this.regular.add(next.key);
      }
    }
    if (this.optimistic === undefined) this.setOptimistic(this.pickOptimistic(peers, now, seeding), now);
    this.lend(peers, seeding);
    return this.decision();
  }

  /**
   * As a seed: true if regular peer `key` has had its `seedTurnBytes` (it has been sent
   * `uploaded` bytes in all); the swarm then calls {@link rotate}. Cheap: called per block sent.
   */
  turnOver(key: PeerKey, uploaded: number): boolean {
    const turn = this.turns.get(key);
    return turn !== undefined && this.regular.has(key) && uploaded - turn.uploaded >= this.seedTurnBytes;
  }

  /** As a seed, between rounds: regular peers whose turn is over hand their slot on. */
  rotate(peers: readonly ChokeCandidate[], now: number): ChokeDecision {
    this.setRegular(this.roundRobin(peers, now), now);
    this.lend(peers, true);
    return this.decision();
  }

  /** Forgets a peer that left. */
  removePeer(key: PeerKey): void {
    this.regular.delete(key);
    this.turns.delete(key);
    this.lastTurn.delete(key);
    this.lent.delete(key);
    if (this.optimistic === key) this.optimistic = undefined;
  }

  /**
   * Lends the slots of idle unchoked peers: while fewer than `slots + 1` unchoked peers are
   * taking data, the best waiting interested peers are unchoked too (up to `maxUnchoked` in
   * all). Lent slots last until the next round; a lent peer that lost interest is dropped.
   */
  private lend(peers: readonly ChokeCandidate[], seeding: boolean): void {
    const byKey = new Map(peers.map((p) => [p.key, p]));
    for (const key of this.lent) {
      const p = byKey.get(key);
      if (!p?.interested || this.regular.has(key) || key === this.optimistic) this.lent.delete(key);
    }
    const unchoked = this.decision().unchoked;
    let busy = 0;
    for (const key of unchoked) if (!(byKey.get(key)?.idle ?? false)) busy++;
    if (busy >= this.slots + 1 || unchoked.size >= this.maxUnchoked) return;
    const waiting = peers.filter(
      (p) => p.interested && !unchoked.has(p.key) && (seeding || !p.snubbed) && !p.idle,
    );
    if (waiting.length === 0) return;
    if (seeding) {
      const gave = (p: ChokeCandidate): number => Number((p.downloaded ?? 0) > 0);
      waiting.sort((a, b) => gave(b) - gave(a) || this.waitedSince(a) - this.waitedSince(b));
    } else waiting.sort(byReciprocation);
    let total = unchoked.size;
    for (const p of waiting) {
      if (busy >= this.slots + 1 || total >= this.maxUnchoked) break;
      this.lent.add(p.key);
      busy++;
      total++;
    }
  }

  /**
   * A seed's regular slots: peers whose turn is not over keep theirs; the rest go to the
   * interested peers that have waited longest (never served first, ties at random).
   */
  private roundRobin(peers: readonly ChokeCandidate[], now: number): ChokeCandidate[] {
    const eligible = peers.filter((p) => p.interested);
    const keep: ChokeCandidate[] = [];
    const others: { p: ChokeCandidate; tie: number; since: number }[] = [];
    for (const p of eligible) {
      const turn = this.regular.has(p.key) ? this.turns.get(p.key) : undefined;
      const over =
        turn === undefined ||
        now - turn.at >= this.roundInterval ||
        (p.uploaded ?? 0) - turn.uploaded >= this.seedTurnBytes;
      if (!over) keep.push(p);
      // A peer whose turn just ended waits behind everyone else.
      else others.push({ p, tie: this.random.next(), since: turn ? now : this.waitedSince(p) });
    }
    const gave = (p: ChokeCandidate): number => Number((p.downloaded ?? 0) > 0);
    others.sort((a, b) => gave(b.p) - gave(a.p) || a.since - b.since || a.tie - b.tie);
    return [...keep, ...others.map((o) => o.p)].slice(0, this.slots);
  }

  /** When `p` last held a seed's regular slot (-Infinity if never). */
  private waitedSince(p: ChokeCandidate): number {
    return this.lastTurn.get(p.key) ?? -Infinity;
  }

  private setRegular(chosen: readonly ChokeCandidate[], now: number): void {
    const next = new Set(chosen.map((p) => p.key));
    for (const key of this.regular) {
      if (!next.has(key)) {
        this.lastTurn.set(key, now);
        this.turns.delete(key);
      }
    }
    for (const p of chosen) {
      if (!this.regular.has(p.key) || !this.turns.has(p.key))
        this.turns.set(p.key, { at: now, uploaded: p.uploaded ?? 0 });
    }
    this.regular = next;
  }

  private setOptimistic(key: PeerKey | undefined, now: number): void {
    this.optimistic = key;
    this.nextOptimistic = now + this.optimisticInterval;
    this.trialEnds = key === undefined ? undefined : now + this.trialInterval;
  }

  private decision(): ChokeDecision {
    const unchoked = new Set(this.regular);
    for (const key of this.lent) unchoked.add(key);
    if (this.optimistic !== undefined) unchoked.add(this.optimistic);
    return { unchoked, optimistic: this.optimistic };
  }

  /**
   * A weighted random interested peer outside the regular slots, other than `previous` when
   * there is a choice; new peers count `newPeerWeight` times.
   */
  private pickOptimistic(
    peers: readonly ChokeCandidate[],
    now: number,
    seeding: boolean,
    previous?: PeerKey,
  ): PeerKey | undefined {
    let candidates = peers.filter((p) => p.interested && !this.regular.has(p.key));
    if (candidates.length > 1) candidates = candidates.filter((p) => p.key !== previous);
    if (candidates.length === 0) return undefined;
    // A peer that took from us and never gave anything back is not tried again while others wait.
    if (!seeding) {
      const grateful = candidates.filter((p) => !(p.ungrateful ?? false));
      if (grateful.length > 0) candidates = grateful;
    }
    // A seed that was a leecher remembers who gave it nothing; a leecher sees who withholds now.
    const someGave = candidates.some((p) => (p.downloaded ?? 0) > 0);
    const stingy = (p: ChokeCandidate): boolean =>
      seeding ? someGave && (p.downloaded ?? 0) === 0 : withholds(p);
    const weight = (p: ChokeCandidate): number =>
      (now - p.connectedAt < this.newPeerAge ? this.newPeerWeight : 1) * (stingy(p) ? WITHHOLDER_WEIGHT : 1);
    let total = 0;
    for (const p of candidates) total += weight(p);
    let r = this.random.next() * total;
    for (const p of candidates) {
      r -= weight(p);
      if (r < 0) return p.key;
    }
    return (candidates[candidates.length - 1] as ChokeCandidate).key;
  }
}

/**
 * Leecher order: fastest uploader to us first; at equal rates (early on, none at all) peers that
 * unchoke us, then peers with nothing we want, last those that have what we want yet choke us.
 */
function byReciprocation(a: ChokeCandidate, b: ChokeCandidate): number {
  return (
    b.downloadRate - a.downloadRate ||
    Number(b.unchokesUs ?? false) - Number(a.unchokesUs ?? false) ||
    Number(withholds(a)) - Number(withholds(b)) ||
    Number(a.ungrateful ?? false) - Number(b.ungrateful ?? false)
  );
}

/** Sends us data or at least unchokes us. */
function reciprocates(p: ChokeCandidate): boolean {
  return p.downloadRate > 0 || (p.unchokesUs ?? false);
}

/** Has pieces we want, chokes us and sends us nothing: it does not reciprocate (now). */
function withholds(p: ChokeCandidate): boolean {
  return p.downloadRate === 0 && !(p.unchokesUs ?? false) && (p.weWant ?? false);
}
