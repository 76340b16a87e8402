import { seededRandom } from '../../shared/random.js';
import { shareOf, type BaselineOptions, type BaselineResult } from './baseline-result.js';
import { RandomGraph } from './gnutella.js';

/**
 * A two-tier super-peer index (KaZaA / Gnutella 0.6 ultrapeers): a fraction of nodes are
 * super-peers that index what their leaves hold and flood queries among themselves with a small
 * TTL. A leaf whose super-peer left is unindexed until the next upkeep round, when it re-registers
 * with another super-peer. Departing super-peers are replaced by a newcomer super-peer.
 */
export interface SuperPeerOptions extends BaselineOptions {
  /** Leaves per super-peer (default 30). */
  leavesPerSuper?: number;
  /** TTL of the flood among super-peers (default 3). */
  ttl?: number;
  objects?: number;
  replication?: number;
}

interface Leaf {
  alive: boolean;
  objects: number[];
  /** Index of its super-peer in the super graph, or -1 while orphaned. */
  superPeer: number;
}

export function runSuperPeer(options: SuperPeerOptions): BaselineResult {
  const random = seededRandom(options.seed);
  const perSuper = options.leavesPerSuper ?? 30;
  const ttl = options.ttl ?? 3;
  const objects = options.objects ?? 100;
  const replication = options.replication ?? 0.01;
  const supers = Math.max(1, Math.round(options.nodes / (perSuper + 1)));
  const leafCount = options.nodes - supers;
  const copies = Math.max(1, Math.round(replication * options.nodes));
  const graph = new RandomGraph(random);
  for (let s = 0; s < supers; s++) graph.addNode(Math.min(4, s));
  // index[s]: object -> count of live leaves of s holding it.
  const index: Map<number, number>[] = Array.from({ length: supers }, () => new Map());
  const leaves: Leaf[] = Array.from({ length: leafCount }, () => ({
    alive: true,
    objects: [],
    superPeer: -1,
  }));
  for (let o = 0; o < objects; o++) {
    for (let c = 0; c < copies; c++) leaves[random.int(leafCount)]?.objects.push(o);
  }
  const liveSupers = (): readonly number[] => graph.liveIds();
  const register = (leaf: Leaf): void => {
    const live = liveSupers();
    const s = live[random.int(live.length)] as number;
    leaf.superPeer = s;
    let idx = index[s];
    if (idx === undefined) index[s] = idx = new Map();
    for (const o of leaf.objects) idx.set(o, (idx.get(o) ?? 0) + 1);
    graph.messages += 2; // register + ack
  };
  const unregister = (leaf: Leaf): void => {
    const idx = index[leaf.superPeer];
    if (idx === undefined) return;
    for (const o of leaf.objects) {
      const c = (idx.get(o) ?? 1) - 1;
      if (c <= 0) idx.delete(o);
      else idx.set(o, c);
    }
  };
  for (const leaf of leaves) register(leaf);
  graph.messages = 0;
  const churnTotal = Math.round(options.nodes * options.churnFraction);
  let ok = 0;
  let hopsSum = 0;
  let lookupMessages = 0;
  let upkeep = 0;
  let nodeRounds = 0;
  for (let r = 0; r < options.rounds; r++) {
    let mark = graph.messages;
    for (let i = 0; i < shareOf(churnTotal, r, options.rounds); i++) {
      // Pick a leaver uniformly among all live nodes: super-peers with probability supers/N.
      if (random.int(options.nodes) < supers) {
        const live = liveSupers();
        const gone = live[random.int(live.length)] as number;
        graph.leave(gone);
        index[gone] = new Map();
        for (const leaf of leaves) if (leaf.alive && leaf.superPeer === gone) leaf.superPeer = -1;
        graph.addNode(4);
      } else {
        const alive = leaves.filter((l) => l.alive);
        const leaf = alive[random.int(alive.length)] as Leaf;
        leaf.alive = false;
        if (leaf.superPeer >= 0) unregister(leaf);
        const fresh: Leaf = { alive: true, objects: leaf.objects, superPeer: -1 };
        leaves.push(fresh);
        register(fresh);
      }
    }
    upkeep += graph.messages - mark;
    mark = graph.messages;
    for (let i = 0; i < shareOf(options.lookups, r, options.rounds); i++) {
      const alive = leaves.filter((l) => l.alive);
      const asker = alive[random.int(alive.length)] as Leaf;
      const object = random.int(objects);
      let found = asker.objects.includes(object);
      let hops = 0;
      if (!found && asker.superPeer >= 0) {
        graph.messages += 2; // query to the super-peer and its answer
        hops = 1;
        const seen = new Set([asker.superPeer]);
        let frontier = [asker.superPeer];
        if ((index[asker.superPeer]?.get(object) ?? 0) > 0) found = true;
        for (let depth = 1; depth <= ttl && !found && frontier.length > 0; depth++) {
          const next: number[] = [];
          for (const u of frontier) {
            for (const v of graph.nodes[u]?.neighbors ?? []) {
              graph.messages++;
              if (seen.has(v)) continue;
              seen.add(v);
              next.push(v);
              if (!found && (index[v]?.get(object) ?? 0) > 0) {
                found = true;
                hops = depth + 1;
                graph.messages += depth;
              }
            }
          }
          frontier = next;
        }
      }
      if (found) {
        ok++;
        hopsSum += hops;
      }
    }
    lookupMessages += graph.messages - mark;
    mark = graph.messages;
    for (const leaf of leaves) if (leaf.alive && leaf.superPeer < 0) register(leaf);
    for (const id of [...graph.liveIds()]) {
      if ((graph.nodes[id]?.neighbors.size ?? 0) < 3) graph.connectRandom(id, 4);
    }
    nodeRounds += options.nodes;
    upkeep += graph.messages - mark;
  }
  return {
    overlay: `Super-peer index (1:${perSuper}, TTL ${ttl})`,
    nodes: options.nodes,
    churn: options.churnFraction > 0,
    lookups: options.lookups,
    success: ok / options.lookups,
    messagesPerLookup: lookupMessages / options.lookups,
    hopsPerLookup: ok === 0 ? Number.NaN : hopsSum / ok,
    maintenancePerNodeRound: upkeep / nodeRounds,
  };
}
