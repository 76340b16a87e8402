import { seededRandom, type Random } from '../../shared/random.js';
import { shareOf, type BaselineOptions, type BaselineResult } from './baseline-result.js';

/**
 * Unstructured search (Lv et al. 2002) on a random graph: flooding with a TTL, expanding ring
 * (flood with TTL 1, 3, 5, ... until found) and k random walkers that check back with the source
 * every few steps. Every forwarded query counts as a message, duplicates included; query hits
 * travel back along the path. Objects are replicated on a fixed fraction of nodes.
 */
export type GnutellaSearch =
  | { kind: 'flood'; ttl: number }
  | { kind: 'ring'; maxTtl: number }
  | { kind: 'walk'; walkers: number; checkEvery: number; maxSteps: number };

export interface GnutellaOptions extends BaselineOptions {
  search: GnutellaSearch;
  /** Connections each node opens on joining (mean degree is about twice this). */
  connectTo?: number;
  /** A node below this degree reconnects during upkeep. */
  minDegree?: number;
  /** Objects and the fraction of nodes holding each. */
  objects?: number;
  replication?: number;
}

interface GNode {
  alive: boolean;
  neighbors: Set<number>;
  objects: Set<number>;
}

export class RandomGraph {
  readonly nodes: GNode[] = [];
  messages = 0;
  private live: number[] = [];
  private liveIndex = new Map<number, number>();

  constructor(private readonly random: Random) {}

  addNode(connectTo: number, objects: Iterable<number> = []): number {
    const id = this.nodes.length;
    this.nodes.push({ alive: true, neighbors: new Set(), objects: new Set(objects) });
    this.connectRandom(id, connectTo);
    this.liveIndex.set(id, this.live.length);
    this.live.push(id);
    return id;
  }

  /** Connects `id` to `count` random live nodes (one message each: the handshake). */
  connectRandom(id: number, count: number): void {
    const n = this.nodes[id] as GNode;
    for (let tries = 0; n.neighbors.size < count && tries < 4 * count && this.live.length > 0; tries++) {
      const other = this.live[this.random.int(this.live.length)] as number;
      if (other === id || n.neighbors.has(other)) continue;
      n.neighbors.add(other);
      (this.nodes[other] as GNode).neighbors.add(id);
      this.messages += 2;
    }
  }

  leave(id: number): Set<number> {
    const n = this.nodes[id] as GNode;
    n.alive = false;
    for (const o of n.neighbors) (this.nodes[o] as GNode).neighbors.delete(id);
    n.neighbors.clear();
    const at = this.liveIndex.get(id) as number;
    const last = this.live.pop() as number;
    if (last !== id) {
      this.live[at] = last;
      this.liveIndex.set(last, at);
    }
    this.liveIndex.delete(id);
    return n.objects;
  }

  liveIds(): readonly number[] {
    return this.live;
  }

  /**
   * Floods from `src` with `ttl`: every forward counts one message, duplicates included; `visit`
   * sees each node reached (not `src`), once, with its depth.
   */
  floodFrom(src: number, ttl: number, visit: (node: number, depth: number) => void): void {
    const seen = new Set<number>([src]);
    let frontier = [src];
    for (let depth = 1; depth <= ttl && frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const u of frontier) {
        for (const v of this.nodes[u]?.neighbors ?? []) {
          this.messages++;
          if (seen.has(v)) continue;
          seen.add(v);
          next.push(v);
          visit(v, depth);
        }
      }
      frontier = next;
    }
  }

  /** Flood from `src` with `ttl`; returns [found, hops to the nearest holder]. */
  flood(src: number, object: number, ttl: number): { found: boolean; hops: number } {
    let foundAt = (this.nodes[src] as GNode).objects.has(object) ? 0 : -1;
    this.floodFrom(src, ttl, (v, depth) => {
      if (foundAt < 0 && (this.nodes[v] as GNode).objects.has(object)) {
        foundAt = depth;
        this.messages += depth; // the query hit walks back
      }
    });
    return { found: foundAt >= 0, hops: foundAt };
  }

  walk(
    src: number,
    object: number,
    walkers: number,
    checkEvery: number,
    maxSteps: number,
  ): { found: boolean; hops: number } {
    if ((this.nodes[src] as GNode).objects.has(object)) return { found: true, hops: 0 };
    const pos = Array.from({ length: walkers }, () => src);
    for (let step = 1; step <= maxSteps; step++) {
      let hit = -1;
      for (let w = 0; w < walkers; w++) {
        const nbrs = [...(this.nodes[pos[w] as number] as GNode).neighbors];
        if (nbrs.length === 0) continue;
        pos[w] = nbrs[this.random.int(nbrs.length)] as number;
        this.messages++;
        if (hit < 0 && (this.nodes[pos[w] as number] as GNode).objects.has(object)) hit = step;
      }
      if (hit >= 0) {
        this.messages += hit; // hit returns to the source
        return { found: true, hops: hit };
      }
      if (step % checkEvery === 0) this.messages += 2 * walkers; // ask the source: keep going?
    }
    return { found: false, hops: -1 };
  }
}

