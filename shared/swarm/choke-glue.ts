import type { Random } from '../random.js';
import { Choker } from './choker.js';
import type { ChokeCandidate, ChokeDecision } from './choker.js';
import type { PeerKey } from './piece-picker.js';
import type { SeedingReveal } from './seeding-reveal.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';
import type { UploadScheduler } from './upload-scheduler.js';

/** Regular upload slots of the choker (one optimistic unchoke comes on top). */
export const UPLOAD_SLOTS = 4;
/**
 * As a seed, a regular upload slot passes to the next waiting peer once its peer got this much
 * (or had a rechoke round): a seed spreads what it has instead of feeding its fastest taker.
 */
export const SEED_TURN_BYTES = 256 * 1024;

/**
 * Between the swarm and its {@link Choker}: describes the peers as choke candidates, carries out
 * the choker's decisions (`choke` / `unchoke`, and what they mean for uploads and initial
 * seeding), and keeps the choker's next round or trial as the `choke-round` timer.
 */
export class ChokeGlue {
  private readonly choker: Choker;

  constructor(
    private readonly core: SwarmCore,
    private readonly upload: UploadScheduler,
    private readonly reveal: SeedingReveal,
    random: Random,
    slots: number,
  ) {
    this.choker = new Choker({ random, slots, seedTurnBytes: SEED_TURN_BYTES });
  }

  /** The peer holding our optimistic unchoke. */
  get optimistic(): PeerKey | undefined {
    return this.choker.optimistic;
  }

  /** Between rounds: interest or reciprocation changed, a peer came or went, a slot went idle. */
  fill(now: number): void {
    this.apply(this.choker.fill(this.candidates(now), now, this.core.seeding), now);
  }

  /** The `choke-round` timer: a round, or the judgement of an optimistic trial, if due. */
  onRoundTimer(now: number): void {
    const due = this.choker.nextTimeout();
    if (due !== undefined && now >= due)
      this.apply(this.choker.handleTimeout(this.candidates(now), now, this.core.seeding), now);
    // Re-armed whatever ran: the table dropped the timer as it fell due, and a pass that was not
    // the choker's must not lose its deadline.
    else this.syncRound();
  }

  /** As a seed, after a block to `p`: its turn may be over, and the slot goes on. */
  afterBlock(p: SwarmPeer, now: number): void {
    if (this.core.seeding && this.choker.turnOver(p.key, p.up.total))
      this.apply(this.choker.rotate(this.candidates(now), now), now);
  }

  removePeer(key: PeerKey): void {
    this.choker.removePeer(key);
  }

  private candidates(now: number): ChokeCandidate[] {
    const out: ChokeCandidate[] = [];
    const pieceCount = this.core.info?.pieceCount ?? 0;
    for (const p of this.core.peers.values()) {
      if (!p.wire.open) continue;
      out.push({
        key: p.key,
        // Initial seeding shows a peer pieces only once unchoked: until then it cannot be interested.
        interested:
          p.wire.peerInterested || (p.reveal.told !== undefined && p.wire.peerPieces.count < pieceCount),
        downloadRate: p.down.rate(now),
        uploadRate: p.up.rate(now),
        connectedAt: p.connectedAt,
        snubbed: p.download.snubbed,
        uploaded: p.up.total,
        downloaded: p.down.total,
        unchokesUs: !p.wire.peerChoking,
        weWant: p.wire.amInterested,
        idle: this.upload.isIdle(p, now),
        ungrateful: this.upload.ungrateful(p),
      });
    }
    return out;
  }

  private apply(decision: ChokeDecision, now: number): void {
    for (const p of this.core.peers.values()) {
      if (!p.wire.open) continue;
      const unchoke = decision.unchoked.has(p.key);
      if (unchoke && p.wire.amChoking) {
        this.core.send(p, { type: 'unchoke' }, now);
        this.upload.unchoked(p, now);
        this.reveal.reveal(p, now);
      } else if (!unchoke && !p.wire.amChoking) {
        this.core.send(p, { type: 'choke' }, now);
        this.upload.choked(p, now);
        // What it was told stays told; the pieces are free for the peers we do serve.
        this.reveal.releaseAll(p);
      }
    }
    this.syncRound();
  }

  /** The `choke-round` timer is the choker's own next round or trial. */
  private syncRound(): void {
    const at = this.choker.nextTimeout();
    if (at === undefined) this.core.timers.clear('choke-round');
    else this.core.timers.set('choke-round', at);
  }
}
