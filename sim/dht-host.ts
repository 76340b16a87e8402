import { DhtNode, type DhtAction, type DhtEvent, type DhtOptions } from '../shared/dht/index.js';
import { SignalRouter, type SignalRoute } from '../shared/dht/signal-router.js';
import { MachineDriver } from '../shared/machine/index.js';
import type { Random } from '../shared/random.js';
import type { VirtualClock } from './clock.js';
import type { Colluders } from './dht-colluders.js';
import type { ForgingRelays } from './dht-forging-relays.js';
import type { LinkCloseReason, Network } from './network.js';
import type { SimSignalingServer } from './sim-signaling-server.js';
import { simVerifier, type SimKey } from './sim-signer.js';

/** Synthetic WebRTC signals: the first byte says what it is; the rest stands in for the SDP. */
const OFFER = 1;
const ANSWER = 2;
const REJECT = 3;
/** A typical offer/answer with trickled candidates is a few hundred bytes. */
const SIGNAL_BYTES = 400;
/** DhtNode gives up on a 'connect' after 20 s (connectTimeoutMs); a later one for the same peer starts afresh. */
const STALE_ATTEMPT_MS = 20_000;

type SignalPath = 'overlay' | 'server';
/** A synthetic signal's kind (OFFER, ANSWER or REJECT); its bytes are drawn when it is sent. */
type SignalKind = number;

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
  /** Colluding nodes, if any: frames reaching one of them may be answered by the colluders instead. */
  readonly colluders?: Colluders;
  /** Relays that forge answers, if any: frames passing through one of them may be answered by it. */
  readonly forgers?: ForgingRelays;
}

/** Counters over all hosts, for the report. */
export interface SignalCounters {
  overlayOffers: number;
  serverOffers: number;
  overlayFallbacks: number;
  rejected: number;
}

/**
 * One simulated tab running a DhtNode on a MachineDriver: it carries out the node's outputs on the
 * simulated network, signals new connections as the shared SignalRouter decides (the tab's rule:
 * the overlay when the node has a route, else the server, which is always up here; the server
 * again when the overlay fails), and feeds link events, messages and timers back in.
 */
