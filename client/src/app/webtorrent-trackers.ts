import { isSdpOffer } from '../../../shared/links/index.js';
import { MachineDriver, realScheduler, type Scheduler } from '../../../shared/machine/driver.js';
import type { Random } from '../../../shared/random.js';
import {
  WtTrackerClient,
  type WtClientOutput,
  type WtSwarmState,
  type WtTrackerClientOptions,
} from '../../../shared/webtorrent/tracker-client.js';
import type { SignalingSocket, SignalingSocketFactory } from '../adapters/signaling-socket.js';
import type { Connections, TrackedLink } from './connections.js';

/** What the tab's WebTorrent tracker clients work with. */
export interface WebTorrentTrackersDeps {
  /** This tab's peer id (hex): its BitTorrent peer id, announced as `peer_id`. */
  peerId: string;
  random: Random;
  connections: Connections;
  /** JSON WebSocket connections (the signaling socket adapter carries any JSON protocol). */
  sockets: SignalingSocketFactory;
  /** Clock and timers (default: `Date.now` and `setTimeout`). */
  scheduler?: Scheduler;
  /** Overrides of the client machine's timing. */
  options?: Partial<WtTrackerClientOptions>;
  /** A tracker said something wrong or refused us (default: console.warn). */
  warn?: (url: string, message: string) => void;
}

/** One tracker URL: its machine, driver and current socket. */
interface TrackerClient {
  url: string;
  machine: WtTrackerClient;
  driver: MachineDriver<WtClientOutput>;
  socket: SignalingSocket | undefined;
}

/** True for the tracker URLs this client speaks to: WebSocket trackers. */
export function isWebSocketTracker(url: string): boolean {
  return /^wss?:\/\//i.test(url);
}

/**
 * The tab's side of WebTorrent's WebSocket trackers: one {@link WtTrackerClient} and one socket
 * per tracker URL, shared by every transfer announced there (as WebTorrent does). It carries out
 * the machines' outputs: opens sockets, makes offering links and answering links through
 * {@link Connections} (so the link budget and admission policy apply), and feeds answers to the
 * links that offered. Links made here are WebTorrent links: the wire channel alone, no DHT.
 */
export class WebTorrentTrackers {
  private readonly clients = new Map<string, TrackerClient>();
  /** Our offering links awaiting an answer, by offer id. */
  private readonly offering = new Map<string, TrackedLink>();
  private readonly scheduler: Scheduler;

  constructor(private readonly deps: WebTorrentTrackersDeps) {
    this.scheduler =
      deps.scheduler ??
      realScheduler(
        () => Date.now(),
        (fire, ms) => setTimeout(fire, ms),
        (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      );
  }

  /** Tracker URLs with a client. */
  get urls(): string[] {
    return [...this.clients.keys()];
  }

  /** Announces a swarm (hex info-hash) to every WebSocket tracker in `urls`, or updates its standing. */
  announce(infoHash: string, urls: readonly string[], state: WtSwarmState): void {
    for (const url of urls) {
      if (!isWebSocketTracker(url)) continue;
      const client = this.client(url);
      client.driver.input((now) => client.machine.add(infoHash, state, now));
    }
  }

  /** The swarm's standing changed (links opened or closed, it completed). */
  update(infoHash: string, state: WtSwarmState): void {
    for (const c of this.clients.values()) c.driver.input((now) => c.machine.update(infoHash, state, now));
  }

  /** Leaves a swarm on every tracker. */
  remove(infoHash: string): void {
    for (const c of this.clients.values()) c.driver.input((now) => c.machine.remove(infoHash, now));
  }

  stop(): void {
    for (const c of this.clients.values()) {
      c.driver.stop();
      c.socket?.close(1000, 'tab closing');
      c.socket = undefined;
    }
    this.clients.clear();
  }

  private client(url: string): TrackerClient {
    const existing = this.clients.get(url);
    if (existing !== undefined) return existing;
    const machine = new WtTrackerClient(this.deps.peerId, this.deps.random, this.deps.options);
    // The driver runs outputs only after an input, by then the client is in the map.
    const driver = new MachineDriver(machine, this.scheduler, {
      execute: (o) => {
        const client = this.clients.get(url);
        if (client !== undefined) this.execute(client, o);
      },
    });
    const client: TrackerClient = { url, machine, driver, socket: undefined };
    this.clients.set(url, client);
    return client;
  }

  private execute(client: TrackerClient, out: WtClientOutput): void {
    switch (out.type) {
      case 'connect':
        this.connect(client);
        break;
      case 'send':
        client.socket?.send(out.message);
        break;
      case 'make-offers':
        for (const offerId of out.offerIds) this.makeOffer(client, out.infoHash, offerId);
        break;
      case 'offer':
        this.answerOffer(client, out);
        break;
      case 'answer': {
        const link = this.offering.get(out.offerId);
        this.offering.delete(out.offerId);
        if (link) this.deps.connections.answeredWebTorrent(link, out.peerId, out.answer);
        break;
      }
      case 'offer-expired': {
        const link = this.offering.get(out.offerId);
        this.offering.delete(out.offerId);
        if (link && !link.open) link.link.close();
        break;
      }
      case 'warning':
        (this.deps.warn ?? ((url, m) => console.warn(`tabswarm: tracker ${url}: ${m}`)))(
          client.url,
          out.message,
        );
        break;
    }
  }

  private connect(client: TrackerClient): void {
    const socket = this.deps.sockets.connect(client.url);
    client.socket = socket;
    const { machine, driver } = client;
    socket.on('open', () => {
      if (client.socket === socket) driver.input((now) => machine.opened(now));
    });
    socket.on('message', (message) => {
      if (client.socket === socket) driver.input((now) => machine.receive(message, now));
    });
    socket.on('close', () => {
      if (client.socket !== socket) return;
      client.socket = undefined;
      driver.input((now) => machine.closed(now));
    });
  }

  /** Makes one offering link; its complete SDP goes to the machine, which announces it. */
  private makeOffer(client: TrackerClient, infoHash: string, offerId: string): void {
    const { machine, driver } = client;
    const tracked = this.deps.connections.offerWebTorrent(infoHash);
    if (tracked === undefined) {
      driver.input((now) => machine.offerFailed(offerId, now));
      return;
    }
    this.offering.set(offerId, tracked);
    tracked.link.on('signal', (signal) => {
      if (isSdpOffer(signal)) driver.input((now) => machine.offerReady(offerId, signal, now));
    });
    tracked.link.on('close', () => {
      if (this.offering.get(offerId) !== tracked) return;
      this.offering.delete(offerId);
      driver.input((now) => machine.offerFailed(offerId, now));
    });
  }

  /** Answers a member's offer with a WebTorrent link, if the tab takes it. */
  private answerOffer(client: TrackerClient, out: Extract<WtClientOutput, { type: 'offer' }>): void {
    const tracked = this.deps.connections.acceptWebTorrent(out.peerId, out.infoHash, out.offer);
    if (tracked === undefined) return;
    const { machine, driver } = client;
    tracked.link.on('signal', (signal) => {
      const s = signal as { type?: unknown; sdp?: unknown };
      if (s.type === 'answer' && typeof s.sdp === 'string') {
        const answer = { type: 'answer' as const, sdp: s.sdp };
        driver.input((now) => machine.answerReady(out.infoHash, out.peerId, out.offerId, answer, now));
      }
    });
  }
}