function label(search: GnutellaSearch): string {
  switch (search.kind) {
    case 'flood':
      return `Gnutella flood TTL ${search.ttl}`;
    case 'ring':
      return `Gnutella expanding ring`;
    case 'walk':
      return `Gnutella ${search.walkers} random walkers`;
  }
}

/** Runs one Gnutella search method under the shared baseline schedule. */
export function runGnutella(options: GnutellaOptions): BaselineResult {
  const random = seededRandom(options.seed);
  const connectTo = options.connectTo ?? 4;
  const minDegree = options.minDegree ?? 3;
  const objects = options.objects ?? 100;
  const replication = options.replication ?? 0.01;
  const copies = Math.max(1, Math.round(replication * options.nodes));
  const holdings: number[][] = Array.from({ length: options.nodes }, () => []);
  for (let o = 0; o < objects; o++) {
    for (let c = 0; c < copies; c++) holdings[random.int(options.nodes)]?.push(o);
  }
  const g = new RandomGraph(random);
  for (let i = 0; i < options.nodes; i++) g.addNode(connectTo, holdings[i]);
  g.messages = 0;
  const churnTotal = Math.round(options.nodes * options.churnFraction);
  let ok = 0;
  let hopsSum = 0;
  let lookupMessages = 0;
  let upkeep = 0;
  let nodeRounds = 0;
  for (let r = 0; r < options.rounds; r++) {
    let mark = g.messages;
    for (let i = 0; i < shareOf(churnTotal, r, options.rounds); i++) {
      const live = g.liveIds();
      // The leaver's content comes back with a newcomer, so replication stays constant and
      // success measures the search, not data loss.
      const content = g.leave(live[random.int(live.length)] as number);
      g.addNode(connectTo, content);
    }
    upkeep += g.messages - mark;
    mark = g.messages;
    for (let i = 0; i < shareOf(options.lookups, r, options.rounds); i++) {
      const live = g.liveIds();
      const src = live[random.int(live.length)] as number;
      const object = random.int(objects);
      const s = options.search;
      let res: { found: boolean; hops: number };
      if (s.kind === 'flood') res = g.flood(src, object, s.ttl);
      else if (s.kind === 'walk') res = g.walk(src, object, s.walkers, s.checkEvery, s.maxSteps);
      else {
        res = { found: false, hops: -1 };
        for (let ttl = 1; ttl <= s.maxTtl && !res.found; ttl += 2) res = g.flood(src, object, ttl);
      }
      if (res.found) {
        ok++;
        hopsSum += res.hops;
      }
    }
    lookupMessages += g.messages - mark;
    mark = g.messages;
    for (const id of [...g.liveIds()]) {
      if ((g.nodes[id] as GNode).neighbors.size < minDegree) g.connectRandom(id, connectTo);
    }
    nodeRounds += g.liveIds().length;
    upkeep += g.messages - mark;
  }
  return {
    overlay: label(options.search),
    nodes: options.nodes,
    churn: options.churnFraction > 0,
    lookups: options.lookups,
    success: ok / options.lookups,
    messagesPerLookup: lookupMessages / options.lookups,
    hopsPerLookup: ok === 0 ? Number.NaN : hopsSum / ok,
    maintenancePerNodeRound: upkeep / nodeRounds,
  };
}
