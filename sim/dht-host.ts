import { DhtNode, type DhtAction, type DhtEvent, type DhtOptions } from '../shared/dht/index.js';
import type { Random } from '../shared/random.js';
import type { VirtualClock } from './clock.js';
import { MachineTimer } from './machine-timer.js';
import type { LinkCloseReason, Network } from './network.js';
import type { SimSignalingServer } from './sim-signaling-server.js';

/** Synthetic WebRTC signals: the first byte says what it is; the rest stands in for the SDP. */
const OFFER = 1;
const ANSWER = 2;
const REJECT = 3;
/** A typical offer/answer with trickled candidates is a few hundred bytes. */
const SIGNAL_BYTES = 400;
/** DhtNode gives up on a 'connect' after 20 s (connectTimeoutMs); a later one for the same peer starts afresh. */
const STALE_ATTEMPT_MS = 20_000;

type SignalPath = 'overlay' | 'server';

/** What every host in one simulation shares. */
export interface DhtHostEnv {
  readonly clock: VirtualClock;
  readonly network: Network;
  readonly server: SimSignalingServer;
  readonly random: Random;
  /** Live hosts by node id (for delivering server-relayed signals). */
  readonly hosts: Map<string, DhtHost>;
  /** DHT events from any host. */
  onEvent(host: DhtHost, event: DhtEvent): void;
  /** Something the host could not make sense of (a thrown error, an action that broke a rule). */
  onProblem(host: DhtHost, problem: string): void;
  /** Drop DHT messages with the network's loss rate (an unreliable channel). */
  readonly lossyDht: boolean;
  /** Options passed to every DhtNode (id and random are per node). */
  readonly dhtOptions: Partial<DhtOptions>;
}

/** Counters over all hosts, for the report. */
export interface SignalCounters {
  overlayOffers: number;
  serverOffers: number;
  overlayFallbacks: number;
  rejected: number;
}

/**
 * One simulated tab running a DhtNode: it carries out the node's actions on the simulated
 * network, signals new connections through the overlay when the node has a route (else through
 * the server), and feeds link events, messages and timers back in.
 */
export class DhtHost {
  readonly node: DhtNode;
  readonly id: string;
  readonly joinedAt: number;
  alive = true;
  private readonly timer: MachineTimer;
  /** Outgoing attempts waiting for an answer, by peer, with the path the offer took and when. */
  private readonly attempts = new Map<string, { path: SignalPath; at: number }>();
  /** Answers sent through the overlay, kept until the link opens in case the overlay fails them. */
  private readonly answers = new Map<string, number>();

  constructor(
    private readonly env: DhtHostEnv,
    id: Uint8Array,
    readonly counters: SignalCounters,
  ) {
    this.node = new DhtNode({ ...env.dhtOptions, id, random: env.random });
    this.id = this.node.id;
    this.joinedAt = env.clock.now;
    this.timer = new MachineTimer(env.clock, this.node, (now) =>
      this.apply(() => this.node.handleTimeout(now)),
    );
    env.network.addNode(this.id, {
      connected: (peer) => {
        this.answers.delete(peer);
        this.apply(() => this.node.connected(peer, this.now));
      },
      disconnected: (peer) => this.apply(() => this.node.disconnected(peer, this.now)),
      receive: (peer, data) => this.apply(() => this.node.receive(peer, data, this.now)),
      connectFailed: (peer, reason) => this.connectFailed(peer, reason),
    });
    env.hosts.set(this.id, this);
  }

  private get now(): number {
    return this.env.clock.now;
  }

  /** Registers with the server and bootstraps from the set it hands out. */
  join(): void {
    const contacts = this.env.server.register(this.id);
    this.apply(() => this.node.bootstrap(contacts, this.now));
  }

  /** The tab closes: every link drops, the server forgets it. */
  leave(): void {
    if (!this.alive) return;
    this.alive = false;
    this.timer.stop();
    this.env.server.unregister(this.id);
    this.env.network.removeNode(this.id);
    this.env.hosts.delete(this.id);
  }

