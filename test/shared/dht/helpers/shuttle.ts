import { DhtNode } from '../../../../shared/dht/dht-node.js';
import type { DhtAction, DhtEvent, DhtOptions } from '../../../../shared/dht/types.js';
import type { NodeId } from '../../../../shared/dht/node-id.js';
import { fromUtf8, utf8 } from '../../../../shared/bytes.js';
import { seededRandom } from '../../../../shared/random.js';
import type { Random } from '../../../../shared/random.js';

type Work = { kind: 'actions'; from: NodeId; actions: DhtAction[] };

/** Counters of how links got opened. */
export interface ShuttleStats {
  overlaySignals: number;
  serverConnects: number;
  /** Overlay signals that failed, so the host went to the server. */
  fallbacks: number;
  refused: number;
  delivered: number;
  disconnects: number;
}

/**
 * A synchronous in-memory network of DhtNodes for tests: no latency, no loss. A 'connect' is
 * signaled through the overlay when the node has a route (offer and answer as `signal` queries),
 * else "through the server" (linked at once). Time moves only with `advance`.
 */
export class Shuttle {
  readonly nodes = new Map<NodeId, DhtNode>();
  readonly events: { node: NodeId; event: DhtEvent }[] = [];
  readonly signals: { to: NodeId; from: NodeId; payload: string }[] = [];
  readonly stats: ShuttleStats = {
    overlaySignals: 0,
    serverConnects: 0,
    fallbacks: 0,
    refused: 0,
    delivered: 0,
    disconnects: 0,
  };
  private readonly links = new Set<string>();
  private readonly queue: Work[] = [];
  private running = false;
  now = 0;
  readonly random: Random;
  /** Tests may intercept frames: return false to drop one. */
  filter: (from: NodeId, to: NodeId, data: Uint8Array) => boolean = () => true;

  constructor(
    readonly seed: number,
    private readonly options: Partial<DhtOptions> = {},
  ) {
    this.random = seededRandom(seed);
  }

  add(id?: Uint8Array): DhtNode {
    const node = new DhtNode({
      ...this.options,
      id: id ?? this.random.bytes(20),
      random: seededRandom(this.random.int(2 ** 31)),
    });
    this.nodes.set(node.id, node);
    return node;
  }

  node(id: NodeId): DhtNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  linked(a: NodeId, b: NodeId): boolean {
    return this.links.has(key(a, b));
  }

  linkCount(): number {
    return this.links.size;
  }

  /** Feeds actions produced by `from` and runs everything that follows. */
  run(from: NodeId, actions: DhtAction[]): void {
    this.queue.push({ kind: 'actions', from, actions });
    if (this.running) return;
    this.running = true;
    try {
      for (let work = this.queue.shift(); work; work = this.queue.shift()) {
        for (const action of work.actions) this.apply(work.from, action);
      }
    } finally {
      this.running = false;
    }
  }

  /** Opens a link directly (as if through the signaling server). */
  connect(a: NodeId, b: NodeId): void {
    if (a === b || this.linked(a, b) || !this.nodes.has(a) || !this.nodes.has(b)) return;
    this.links.add(key(a, b));
    this.run(a, this.node(a).connected(b, this.now));
    this.run(b, this.node(b).connected(a, this.now));
  }

  disconnect(a: NodeId, b: NodeId): void {
    if (!this.links.delete(key(a, b))) return;
    if (this.nodes.has(a)) this.run(a, this.node(a).disconnected(b, this.now));
    if (this.nodes.has(b)) this.run(b, this.node(b).disconnected(a, this.now));
  }

  /** Removes a node abruptly (tab closed): its links drop. */
  kill(id: NodeId): void {
    const peers = [...this.links]
      .filter((l) => l.includes(id))
      .map((l) => l.split(':').find((x) => x !== id) as string);
    for (const p of peers) this.links.delete(key(id, p));
    this.nodes.delete(id);
    for (const p of peers) this.run(p, this.node(p).disconnected(id, this.now));
  }

  /** Moves time forward in `step`s, running every due timer. */
  advance(ms: number, step = 1000): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + step);
      for (const [id, node] of this.nodes) {
        const due = node.nextTimeout();
        if (due !== undefined && due <= this.now) this.run(id, node.handleTimeout(this.now));
      }
    }
  }

  eventsOf<T extends DhtEvent['type']>(type: T): { node: NodeId; event: Extract<DhtEvent, { type: T }> }[] {
    return this.events.filter((e) => e.event.type === type) as {
      node: NodeId;
      event: Extract<DhtEvent, { type: T }>;
    }[];
  }

  private apply(from: NodeId, action: DhtAction): void {
    switch (action.type) {
      case 'send': {
        if (!this.linked(from, action.to) || !this.filter(from, action.to, action.data)) return;
        this.stats.delivered++;
        this.run(action.to, this.node(action.to).receive(from, action.data, this.now));
        return;
      }
      case 'connect': {
        const a = this.nodes.get(from);
        if (!a) return;
        if (!this.nodes.has(action.to)) {
          this.run(from, a.disconnected(action.to, this.now));
          return;
        }
        if (a.hasRouteTo(action.to)) {
          this.stats.overlaySignals++;
          this.run(from, a.sendSignal(action.to, utf8('offer'), this.now));
        } else {
          this.stats.serverConnects++;
          this.answer(from, action.to, false);
        }
        return;
      }
      case 'disconnect':
        this.stats.disconnects++;
        this.disconnect(from, action.to);
        return;
      case 'signal': {
        const text = fromUtf8(action.payload);
        this.signals.push({ to: from, from: action.from, payload: text });
        if (text === 'offer') this.answer(action.from, from, true);
        else if (text === 'answer') this.connect(action.from, from);
        return;
      }
      case 'event':
        this.events.push({ node: from, event: action.event });
        if (action.event.type === 'need-contacts' && this.nodes.size > 1) {
          const others = [...this.nodes.keys()].filter((x) => x !== from);
          const pick = Array.from({ length: 5 }, () => others[this.random.int(others.length)] as NodeId);
          this.run(from, this.node(from).bootstrap(pick, this.now));
        }
        if (action.event.type === 'signal-failed') {
          // Fall back to the server, as a host would.
          this.stats.serverConnects++;
          this.stats.fallbacks++;
          this.answer(from, action.event.to, false);
        }
        return;
    }
  }

  /** `callee` got an offer from `caller`: accept if it admits, answering through the overlay or server. */
  private answer(caller: NodeId, callee: NodeId, overlay: boolean): void {
    const b = this.nodes.get(callee);
    const a = this.nodes.get(caller);
    if (!a) return;
    if (!b || !b.admit(caller, this.now)) {
      this.stats.refused++;
      this.run(caller, a.disconnected(callee, this.now));
      return;
    }
    if (overlay && b.hasRouteTo(caller)) this.run(callee, b.sendSignal(caller, utf8('answer'), this.now));
    else this.connect(caller, callee);
  }
}

function key(a: NodeId, b: NodeId): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
