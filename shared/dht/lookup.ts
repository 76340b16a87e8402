import { compareDistance, idBytes, toNodeId } from './node-id.js';
import type { IdLike, NodeId } from './node-id.js';

export interface LookupOptions {
  /** How many closest answering contacts end the lookup (default 20). */
  k?: number;
  /** Queries in flight at once (default 3). */
  alpha?: number;
  /** Candidates remembered; the farthest unqueried ones beyond this are forgotten (default 8k). */
  maxCandidates?: number;
  /** Queries issued at most; done once they are answered or failed (default: no limit). */
  maxQueries?: number;
  /**
   * Disjoint paths (S/Kademlia): the seeds are dealt out among `paths` lookups that each follow
   * only the answers of the nodes they queried themselves, with `alpha` queries in flight each,
   * and no node is queried by two paths. The lookup is done when every path is; its result is
   * the closest answered nodes over all paths. A path that reaches colluding nodes is led away,
   * the others are not (default 1: a plain Kademlia lookup).
   */
  paths?: number;
}

type CandidateState = 'new' | 'inflight' | 'done';

interface Candidate {
  readonly id: NodeId;
  readonly bytes: Uint8Array;
  state: CandidateState;
  /** 0 for seeds, responder depth + 1 for contacts it returned. */
  readonly depth: number;
  /** The disjoint path it belongs to: its seed's, or that of the node that named it. */
  readonly path: number;
}

/** Counters of one lookup. */
export interface LookupStats {
  /** Queries issued. */
  rpcs: number;
  /** Queries that failed (timeout, unreachable, error). */
  failures: number;
  /** Responses received. */
  responses: number;
  /** Deepest chain of responses that led to a queried contact, plus one. */
  rounds: number;
}

/**
 * An iterative Kademlia lookup as a pure state machine. The caller feeds responses and failures;
 * `next()` says whom to query. Keeps the candidates sorted by XOR distance to the target, keeps
 * `alpha` queries in flight among the `k` closest unqueried candidates, drops contacts that fail,
 * and is done as soon as the `k` closest known contacts have all answered (or nobody is left).
 */
export class Lookup {
  readonly target: Uint8Array;
  readonly k: number;
  readonly alpha: number;
  readonly paths: number;
  readonly stats: LookupStats = { rpcs: 0, failures: 0, responses: 0, rounds: 0 };
  private readonly maxCandidates: number;
  private readonly maxQueries: number;
  private candidates: Candidate[] = [];
  /** Everything ever queried or failed, so it is never added again. */
  private readonly settled = new Set<NodeId>();
  private readonly inflight = new Map<NodeId, Candidate>();
  /** Queries in flight per path. */
  private readonly inflightOf: number[];
  /** Contacts let back in once after a route to them broke. */
  private readonly returned = new Set<NodeId>();
  private finished = false;

  constructor(target: IdLike, seeds: readonly IdLike[], options: LookupOptions = {}) {
    this.target = idBytes(target);
    this.k = options.k ?? 20;
    this.alpha = options.alpha ?? 3;
    this.paths = Math.max(1, Math.floor(options.paths ?? 1));
    this.inflightOf = new Array<number>(this.paths).fill(0);
    this.maxCandidates = options.maxCandidates ?? this.k * 8 * this.paths;
    this.maxQueries = options.maxQueries ?? Infinity;
    // Dealt out closest first, so every path starts from some of the closest seeds.
    const ids = [...new Set(seeds.map((s) => toNodeId(s)))].sort((a, b) =>
      compareDistance(this.target, idBytes(a), idBytes(b)),
    );
    ids.forEach((id, i) => this.insert(id, 0, i % this.paths));
  }

  /** Candidates to query now (marked in flight). Empty once done. */
  next(): NodeId[] {
    if (this.done) return [];
    const out: NodeId[] = [];
    for (let p = 0; p < this.paths; p++) {
      // The path's window: its k closest candidates.
      let seen = 0;
      for (let i = 0; i < this.candidates.length && seen < this.k; i++) {
        if (this.inflightOf[p] === this.alpha || this.stats.rpcs >= this.maxQueries) break;
        const c = this.candidates[i] as Candidate;
        if (c.path !== p) continue;
        seen++;
        if (c.state !== 'new') continue;
        c.state = 'inflight';
        this.inflight.set(c.id, c);
        this.inflightOf[p] = (this.inflightOf[p] ?? 0) + 1;
        this.settled.add(c.id);
        this.stats.rpcs++;
        out.push(c.id);
      }
    }
    return out;
  }