  /** Calls into the node, then carries out what it returned; errors become reported problems. */
  apply(call: () => DhtAction[]): void {
    if (!this.alive) return;
    let actions: DhtAction[];
    try {
      actions = call();
    } catch (err) {
      this.env.onProblem(
        this,
        `DhtNode threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      return;
    }
    this.run(actions);
    this.timer.rearm();
  }

  /** Carries out actions returned by an operation started outside `apply` (findNode, put...). */
  run(actions: readonly DhtAction[]): void {
    for (const action of actions) {
      if (!this.alive) return;
      switch (action.type) {
        case 'send':
          if (!this.env.network.send(this.id, action.to, action.data, 'dht', this.env.lossyDht)) {
            this.env.onProblem(this, `send to ${action.to.slice(0, 8)} without a live link`);
          }
          break;
        case 'connect':
          this.startConnect(action.to);
          break;
        case 'disconnect':
          this.env.network.disconnect(this.id, action.to);
          break;
        case 'signal':
          this.onSignal(action.from, action.payload, 'overlay');
          break;
        case 'event':
          if (action.event.type === 'signal-failed') this.signalFailed(action.event.to);
          this.env.onEvent(this, action.event);
          break;
      }
    }
    this.timer.rearm();
  }

  private startConnect(to: string): void {
    if (this.env.network.isConnected(this.id, to)) return;
    // An attempt whose answer never came is stale once the node itself has given up on it.
    const attempt = this.attempts.get(to);
    if (attempt !== undefined && this.now - attempt.at < STALE_ATTEMPT_MS) return;
    if (this.node.hasRouteTo(to)) {
      this.attempts.set(to, { path: 'overlay', at: this.now });
      this.counters.overlayOffers++;
      this.apply(() => this.node.sendSignal(to, this.signal(OFFER), this.now));
    } else {
      this.offerViaServer(to);
    }
  }

  private offerViaServer(to: string): void {
    this.attempts.set(to, { path: 'server', at: this.now });
    this.counters.serverOffers++;
    this.sendViaServer(to, OFFER);
  }

  private sendViaServer(to: string, kind: number): void {
    const payload = this.signal(kind);
    const ok = this.env.server.relay(this.id, to, () =>
      this.env.hosts.get(to)?.onSignal(this.id, payload, 'server'),
    );
    if (!ok && kind === OFFER) {
      // The server answers "unknown peer" after a round trip.
      this.env.clock.after(40, () => this.giveUp(to));
    }
  }

  private signal(kind: number): Uint8Array {
    const payload = this.env.random.bytes(SIGNAL_BYTES);
    payload[0] = kind;
    return payload;
  }

  private signalFailed(to: string): void {
    const answer = this.answers.get(to);
    if (answer !== undefined) {
      this.answers.delete(to);
      this.sendViaServer(to, answer);
    } else if (this.attempts.get(to)?.path === 'overlay') {
      this.counters.overlayFallbacks++;
      this.offerViaServer(to);
    }
  }

  private giveUp(to: string): void {
    if (this.attempts.delete(to)) this.apply(() => this.node.disconnected(to, this.now));
  }

  /** A signal arrived through the overlay (a 'signal' action) or the server. */
  onSignal(from: string, payload: Uint8Array, path: SignalPath): void {
    if (!this.alive) return;
    const kind = payload[0];
    if (kind === OFFER) {
      // Glare: both sides offered at once; the lower id's offer wins.
      if (this.attempts.has(from) && this.id < from) return;
      this.attempts.delete(from);
      let accept = false;
      try {
        accept = this.node.admit(from, this.now);
      } catch (err) {
        this.env.onProblem(this, `admit threw: ${String(err)}`);
      }
      // Admitting at the cap closes a worse link; that disconnect comes from the next timeout, due now.
      this.timer.rearm();
      if (!accept) this.counters.rejected++;
      this.reply(from, accept ? ANSWER : REJECT, path);
    } else if (kind === ANSWER) {
      if (!this.attempts.delete(from)) return;
      const refused = this.env.network.connect(this.id, from);
      if (refused !== undefined && refused !== 'duplicate') this.connectFailed(from, refused);
    } else if (kind === REJECT) {
      this.giveUp(from);
    }
  }

  private reply(to: string, kind: number, path: SignalPath): void {
    if (path === 'overlay' && this.node.hasRouteTo(to)) {
      if (kind === ANSWER) this.answers.set(to, kind);
      this.apply(() => this.node.sendSignal(to, this.signal(kind), this.now));
    } else {
      this.sendViaServer(to, kind);
    }
  }

  /** The link never opened: both ends hear of it, as both see ICE fail. */
  private connectFailed(peer: string, _reason: LinkCloseReason): void {
    this.apply(() => this.node.disconnected(peer, this.now));
    const other = this.env.hosts.get(peer);
    if (other?.alive) other.apply(() => other.node.disconnected(this.id, other.now));
  }
}
