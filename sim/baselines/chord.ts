import { seededRandom, type Random } from '../../shared/random.js';
import { shareOf, type BaselineOptions, type BaselineResult } from './baseline-result.js';

/**
 * Chord (Stoica et al.) on a 32-bit ring: finger tables, successor lists and periodic
 * stabilization, with fail-stop churn. Lookups route iteratively through the closest preceding
 * live finger; a contact that turns out dead costs a message (the timed-out request). A lookup
 * succeeds when it returns the key's true successor among the live nodes.
 */
const M = 32;
const RING = 2 ** M;

interface ChordNode {
  id: number;
  alive: boolean;
  successors: number[];
  predecessor: number | undefined;
  fingers: number[];
  nextFinger: number;
}

/** x in the open ring interval (a, b). */
function between(x: number, a: number, b: number): boolean {
  if (a < b) return x > a && x < b;
  return x > a || x < b; // wraps (a === b: the whole ring but a)
}

/** x in (a, b]. */
function betweenRight(x: number, a: number, b: number): boolean {
  return x === b || between(x, a, b);
}

export interface ChordOptions extends BaselineOptions {
  /** Successor list length (default: ~log2 N). */
  successors?: number;
  /** Fingers refreshed per node per round (fix_fingers calls). */
  fingersPerRound?: number;
}

export class ChordRing {
  readonly nodes = new Map<number, ChordNode>();
  messages = 0;
  private sortedLive: number[] = [];
  private dirty = true;

  constructor(
    private readonly random: Random,
    readonly successorCount: number,
  ) {}

