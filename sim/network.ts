import type { Random } from '../shared/random.js';
import type { TimerHandle, VirtualClock } from './clock.js';
import {
  defaultNetworkOptions,
  type LinkCloseReason,
  type NetworkOptions,
  type NetworkStats,
  type NodeHandlers,
  type NodeId,
  type NodeOptions,
  type NodeStats,
} from './network-types.js';

export * from './network-types.js';

interface QueuedMessage {
  readonly data: Uint8Array;
  readonly size: number;
  readonly channel: string;
  readonly lost: boolean;
}

interface LinkEnd {
  readonly peer: NodeId;
  readonly connId: number;
  readonly latency: number;
  /** False once closed (or closing): no more sends accepted. */
  open: boolean;
  /** Closed by this side: the peer is told once the queue has drained. */
  closing: LinkCloseReason | undefined;
  /** Messages waiting for the uplink, FIFO; the first is being sent. */
  readonly queue: QueuedMessage[];
  queuedBytes: number;
  /** Sharing the uplink (its queue is not empty). */
  inRing: boolean;
  /** The uplink's virtual time at which the first queued message will have been sent. */
  finishTag: number;
  /** When the first byte of the first queued message left. */
  headStart: number;
  /** Time the last message in this direction is delivered; later ones are not earlier (FIFO). */
  lastDelivery: number;
}

interface SimNode {
  readonly id: NodeId;
  readonly handlers: NodeHandlers;
  readonly upload: number;
  readonly download: number;
  readonly maxLive: number;
  alive: boolean;
  /** Links with queued messages, sharing the uplink equally, in the order they became busy. */
  readonly ring: LinkEnd[];
  /**
   * Processor-sharing clock of the uplink: bytes sent per busy link since the node joined,
   * as of real time `vAt`.
   */
  vtime: number;
  vAt: number;
  /** The next message completion on the uplink. */
  uplinkEvent: TimerHandle | undefined;
  downFreeAt: number;
  /** Open links, keyed by peer. */
  readonly links: Map<NodeId, LinkEnd>;
  /** Peers with an attempt in flight, either direction. */
  readonly pending: Set<NodeId>;
  /** Attempts this node started that are still in flight; they hold a slot under the cap. */
  outgoing: number;
  readonly stats: NodeStats;
}

/**
 * In-memory links between nodes, shaped like WebRTC data channels between tabs.
 *
 * Each link has its own send queue (the channel's buffered amount); a node's uplink is shared
 * equally, at every instant, by the links with queued data (processor sharing, as parallel
 * SCTP associations interleave packets), so concurrent flows share it fairly and a small message
 * to one peer does not wait behind megabytes queued for another. A message then crosses the
 * link latency and streams into the receiver's downlink (shared, in order of arrival): a lone
 * message of `s` bytes takes `s / min(up, down) + latency`. Each direction of a
 * link is FIFO. Connections cost a setup delay and count against a per-node live cap and a
 * lifetime budget.
 */
export class Network {
  readonly options: NetworkOptions;
  readonly stats: NetworkStats = {
    messagesSent: 0,
    messagesDelivered: 0,
    messagesLost: 0,
    messagesDroppedClosed: 0,
    bytesSent: 0,
    connectionsOpened: 0,
    connectionsRefused: 0,
  };
  private readonly nodes = new Map<NodeId, SimNode>();
  private nextConnId = 1;

  constructor(
    readonly clock: VirtualClock,
    private readonly random: Random,
    options: Partial<NetworkOptions> = {},
  ) {
    this.options = { ...defaultNetworkOptions, ...options };
  }

  /** Adds a live node. Throws if the id is taken by a live node. */
  addNode(id: NodeId, handlers: NodeHandlers, options: NodeOptions = {}): void {
    const existing = this.nodes.get(id);
    if (existing?.alive) throw new Error(`node ${id} already in the network`);
    this.nodes.set(id, {
      id,
      handlers,
      upload: options.upload ?? this.options.upload,
      download: options.download ?? this.options.download,
      maxLive: options.maxLive ?? this.options.maxLive,
      alive: true,
      ring: [],
      vtime: 0,
      vAt: 0,
      uplinkEvent: undefined,
      downFreeAt: 0,
      links: new Map(),
      pending: new Set(),
      outgoing: 0,
      stats: {
        opened: 0,
        maxLive: 0,
        bytesSent: 0,
        bytesReceived: 0,
        bytesDelivered: 0,
        messagesSent: 0,
        messagesReceived: 0,
        refused: 0,
      },
    });
  }

