import type { Random } from '../random.js';
import type { PeerKey } from './piece-picker.js';

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
}

/** The choker's verdict: exactly these peers are unchoked, everyone else is choked. */
export interface ChokeDecision {
  unchoked: Set<PeerKey>;
  optimistic: PeerKey | undefined;
}

/** Options for {@link Choker}. */
export interface ChokerOptions {
  random: Random;
  /** Regular upload slots (default 3); the optimistic unchoke comes on top. */
  slots?: number;
  /** Rechoke round interval (default 10 s). */
  roundInterval?: number;
  /** Optimistic unchoke rotation interval (default 30 s). */
  optimisticInterval?: number;
  /** Peers connected for less than this are favoured for the optimistic unchoke (default 60 s). */
  newPeerAge?: number;
  /** How much more likely a new peer is to be picked as optimistic (default 3). */
  newPeerWeight?: number;
}

/**
 * Tit-for-tat choking (Cohen 2003; BEP 3 "choking"). Every round, the `slots` interested peers
 * with the best rate are unchoked: as a leecher the rate they upload to us, as a seed the rate
 * we upload to them. Snubbed peers lose their regular slot. One more peer, the optimistic
 * unchoke, rotates every 30 s to a random choked interested peer, new peers weighted 3x, so
 * newcomers get a first piece and better partners can be discovered. Pure: it returns the set
 * of peers to unchoke; the swarm sends the messages.
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
  private regular = new Set<PeerKey>();

  constructor(opts: ChokerOptions) {
    this.random = opts.random;
    this.slots = opts.slots ?? 3;
    this.roundInterval = opts.roundInterval ?? 10_000;
    this.optimisticInterval = opts.optimisticInterval ?? 30_000;
    this.newPeerAge = opts.newPeerAge ?? 60_000;
    this.newPeerWeight = opts.newPeerWeight ?? 3;
  }

  /** When the next round is due; undefined before the first. */
  nextTimeout(): number | undefined {
    return this.nextRound;
  }

  /**
   * A full rechoke round; call it when `nextTimeout()` has passed. Rotates the optimistic
   * unchoke if its 30 s are up or it no longer qualifies.
   */
  round(peers: readonly ChokeCandidate[], now: number, seeding: boolean): ChokeDecision {
    this.nextRound = now + this.roundInterval;
    const rate = (p: ChokeCandidate): number => (seeding ? p.uploadRate : p.downloadRate);
    const eligible = peers.filter((p) => p.interested && (seeding || !p.snubbed));
    // Random keys first, so equal rates are ordered by the injected Random.
    const keyed = eligible.map((p) => ({ p, tie: this.random.next() }));
    keyed.sort((a, b) => rate(b.p) - rate(a.p) || a.tie - b.tie);
    this.regular = new Set(keyed.slice(0, this.slots).map((k) => k.p.key));

    const current = peers.find((p) => p.key === this.optimistic);
    const stillValid = current !== undefined && current.interested && !this.regular.has(current.key);
    if (!stillValid || this.nextOptimistic === undefined || now >= this.nextOptimistic) {
      this.optimistic = this.pickOptimistic(peers, now, this.optimistic);
      this.nextOptimistic = now + this.optimisticInterval;
    }
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
    for (const key of this.regular) if (!present.has(key)) this.regular.delete(key);
    if (this.optimistic !== undefined && !present.has(this.optimistic)) this.optimistic = undefined;
    const waiting = peers.filter(
      (p) => p.interested && (seeding || !p.snubbed) && !this.regular.has(p.key) && p.key !== this.optimistic,
    );
    const rate = (p: ChokeCandidate): number => (seeding ? p.uploadRate : p.downloadRate);
    waiting.sort((a, b) => rate(b) - rate(a));
    for (const p of waiting) {
      if (this.regular.size >= this.slots) break;
      this.regular.add(p.key);
    }
    if (this.optimistic === undefined) {
      this.optimistic = this.pickOptimistic(peers, now);
      if (this.optimistic !== undefined) this.nextOptimistic = now + this.optimisticInterval;
    }
    return this.decision();
  }

  /** Forgets a peer that left. */
  removePeer(key: PeerKey): void {
    this.regular.delete(key);
    if (this.optimistic === key) this.optimistic = undefined;
  }

  private decision(): ChokeDecision {
    const unchoked = new Set(this.regular);
    if (this.optimistic !== undefined) unchoked.add(this.optimistic);
    return { unchoked, optimistic: this.optimistic };
  }

  /**
   * A weighted random interested peer outside the regular slots, other than `previous` when
   * there is a choice; new peers count `newPeerWeight` times.
   */
  private pickOptimistic(peers: readonly ChokeCandidate[], now: number, previous?: PeerKey): PeerKey | undefined {
    let candidates = peers.filter((p) => p.interested && !this.regular.has(p.key));
    if (candidates.length > 1) candidates = candidates.filter((p) => p.key !== previous);
    if (candidates.length === 0) return undefined;
    const weight = (p: ChokeCandidate): number => (now - p.connectedAt < this.newPeerAge ? this.newPeerWeight : 1);
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