  /** `from` answered; `contacts` are the (reachable) contacts it returned. */
  onResponse(from: IdLike, contacts: readonly IdLike[]): void {
    const id = toNodeId(from);
    const c = this.inflight.get(id);
    if (!c) return; // late, duplicate or unsolicited
    this.inflight.delete(id);
    this.inflightOf[c.path] = (this.inflightOf[c.path] ?? 1) - 1;
    c.state = 'done';
    this.stats.responses++;
    this.stats.rounds = Math.max(this.stats.rounds, c.depth + 1);
    if (this.finished) return;
    for (const x of contacts) this.insert(x, c.depth + 1, c.path);
  }

  /**
   * `from` did not answer (or answered with an error): it leaves the candidate list. With
   * `mayReturn` (the query never reached it: a route broke on the way) a later response that
   * offers it again puts it back, once.
   */
  onFailure(from: IdLike, mayReturn = false): void {
    const id = toNodeId(from);
    const c = this.inflight.get(id);
    if (!c) return;
    this.inflight.delete(id);
    this.inflightOf[c.path] = (this.inflightOf[c.path] ?? 1) - 1;
    this.stats.failures++;
    if (mayReturn && !this.returned.has(id)) {
      this.returned.add(id);
      this.settled.delete(id);
    }
    const at = this.candidates.indexOf(c);
    if (at >= 0) this.candidates.splice(at, 1);
  }

  /** Ends the lookup now (e.g. `get` found its value). */
  finish(): void {
    this.finished = true;
  }

  /**
   * True once the k closest known candidates have answered, nothing is left, the query budget is
   * spent and answered, or `finish()` was called.
   */
  get done(): boolean {
    if (this.finished) return true;
    if (this.stats.rpcs >= this.maxQueries && this.inflight.size === 0) return true;
    for (let p = 0; p < this.paths; p++) if (!this.pathDone(p)) return false;
    return true;
  }

  /** Path `p` is done once its k closest candidates answered, or it has nothing left to ask. */
  private pathDone(p: number): boolean {
    let seen = 0;
    let allAnswered = true;
    let anyNew = false;
    for (let i = 0; i < this.candidates.length && seen < this.k; i++) {
      const c = this.candidates[i] as Candidate;
      if (c.path !== p) continue;
      seen++;
      if (c.state !== 'done') allAnswered = false;
      if (c.state === 'new') anyNew = true;
    }
    if (allAnswered) return true;
    return !anyNew && this.inflightOf[p] === 0;
  }

  /** Contacts in flight now. */
  get pending(): NodeId[] {
    return [...this.inflight.keys()];
  }

  /** Up to `count` closest contacts that answered, closest first. */
  closest(count = this.k): NodeId[] {
    const out: NodeId[] = [];
    for (const c of this.candidates) {
      if (out.length >= count) break;
      if (c.state === 'done') out.push(c.id);
    }
    return out;
  }

  /** Adds a candidate to `path`; a node some path already holds stays that path's (disjointness). */
  private insert(contact: IdLike, depth: number, path: number): void {
    const id = toNodeId(contact);
    if (this.settled.has(id)) return;
    const bytes = idBytes(id);
    // Binary search for the insertion point; equal distance means the same id.
    let lo = 0;
    let hi = this.candidates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const cmp = compareDistance(this.target, (this.candidates[mid] as Candidate).bytes, bytes);
      if (cmp === 0) return;
      if (cmp < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.maxCandidates) return;
    this.candidates.splice(lo, 0, { id, bytes, state: 'new', depth, path });
    if (this.candidates.length > this.maxCandidates) {
      for (let i = this.candidates.length - 1; i >= this.maxCandidates; i--) {
        if ((this.candidates[i] as Candidate).state === 'new') this.candidates.splice(i, 1);
      }
    }
  }
}