  /** The node leaves: every link drops at once (queued data is lost); peers learn of it after one latency. */
  removeNode(id: NodeId): void {
    const node = this.nodes.get(id);
    if (!node?.alive) return;
    node.alive = false;
    for (const end of node.links.values()) {
      end.queue.length = 0;
      end.queuedBytes = 0;
      this.notifyClose(node, end, 'left', this.clock.now + end.latency);
    }
    node.links.clear();
    node.ring.length = 0;
    node.uplinkEvent?.cancel();
    node.uplinkEvent = undefined;
    node.pending.clear();
    node.outgoing = 0;
  }

  isAlive(id: NodeId): boolean {
    return this.nodes.get(id)?.alive === true;
  }

  /** Ids of live nodes, in insertion order. */
  liveNodes(): NodeId[] {
    const out: NodeId[] = [];
    for (const n of this.nodes.values()) if (n.alive) out.push(n.id);
    return out;
  }

  /** True if `a` can send to `b` now. */
  isConnected(a: NodeId, b: NodeId): boolean {
    return this.nodes.get(a)?.links.get(b)?.open === true;
  }

  /** Peers `id` has an open link to. */
  peersOf(id: NodeId): NodeId[] {
    const node = this.nodes.get(id);
    return node ? [...node.links.values()].filter((l) => l.open).map((l) => l.peer) : [];
  }

  /** Live connections of `id` (closing ones still count until their queue drains). */
  liveCount(id: NodeId): number {
    return this.nodes.get(id)?.links.size ?? 0;
  }

  nodeStats(id: NodeId): NodeStats | undefined {
    return this.nodes.get(id)?.stats;
  }

  /** Bytes queued from `from` to `to` not yet sent (the data channel's bufferedAmount). */
  bufferedAmount(from: NodeId, to: NodeId): number {
    return this.nodes.get(from)?.links.get(to)?.queuedBytes ?? 0;
  }

  /**
   * Starts opening a connection from `from` to `to`. Returns undefined if the attempt is under
   * way (both sides get `connected` after the setup delay, or `from` gets `connectFailed`), or
   * the reason it was refused at once (nothing is called back then).
   */
  connect(from: NodeId, to: NodeId): LinkCloseReason | undefined {
    const a = this.nodes.get(from);
    if (!a?.alive) return 'unreachable';
    if (from === to || a.links.has(to) || a.pending.has(to)) return 'duplicate';
    if (a.links.size + a.outgoing >= a.maxLive) {
      a.stats.refused++;
      this.stats.connectionsRefused++;
      return 'refused-cap';
    }
    if (a.stats.opened >= this.options.lifetimeLimit) {
      a.stats.refused++;
      this.stats.connectionsRefused++;
      return 'refused-lifetime';
    }
    a.stats.opened++;
    a.outgoing++;
    a.pending.add(to);
    this.nodes.get(to)?.pending.add(from);
    const latency = this.options.latency(this.random);
    const delay = this.options.setupMs + 2 * latency;
    this.clock.after(delay, () => this.completeConnect(a, to, latency));
    return undefined;
  }