  /** The live node responsible for `key` (its successor), by global knowledge. */
  trueSuccessor(key: number): number {
    if (this.dirty) {
      this.sortedLive = [...this.nodes.values()].filter((n) => n.alive).map((n) => n.id);
      this.sortedLive.sort((a, b) => a - b);
      this.dirty = false;
    }
    const s = this.sortedLive;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((s[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return s[lo === s.length ? 0 : lo] as number;
  }

  freshId(): number {
    for (;;) {
      const id = this.random.int(RING);
      if (!this.nodes.has(id)) return id;
    }
  }

  /** Builds a converged ring (as after long stabilization) from `count` nodes. */
  buildConverged(count: number): void {
    for (let i = 0; i < count; i++) {
      const id = this.freshId();
      this.nodes.set(id, {
        id,
        alive: true,
        successors: [],
        predecessor: undefined,
        fingers: [],
        nextFinger: 0,
      });
    }
    this.dirty = true;
    for (const n of this.nodes.values()) {
      n.successors = this.idealSuccessors(n.id);
      n.fingers = Array.from({ length: M }, (_, i) => this.trueSuccessor((n.id + 2 ** i) % RING));
    }
    for (const n of this.nodes.values()) {
      const s = this.nodes.get(n.successors[0] as number) as ChordNode;
      s.predecessor = n.id;
    }
  }

  private idealSuccessors(id: number): number[] {
    const out: number[] = [];
    let cur = id;
    for (let i = 0; i < this.successorCount; i++) {
      cur = this.trueSuccessor((cur + 1) % RING);
      if (cur === id) break;
      out.push(cur);
    }
    return out;
  }

  private alive(id: number | undefined): boolean {
    return id !== undefined && this.nodes.get(id)?.alive === true;
  }

  /** First live successor of `n`, charging a message for every dead one tried. */
  private liveSuccessor(n: ChordNode): number | undefined {
    for (const s of n.successors) {
      if (this.alive(s)) return s;
      this.messages++;
    }
    return undefined;
  }

  /**
   * Iterative lookup of `key` from `from`. Returns the node it ends at and the hops taken, or
   * undefined if routing dead-ended.
   */
  lookup(from: number, key: number): { result: number; hops: number } | undefined {
    let cur = this.nodes.get(from) as ChordNode;
    for (let hops = 0; hops < 2 * M; hops++) {
      const succ = this.liveSuccessor(cur);
      if (succ === undefined) return undefined;
      if (betweenRight(key, cur.id, succ)) {
        if (cur.id !== from) this.messages += 2; // ask cur, it answers with its successor
        return { result: succ, hops: hops + 1 };
      }
      let next: number | undefined;
      const candidates = [...cur.fingers].reverse().concat([...cur.successors].reverse());
      for (const f of candidates) {
        if (!between(f, cur.id, key)) continue;
        if (this.alive(f)) {
          next = f;
          break;
        }
        this.messages++; // the request to a dead finger times out
      }
      next ??= succ;
      this.messages += 2; // request to next and its reply
      cur = this.nodes.get(next) as ChordNode;
    }
    return undefined;
  }

  leave(id: number): void {
    const n = this.nodes.get(id);
    if (n === undefined) return;
    n.alive = false;
    this.dirty = true;
  }

  /** A new node joins by looking up its own successor through a live bootstrap node. */
  join(bootstrap: number): number {
    const id = this.freshId();
    const n: ChordNode = {
      id,
      alive: true,
      successors: [],
      predecessor: undefined,
      fingers: [],
      nextFinger: 0,
    };
    const found = this.lookup(bootstrap, id);
    this.nodes.set(id, n);
    this.dirty = true;
    if (found === undefined) {
      n.successors = [bootstrap];
    } else {
      const s = this.nodes.get(found.result) as ChordNode;
      this.messages += 2; // fetch its successor list
      n.successors = [s.id, ...s.successors].filter((x) => x !== id).slice(0, this.successorCount);
    }
    n.fingers = Array.from({ length: M }, () => n.successors[0] as number);
    return id;
  }

  /** One round of stabilize + notify + fix_fingers on node `n`. */
  stabilize(n: ChordNode, fingersPerRound: number): void {
    const succId = this.liveSuccessor(n);
    if (succId === undefined) return;
    let succ = this.nodes.get(succId) as ChordNode;
    this.messages += 2; // get predecessor and successor list
    const x = succ.predecessor;
    if (x !== undefined && this.alive(x) && between(x, n.id, succ.id)) {
      succ = this.nodes.get(x) as ChordNode;
      this.messages += 2;
    }
    n.successors = [succ.id, ...succ.successors].filter((s) => s !== n.id).slice(0, this.successorCount);
    this.messages++; // notify
    if (
      succ.predecessor === undefined ||
      !this.alive(succ.predecessor) ||
      between(n.id, succ.predecessor, succ.id)
    ) {
      succ.predecessor = n.id;
    }
    for (let i = 0; i < fingersPerRound; i++) {
      const k = n.nextFinger;
      n.nextFinger = (n.nextFinger + 1) % M;
      const found = this.lookup(n.id, (n.id + 2 ** k) % RING);
      if (found !== undefined) n.fingers[k] = found.result;
    }
  }

  liveIds(): number[] {
    return [...this.nodes.values()].filter((n) => n.alive).map((n) => n.id);
  }
}

/** Runs Chord under the shared baseline schedule. */
export function runChord(options: ChordOptions): BaselineResult {
  const random = seededRandom(options.seed);
  const successors = options.successors ?? Math.max(4, Math.ceil(Math.log2(options.nodes)));
  const fingersPerRound = options.fingersPerRound ?? 4;
  const ring = new ChordRing(random, successors);
  ring.buildConverged(options.nodes);
  const churnTotal = Math.round(options.nodes * options.churnFraction);
  let ok = 0;
  let hopsSum = 0;
  let lookupMessages = 0;
  let upkeep = 0;
  let nodeRounds = 0;
  for (let r = 0; r < options.rounds; r++) {
    const before = ring.messages;
    const churn = shareOf(churnTotal, r, options.rounds);
    for (let i = 0; i < churn; i++) {
      const live = ring.liveIds();
      ring.leave(live[random.int(live.length)] as number);
      const rest = ring.liveIds();
      ring.join(rest[random.int(rest.length)] as number);
    }
    const lookups = shareOf(options.lookups, r, options.rounds);
    let mid = ring.messages;
    upkeep += mid - before;
    for (let i = 0; i < lookups; i++) {
      const live = ring.liveIds();
      const from = live[random.int(live.length)] as number;
      const key = random.int(RING);
      const found = ring.lookup(from, key);
      if (found !== undefined && found.result === ring.trueSuccessor(key)) {
        ok++;
        hopsSum += found.hops;
      }
    }
    lookupMessages += ring.messages - mid;
    mid = ring.messages;
    const live = ring.liveIds();
    for (const id of live) ring.stabilize(ring.nodes.get(id) as ChordNode, fingersPerRound);
    nodeRounds += live.length;
    upkeep += ring.messages - mid;
  }
  return {
    overlay: 'Chord',
    nodes: options.nodes,
    churn: options.churnFraction > 0,
    lookups: options.lookups,
    success: ok / options.lookups,
    messagesPerLookup: lookupMessages / options.lookups,
    hopsPerLookup: ok === 0 ? Number.NaN : hopsSum / ok,
    maintenancePerNodeRound: upkeep / nodeRounds,
  };
}