export class DhtHost {
  readonly node: DhtNode;
  readonly id: string;
  readonly joinedAt: number;
  /** One of the colluders (env.colluders). */
  readonly colluding: boolean;
  /** One of the forging relays (env.forgers). */
  readonly forging: boolean;
  alive = true;
  private readonly driver: MachineDriver<DhtAction>;
  private readonly router: SignalRouter<SignalKind>;
  private readonly signals: MachineDriver<SignalRoute<SignalKind>>;
  /** Outgoing attempts waiting for an answer, by peer, with when they started. */
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly env: DhtHostEnv,
    readonly key: SimKey,
    readonly counters: SignalCounters,
    /** Options of this node alone (a super-peer's): DHT overrides and its link cap. */
    own: { dht?: Partial<DhtOptions>; maxLive?: number } = {},
  ) {
    this.node = new DhtNode({
      ...env.dhtOptions,
      ...own.dht,
      id: key.id,
      random: env.random,
      signer: key.signer,
      verifier: simVerifier,
    });
    this.id = this.node.id;
    this.joinedAt = env.clock.now;
    this.colluding = env.colluders?.has(this.id) ?? false;
    this.forging = env.forgers?.has(this.id) ?? false;
    const onError = (err: unknown): void =>
      env.onProblem(
        this,
        `DhtNode threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    this.driver = new MachineDriver(this.node, env.clock.scheduler(), {
      execute: (a) => this.execute(a),
      onError,
    });
    this.router = new SignalRouter({ hasRoute: (to) => this.node.hasRouteTo(to) });
    this.signals = new MachineDriver(this.router, env.clock.scheduler(), {
      execute: (r) => this.route(r),
      onError,
    });
    env.network.addNode(
      this.id,
      {
        connected: (peer) => {
          this.router.forget(peer);
          this.apply((now) => this.node.connected(peer, now));
        },
        disconnected: (peer) => this.apply((now) => this.node.disconnected(peer, now)),
        receive: (peer, data) => {
          const forged = this.colluding
            ? env.colluders?.intercept(this.id, key.id, key.signer, peer, data)
            : this.forging
              ? env.forgers?.intercept(this.id, peer, data)
              : undefined;
          if (forged === undefined) return void this.apply((now) => this.node.receive(peer, data, now));
          if (this.alive) env.network.send(this.id, forged.to, forged.data, 'dht', env.lossyDht);
        },
        connectFailed: (peer, reason) => this.connectFailed(peer, reason),
      },
      own.maxLive === undefined ? {} : { maxLive: own.maxLive },
    );
    env.hosts.set(this.id, this);
  }

  private get now(): number {
    return this.env.clock.now;
  }

  /** Registers with the server and bootstraps from the set it hands out. */
  join(): void {
    const contacts = this.env.server.register(this.id);
    this.apply((now) => this.node.bootstrap(contacts, now));
  }

  /** The tab closes: every link drops, the server forgets it. */
  leave(): void {
    if (!this.alive) return;
    this.alive = false;
    this.driver.stop();
    this.signals.stop();
    this.env.server.unregister(this.id);
    this.env.network.removeNode(this.id);
    this.env.hosts.delete(this.id);
  }

  /**
   * Feeds the node one input (an operation may note its query id inside `fn`), then carries out
   * what it queued; errors become reported problems.
   */
  apply<R>(fn: (now: number) => R): R | undefined {
    if (!this.alive) return undefined;
    return this.driver.input(fn);
  }

  private execute(action: DhtAction): void {
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
        if (action.event.type === 'signal-failed') {
          const to = action.event.to;
          this.signals.input(() => this.router.signalFailed(to));
        }
        this.env.onEvent(this, action.event);
        break;
    }
  }

  private startConnect(to: string): void {
    if (this.env.network.isConnected(this.id, to)) return;
    // An attempt whose answer never came is stale once the node itself has given up on it.
    const attempt = this.attempts.get(to);
    if (attempt !== undefined && this.now - attempt < STALE_ATTEMPT_MS) return;
    this.router.forget(to);
    this.attempts.set(to, this.now);
    this.sendSignal(to, OFFER);
  }

  /** Hands a signal to the shared router (the server is always up in the simulator). */
  private sendSignal(to: string, kind: SignalKind): void {
    this.signals.input((now) => this.router.send(to, kind, true, now));
  }

  /** Carries out the router's decision. */
  private route(r: SignalRoute<SignalKind>): void {
    if (!this.alive) return;
    switch (r.type) {
      case 'overlay':
        if (r.payload === OFFER) this.counters.overlayOffers++;
        this.apply((now) => this.node.sendSignal(r.to, this.signal(r.payload), now));
        break;
      case 'server':
        if (r.payload === OFFER) {
          this.counters.serverOffers++;
          if (r.fallback) this.counters.overlayFallbacks++;
        }
        this.sendViaServer(r.to, r.payload);
        break;
      case 'lookup':
        // The server never goes away in the simulator, so the router never asks for a lookup.
        this.env.onProblem(this, `unexpected lookup before signaling ${r.to.slice(0, 8)}`);
        break;
    }
  }

  private sendViaServer(to: string, kind: SignalKind): void {
    const payload = this.signal(kind);
    const ok = this.env.server.relay(this.id, to, () =>
      this.env.hosts.get(to)?.onSignal(this.id, payload, 'server'),
    );
    if (!ok && kind === OFFER) {
      // The server answers "unknown peer" after a round trip.
      this.env.clock.after(40, () => this.giveUp(to));
    }
  }

  private signal(kind: SignalKind): Uint8Array {
    const payload = this.env.random.bytes(SIGNAL_BYTES);
    payload[0] = kind;
    return payload;
  }

  private giveUp(to: string): void {
    if (!this.attempts.delete(to)) return;
    this.router.forget(to);
    this.apply((now) => this.node.disconnected(to, now));
  }

  /** A signal arrived through the overlay (a 'signal' action) or the server. */
  onSignal(from: string, payload: Uint8Array, _path: SignalPath): void {
    if (!this.alive) return;
    const kind = payload[0];
    if (kind === OFFER) {
      // Glare: both sides offered at once; the lower id's offer wins.
      if (this.attempts.has(from) && this.id < from) return;
      if (this.attempts.delete(from)) this.router.forget(from);
      const accept = this.apply((now) => this.node.admit(from, now)) ?? false;
      if (!accept) this.counters.rejected++;
      this.sendSignal(from, accept ? ANSWER : REJECT);
    } else if (kind === ANSWER) {
      if (!this.attempts.delete(from)) return;
      this.router.forget(from);
      const refused = this.env.network.connect(this.id, from);
      if (refused !== undefined && refused !== 'duplicate') this.connectFailed(from, refused);
    } else if (kind === REJECT) {
      this.giveUp(from);
    }
  }

  /** The link never opened: both ends hear of it, as both see ICE fail. */
  private connectFailed(peer: string, _reason: LinkCloseReason): void {
    this.apply((now) => this.node.disconnected(peer, now));
    const other = this.env.hosts.get(peer);
    if (other?.alive) other.apply((now) => other.node.disconnected(this.id, now));
  }
}