  private completeConnect(a: SimNode, to: NodeId, latency: number): void {
    a.pending.delete(to);
    a.outgoing--;
    const b = this.nodes.get(to);
    b?.pending.delete(a.id);
    if (!a.alive) return;
    let reason: LinkCloseReason | undefined;
    if (!b?.alive) reason = 'unreachable';
    else if (b.links.has(a.id) || a.links.has(to)) reason = 'duplicate';
    else if (b.links.size + b.outgoing >= b.maxLive) reason = 'refused-cap';
    else if (b.stats.opened >= this.options.lifetimeLimit) reason = 'refused-lifetime';
    if (reason !== undefined || b === undefined) {
      if (reason === 'refused-cap' || reason === 'refused-lifetime') {
        (b as SimNode).stats.refused++;
        this.stats.connectionsRefused++;
      }
      a.handlers.connectFailed?.(to, reason ?? 'unreachable');
      return;
    }
    b.stats.opened++;
    const connId = this.nextConnId++;
    const now = this.clock.now;
    const end = (peer: NodeId): LinkEnd => ({
      peer,
      connId,
      latency,
      open: true,
      closing: undefined,
      queue: [],
      queuedBytes: 0,
      inRing: false,
      finishTag: 0,
      headStart: now,
      lastDelivery: now,
    });
    a.links.set(to, end(to));
    b.links.set(a.id, end(a.id));
    a.stats.maxLive = Math.max(a.stats.maxLive, a.links.size);
    b.stats.maxLive = Math.max(b.stats.maxLive, b.links.size);
    this.stats.connectionsOpened++;
    a.handlers.connected(to);
    // The initiator's callback may have closed the link or left already.
    if (b.alive && b.links.get(a.id)?.connId === connId) b.handlers.connected(a.id);
  }

  /**
   * `from` closes its link to `to`. What is already queued is still sent (as a data channel
   * does on close); then `to` hears of the close, after everything sent before it.
   */
  disconnect(from: NodeId, to: NodeId): void {
    const a = this.nodes.get(from);
    const end = a?.links.get(to);
    if (a === undefined || end === undefined || !end.open) return;
    end.open = false;
    end.closing = 'closed';
    if (!end.inRing) this.finishClose(a, end);
  }

  /** A closing link's queue is empty: forget it here and tell the other side in stream order. */
  private finishClose(a: SimNode, end: LinkEnd): void {
    if (a.links.get(end.peer) === end) a.links.delete(end.peer);
    this.notifyClose(
      a,
      end,
      end.closing ?? 'closed',
      Math.max(this.clock.now + end.latency, end.lastDelivery),
    );
  }

  private notifyClose(a: SimNode, end: LinkEnd, reason: LinkCloseReason, at: number): void {
    end.open = false;
    const b = this.nodes.get(end.peer);
    const back = b?.links.get(a.id);
    if (b === undefined || back === undefined || back.connId !== end.connId) return;
    this.clock.at(at, () => {
      const cur = b.links.get(a.id);
      if (!b.alive || cur === undefined || cur.connId !== end.connId) return;
      b.links.delete(a.id);
      cur.open = false;
      this.leaveRing(b, cur);
      cur.queue.length = 0;
      cur.queuedBytes = 0;
      b.handlers.disconnected(a.id, reason);
    });
  }

  /**
   * Queues `data` from `from` to `to` on their open link. Returns false (and sends nothing) if
   * there is no open link. `lossy` messages are dropped with the network's loss probability.
   */
  send(from: NodeId, to: NodeId, data: Uint8Array, channel = 'default', lossy = false): boolean {
    const a = this.nodes.get(from);
    const end = a?.links.get(to);
    if (a === undefined || end === undefined || !end.open) return false;
    const size = data.length + this.options.overheadBytes;
    a.stats.bytesSent += size;
    a.stats.messagesSent++;
    this.stats.messagesSent++;
    this.stats.bytesSent += size;
    const lost = lossy && this.options.loss > 0 && this.random.next() < this.options.loss;
    const msg: QueuedMessage = { data, size, channel, lost };
    if (a.upload === Number.POSITIVE_INFINITY) {
      // An unlimited uplink never queues.
      this.transmitted(a, end, msg, this.clock.now);
      return true;
    }
    end.queue.push(msg);
    end.queuedBytes += size;
    if (!end.inRing) {
      this.advance(a);
      end.inRing = true;
      end.headStart = this.clock.now;
      end.finishTag = a.vtime + size;
      a.ring.push(end);
      this.scheduleUplink(a);
    }
    return true;
  }

  /*
   * The uplink is shared by processor sharing: every link with queued data gets an equal share
   * of the rate at every instant, and a message leaves when its last byte has been sent. Each
   * data channel is its own RTCPeerConnection (SCTP over DTLS over UDP, with its own congestion
   * control), so concurrent channels interleave on the wire packet by packet (~1,200 bytes) and
   * share the bottleneck about equally, as parallel TCP flows do; processor sharing is the limit
   * of that packet round robin. (Sending whole messages in turn instead would make a 17-byte
   * request wait behind a 64 KiB message of every other busy channel: 0.5 s per channel at
   * 128 KB/s, which no real stack does.) Implemented with a virtual clock per uplink that counts
   * bytes sent per busy link: a link's head message is done when that clock reaches its finish tag.
   */

