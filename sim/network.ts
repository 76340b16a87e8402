import type { Random } from '../shared/random.js';
import type { VirtualClock } from './clock.js';
import { constant, type Distribution } from './distributions.js';

/** Node ids in the simulated network (hex node ids for the DHT, names for swarms). */
export type NodeId = string;

/** Why a connection attempt failed or a link closed. */
export type LinkCloseReason =
  | 'closed' // the other side closed it
  | 'left' // the other side left the network
  | 'refused-cap' // one side was at its live-connection cap
  | 'refused-lifetime' // one side used up its lifetime connection budget
  | 'unreachable' // the other side is not in the network
  | 'duplicate'; // a link (or attempt) already exists between the two

/** What the network calls on a node. */
export interface NodeHandlers {
  /** A connection is open (both sides get this at the same instant). */
  connected(peer: NodeId): void;
  /** An open connection closed; `reason` says why. Not called on the side that closed it. */
  disconnected(peer: NodeId, reason: LinkCloseReason): void;
  /** A message arrived on `channel`. */
  receive(peer: NodeId, data: Uint8Array, channel: string): void;
  /** A connection this node asked for did not open. */
  connectFailed?(peer: NodeId, reason: LinkCloseReason): void;
  /** Everything queued to `peer` has left the uplink (the channel's buffered amount is zero). */
  drained?(peer: NodeId): void;
}

/** Per-node limits; unset fields take the network defaults. */
export interface NodeOptions {
  /** Upload bandwidth in bytes per second (Infinity = unlimited). */
  upload?: number;
  /** Download bandwidth in bytes per second. */
  download?: number;
  /** Most live connections at once. */
  maxLive?: number;
}

/** Network-wide parameters. */
export interface NetworkOptions {
  /** One-way latency of a link in ms, drawn once per connection (so a link stays FIFO). */
  latency: Distribution;
  /** Drop probability for messages sent with `lossy: true` (DHT datagrams). Streams never lose. */
  loss: number;
  /** Fixed connection setup cost in ms (offer, ICE, DTLS, SCTP), on top of two one-way latencies. */
  setupMs: number;
  /** Default live-connection cap per node. */
  maxLive: number;
  /** Connections a node may ever open (Chromium: ~500 RTCPeerConnections per tab lifetime). */
  lifetimeLimit: number;
  /** Default upload and download bandwidth, bytes per second. */
  upload: number;
  download: number;
  /** Bytes added to every message on the wire (framing); counts against bandwidth. */
  overheadBytes: number;
}

export const defaultNetworkOptions: NetworkOptions = {
  latency: constant(20),
  loss: 0,
  setupMs: 140,
  maxLive: 40,
  lifetimeLimit: 500,
  upload: Number.POSITIVE_INFINITY,
  download: Number.POSITIVE_INFINITY,
  overheadBytes: 0,
};

/** Counters for one node. */
export interface NodeStats {
  /** Connections this node took part in since it joined (both directions). */
  opened: number;
  /** Highest number of simultaneous live connections. */
  maxLive: number;
  bytesSent: number;
  bytesReceived: number;
  /** Bytes this node sent that reached the other end (sent bytes still queued or lost excluded). */
  bytesDelivered: number;
  messagesSent: number;
  messagesReceived: number;
  /** Connection attempts refused for the cap or lifetime budget, as initiator or responder. */
  refused: number;
}

/** Network-wide counters. */
export interface NetworkStats {
  messagesSent: number;
  messagesDelivered: number;
  messagesLost: number;
  /** Messages dropped because the link closed while they were in flight. */
  messagesDroppedClosed: number;
  bytesSent: number;
  connectionsOpened: number;
  connectionsRefused: number;
}

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
  /** Messages waiting for the uplink, FIFO. */
  readonly queue: QueuedMessage[];
  queuedBytes: number;
  /** In the uplink's round-robin ring, or being transmitted. */
  inRing: boolean;
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
  /** The uplink sends one message at a time, taking links with queued messages in turn. */
  uplinkBusy: boolean;
  readonly ring: LinkEnd[];
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
 * Each link has its own send queue (the channel's buffered amount); a node's uplink serves the
 * links with queued messages in turn, one message at a time, so concurrent flows share it fairly
 * and a small message to one peer does not wait behind megabytes queued for another. A message
 * then crosses the link latency and streams into the receiver's downlink (shared, in order of
 * arrival): a lone message of `s` bytes takes `s / min(up, down) + latency`. Each direction of a
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
      uplinkBusy: false,
      ring: [],
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
    if (a.upload === Number.POSITIVE_INFINITY && end.queue.length === 0) {
      // An unlimited uplink never queues.
      this.transmitted(a, end, msg, this.clock.now);
      return true;
    }
    end.queue.push(msg);
    end.queuedBytes += size;
    if (!end.inRing) {
      end.inRing = true;
      a.ring.push(end);
    }
    if (!a.uplinkBusy) this.nextTransmission(a);
    return true;
  }

  /** Starts sending the next message, taking links in turn. */
  private nextTransmission(a: SimNode): void {
    let end = a.ring.shift();
    // Links closed by the other side had their queue dropped; skip them.
    while (end !== undefined && end.queue.length === 0) {
      end.inRing = false;
      end = a.ring.shift();
    }
    if (end === undefined || !a.alive) {
      a.uplinkBusy = false;
      return;
    }
    const msg = end.queue.shift() as QueuedMessage;
    a.uplinkBusy = true;
    const txStart = this.clock.now;
    this.clock.at(txStart + (msg.size * 1000) / a.upload, () => {
      if (!a.alive) return;
      end.queuedBytes -= msg.size;
      this.transmitted(a, end, msg, txStart);
      // Back of the line: links that queued meanwhile go first.
      if (end.queue.length > 0) a.ring.push(end);
      else {
        end.inRing = false;
        if (end.closing !== undefined) this.finishClose(a, end);
        else if (end.open) a.handlers.drained?.(end.peer);
      }
      this.nextTransmission(a);
    });
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
    const rxStart = Math.max(txStart + end.latency, b.downFreeAt);
    const rxDone = Math.max(now + end.latency, rxStart + (msg.size * 1000) / b.download);
    b.downFreeAt = rxDone;
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
