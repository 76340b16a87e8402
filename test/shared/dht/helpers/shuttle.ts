import { DhtNode } from '../../../../shared/dht/dht-node.js';
import { SignalRouter, type SignalRoute } from '../../../../shared/dht/signal-router.js';
import type { DhtAction, DhtEvent, DhtOptions } from '../../../../shared/dht/types.js';
import type { NodeId } from '../../../../shared/dht/node-id.js';
import { MachineDriver, type Scheduler } from '../../../../shared/machine/index.js';
import { fromUtf8, utf8 } from '../../../../shared/bytes.js';
import { seededRandom } from '../../../../shared/random.js';
import type { Random } from '../../../../shared/random.js';

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

/** The signals of the shuttle's make-believe WebRTC handshake. */
type Signal = 'offer' | 'answer';

/**
 * Time that moves in steps: a timer due within a step fires at the step's end, then everything
 * it set off runs before the next timer fires.
 */
class StepScheduler implements Scheduler {
  time = 0;
  private tasks: { at: number; fire: () => void; live: boolean; seq: number }[] = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  schedule(at: number, fire: () => void): () => void {
    const task = { at, fire, live: true, seq: this.seq++ };
    this.tasks.push(task);
    return () => {
      task.live = false;
    };
  }

  /** Moves to `to` and fires what is due, earliest first; `settle` runs after each. */
  step(to: number, settle: () => void): void {
    this.time = to;
    for (;;) {
      this.tasks = this.tasks.filter((t) => t.live);
      const due = this.tasks.filter((t) => t.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) return;
      due.live = false;
      due.fire();
      settle();
    }
  }
}

interface Peer {
  readonly node: DhtNode;
  readonly driver: MachineDriver<DhtAction>;
  readonly router: SignalRouter<Signal>;
  readonly signals: MachineDriver<SignalRoute<Signal>>;
}