  /** Moves `a`'s processor-sharing clock to now. */
  private advance(a: SimNode): void {
    const now = this.clock.now;
    if (a.ring.length > 0) a.vtime += ((now - a.vAt) * a.upload) / 1000 / a.ring.length;
    a.vAt = now;
  }

  /** (Re)schedules the uplink's next message completion. */
  private scheduleUplink(a: SimNode): void {
    a.uplinkEvent?.cancel();
    a.uplinkEvent = undefined;
    if (a.ring.length === 0 || !a.alive) return;
    let tag = Number.POSITIVE_INFINITY;
    for (const end of a.ring) tag = Math.min(tag, end.finishTag);
    const at = a.vAt + (Math.max(0, tag - a.vtime) * a.ring.length * 1000) / a.upload;
    a.uplinkEvent = this.clock.at(at, () => this.uplinkDone(a));
  }

  /** Head messages whose last byte has left go on their way; their links move to the next message. */
  private uplinkDone(a: SimNode): void {
    a.uplinkEvent = undefined;
    if (!a.alive) return;
    this.advance(a);
    let tag = Number.POSITIVE_INFINITY;
    for (const end of a.ring) tag = Math.min(tag, end.finishTag);
    // Every link due by now (within rounding), in the order they became busy.
    const due = Math.max(tag, a.vtime) + 1e-6;
    const finished: LinkEnd[] = [];
    for (const end of a.ring) if (end.finishTag <= due) finished.push(end);
    const now = this.clock.now;
    for (const end of finished) {
      const msg = end.queue.shift() as QueuedMessage;
      end.queuedBytes -= msg.size;
      this.transmitted(a, end, msg, end.headStart);
      const next = end.queue[0];
      if (next !== undefined) {
        end.headStart = now;
        end.finishTag += next.size;
        continue;
      }
      this.removeFromRing(a, end);
      if (end.closing !== undefined) this.finishClose(a, end);
      else if (end.open) a.handlers.drained?.(end.peer);
    }
    this.scheduleUplink(a);
  }

  /** A link's queue was dropped (the other side closed): it stops sharing the uplink. */
  private leaveRing(a: SimNode, end: LinkEnd): void {
    if (!end.inRing) return;
    this.advance(a);
    this.removeFromRing(a, end);
    this.scheduleUplink(a);
  }

  private removeFromRing(a: SimNode, end: LinkEnd): void {
    end.inRing = false;
    const i = a.ring.indexOf(end);
    if (i >= 0) a.ring.splice(i, 1);
  }

  /** The last byte of `msg` left `a` now; it first left at `txStart`. Schedules its arrival. */
  private transmitted(a: SimNode, end: LinkEnd, msg: QueuedMessage, txStart: number): void {
    if (msg.lost) {
      this.stats.messagesLost++;
      return;
    }
    const b = this.nodes.get(end.peer);
    if (b === undefined || !b.alive) {
      this.stats.messagesDroppedClosed++;
      return;
    }
    const now = this.clock.now;
    // The downlink is a queue of work in arrival order: a message holds it for size / download,
    // from its first byte's arrival at the earliest, and is in once its last byte has arrived too.
    // (A message trickling in over a shared uplink does not block the downlink meanwhile.)
    b.downFreeAt = Math.max(txStart + end.latency, b.downFreeAt) + (msg.size * 1000) / b.download;
    const rxDone = Math.max(now + end.latency, b.downFreeAt);
    const deliverAt = Math.max(rxDone, end.lastDelivery);
    end.lastDelivery = deliverAt;
    const connId = end.connId;
    const from = a.id;
    this.clock.at(deliverAt, () => {
      const back = b.links.get(from);
      if (!b.alive || back === undefined || back.connId !== connId) {
        this.stats.messagesDroppedClosed++;
        return;
      }
      b.stats.bytesReceived += msg.size;
      b.stats.messagesReceived++;
      a.stats.bytesDelivered += msg.size;
      this.stats.messagesDelivered++;
      b.handlers.receive(from, msg.data, msg.channel);
    });
  }
}