/**
 * A synchronous in-memory network of DhtNodes for tests: no latency, no loss. Each node runs on a
 * MachineDriver; a 'connect' is signaled as the shared SignalRouter decides (the server is always
 * up): through the overlay when the node has a route (offer and answer as `signal` queries), else
 * "through the server" (linked at once). Inputs reach a node at once; the outputs they cause run
 * in the order they arose (breadth first). Time moves only with `advance`.
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
  private readonly peers = new Map<NodeId, Peer>();
  private readonly links = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private running = false;
  private readonly scheduler = new StepScheduler();
  readonly random: Random;
  /** Tests may intercept frames: return false to drop one. */
  filter: (from: NodeId, to: NodeId, data: Uint8Array) => boolean = () => true;

  constructor(
    readonly seed: number,
    private readonly options: Partial<DhtOptions> = {},
  ) {
    this.random = seededRandom(seed);
  }

  get now(): number {
    return this.scheduler.time;
  }

  add(id?: Uint8Array): DhtNode {
    const node = new DhtNode({
      ...this.options,
      id: id ?? this.random.bytes(20),
      random: seededRandom(this.random.int(2 ** 31)),
    });
    const from = node.id;
    const router = new SignalRouter<Signal>({ hasRoute: (to) => node.hasRouteTo(to) });
    this.peers.set(from, {
      node,
      driver: new MachineDriver(node, this.scheduler, {
        execute: (a) => this.later(() => this.apply(from, a)),
      }),
      router,
      signals: new MachineDriver(router, this.scheduler, {
        execute: (r) => this.later(() => this.route(from, r)),
      }),
    });
    this.nodes.set(from, node);
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

  /** Feeds node `id` one input, runs everything that follows, and returns the input's answer. */
  input<R>(id: NodeId, fn: (node: DhtNode, now: number) => R): R {
    const peer = this.peers.get(id);
    if (!peer) throw new Error(`no node ${id}`);
    const result = peer.driver.input((now) => fn(peer.node, now)) as R;
    this.settle();
    return result;
  }

  /** Opens a link directly (as if through the signaling server). */
  connect(a: NodeId, b: NodeId): void {
    if (a === b || this.linked(a, b) || !this.nodes.has(a) || !this.nodes.has(b)) return;
    this.links.add(key(a, b));
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const peer = this.peers.get(x) as Peer;
      peer.router.forget(y);
      this.input(x, (n, now) => n.connected(y, now));
    }
  }

  disconnect(a: NodeId, b: NodeId): void {
    if (!this.links.delete(key(a, b))) return;
    if (this.nodes.has(a)) this.input(a, (n, now) => n.disconnected(b, now));
    if (this.nodes.has(b)) this.input(b, (n, now) => n.disconnected(a, now));
  }

  /** Removes a node abruptly (tab closed): its links drop. */
  kill(id: NodeId): void {
    const peers = [...this.links]
      .filter((l) => l.includes(id))
      .map((l) => l.split(':').find((x) => x !== id) as string);
    for (const p of peers) this.links.delete(key(id, p));
    this.peers.get(id)?.driver.stop();
    this.peers.get(id)?.signals.stop();
    this.peers.delete(id);
    this.nodes.delete(id);
    for (const p of peers) this.input(p, (n, now) => n.disconnected(id, now));
  }

  /** Moves time forward in `step`s, running every due timer at the end of its step. */
  advance(ms: number, step = 1000): void {
    const end = this.now + ms;
    while (this.now < end) this.scheduler.step(Math.min(end, this.now + step), () => this.settle());
  }

  eventsOf<T extends DhtEvent['type']>(type: T): { node: NodeId; event: Extract<DhtEvent, { type: T }> }[] {
    return this.events.filter((e) => e.event.type === type) as {
      node: NodeId;
      event: Extract<DhtEvent, { type: T }>;
    }[];
  }

  /** Queues an output to run once the outputs before it have run. */
  private later(work: () => void): void {
    this.queue.push(work);
  }

  private settle(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (let work = this.queue.shift(); work; work = this.queue.shift()) work();
    } finally {
      this.running = false;
    }
  }

  private apply(from: NodeId, action: DhtAction): void {
    if (!this.nodes.has(from)) return;
    switch (action.type) {
      case 'send': {
        if (!this.linked(from, action.to) || !this.filter(from, action.to, action.data)) return;
        this.stats.delivered++;
        this.input(action.to, (n, now) => n.receive(from, action.data, now));
        return;
      }
      case 'connect': {
        if (!this.nodes.has(action.to)) {
          this.input(from, (n, now) => n.disconnected(action.to, now));
          return;
        }
        this.signal(from, action.to, 'offer');
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
          this.input(from, (n, now) => n.bootstrap(pick, now));
        }
        if (action.event.type === 'signal-failed') {
          const peer = this.peers.get(from) as Peer;
          const to = action.event.to;
          peer.signals.input(() => peer.router.signalFailed(to));
        }
        return;
    }
  }

  private signal(from: NodeId, to: NodeId, signal: Signal): void {
    const peer = this.peers.get(from) as Peer;
    peer.signals.input((now) => peer.router.send(to, signal, true, now));
  }

  /** Carries out a router's decision for a signal from `from`. */
  private route(from: NodeId, r: SignalRoute<Signal>): void {
    if (!this.nodes.has(from)) return;
    if (r.type === 'overlay') {
      if (r.payload === 'offer') this.stats.overlaySignals++;
      this.input(from, (n, now) => n.sendSignal(r.to, utf8(r.payload), now));
    } else if (r.type === 'server') {
      if (r.fallback) this.stats.fallbacks++;
      if (r.payload === 'answer') return this.connect(r.to, from);
      this.stats.serverConnects++;
      this.answer(from, r.to, false);
    }
  }

  /** `callee` got an offer from `caller`: accept if it admits, answering as its router decides. */
  private answer(caller: NodeId, callee: NodeId, overlay: boolean): void {
    const b = this.nodes.get(callee);
    if (!this.nodes.has(caller)) return;
    if (!b || !this.input(callee, (n, now) => n.admit(caller, now))) {
      this.stats.refused++;
      this.input(caller, (n, now) => n.disconnected(callee, now));
      return;
    }
    if (overlay) this.signal(callee, caller, 'answer');
    else this.connect(caller, callee);
  }
}

function key(a: NodeId, b: NodeId): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
