import { fromUtf8, utf8 } from '../../../shared/bytes.js';
import type { DhtAction, DhtEvent, DhtOptions, DhtSnapshot } from '../../../shared/dht/index.js';
import { DhtNode } from '../../../shared/dht/index.js';
import type { Random } from '../../../shared/random.js';
import type { Connections, LinkSignal, TrackedLink } from './connections.js';
import { LinkSender } from './link-sender.js';
import { TimerDriver } from './timer-driver.js';

type LookupDone = Extract<DhtEvent, { type: 'lookup-done' }>;

/** How long signals sent through the overlay are kept for a resend through the server. */
const SIGNAL_MEMORY_MS = 15_000;

/**
 * The I/O side of the tab's Kademlia node: feeds it the `dht` channel of every open link,
 * opens and closes links it asks for, and carries WebRTC signals through the overlay.
 */
export class DhtHost {
  readonly node: DhtNode;
  private readonly driver: TimerDriver<DhtAction>;
  private readonly senders = new Map<string, LinkSender>();
  private readonly waiting = new Map<number, (done: LookupDone) => void>();
  /** Signals waiting for a lookup of their destination, which teaches us a route to it. */
  private readonly findingRoute = new Map<string, { envelope: LinkSignal; fallback: () => void }[]>();
  /** Signals sent through the overlay lately, per destination, to resend via the server on failure. */
  private readonly inFlightSignals = new Map<string, { at: number; envelopes: LinkSignal[] }>();
  /** Lookup latencies (ms) and RPC counts of finished lookups, newest last (bounded). */
  readonly lookupStats: { kind: string; durationMs: number; rpcs: number }[] = [];

  constructor(
    id: Uint8Array,
    random: Random,
    private readonly connections: Connections,
    private readonly now: () => number,
    /** Delivers a WebRTC signal that came through the overlay. */
    private readonly onSignal: (from: string, envelope: unknown) => void,
    /** The DHT has no contacts left and asks for bootstrap peers (from the server, if it is there). */
    private readonly onNeedContacts: () => void,
    /** The overlay could not carry these signals: the tab sends them through the server instead. */
    private readonly onSignalFailed: (to: string, envelopes: LinkSignal[]) => void,
    private readonly changed: () => void,
    options: Partial<DhtOptions> = {},
  ) {
    this.node = new DhtNode({ ...options, id, random });
    this.driver = new TimerDriver(this.node, (a) => this.apply(a), now);
    connections.on('open', (link) => this.onOpen(link));
    connections.on('close', (link) => this.onClose(link));
  }

  bootstrap(peers: string[]): void {
    this.run(this.node.bootstrap(peers, this.now()));
  }

  /** Whether an incoming link for the DHT alone should be accepted. */
  admit(from: string): boolean {
    const ok = this.node.admit(from, this.now());
    // Admitting at the cap may displace a link; that disconnect comes with the next timeout.
    this.driver.reschedule();
    return ok;
  }

  /** Sends a link's signal through the overlay if there is a path; false if there is none. */
  sendSignal(to: string, envelope: LinkSignal): boolean {
    if (!this.node.hasRouteTo(to)) return false;
    const now = this.now();
    const recent = this.inFlightSignals.get(to);
    if (recent && now - recent.at < SIGNAL_MEMORY_MS) recent.envelopes.push(envelope);
    else this.inFlightSignals.set(to, { at: now, envelopes: [envelope] });
    this.run(this.node.sendSignal(to, utf8(JSON.stringify(envelope)), this.now()));
    return true;
  }

  /**
   * Sends a link's signal through the overlay, first looking the destination up when there is no
   * path yet (a swarm peer found by get_peers is a value, not a contact with a route). Calls
   * `fallback` when the overlay cannot carry it.
   */
  routeSignal(to: string, envelope: LinkSignal, fallback: () => void): void {
    if (this.sendSignal(to, envelope)) return;
    const waiting = this.findingRoute.get(to);
    if (waiting) {
      waiting.push({ envelope, fallback });
      return;
    }
    this.findingRoute.set(to, [{ envelope, fallback }]);
    void this.findNode(to).then(() => {
      const queued = this.findingRoute.get(to) ?? [];
      this.findingRoute.delete(to);
      for (const q of queued) if (!this.sendSignal(to, q.envelope)) q.fallback();
    });
  }

  /** Peers of a swarm, found through the DHT. */
  getPeers(infoHash: string): Promise<string[]> {
    return this.query(this.node.getPeers(infoHash, this.now())).then((d) => d.peers ?? []);
  }

  /** Announces that this tab has (part of) a swarm; re-announced until `unannounce`. */
  announce(infoHash: string): Promise<string[]> {
    return this.query(this.node.announce(infoHash, this.now())).then((d) => d.peers ?? []);
  }

  unannounce(infoHash: string): void {
    this.node.unannounce(infoHash);
  }

  /** Stores an immutable value (<= 1000 bytes bencoded); resolves its key. */
  async put(value: Uint8Array): Promise<string> {
    const q = this.node.put(value, this.now());
    await this.query(q);
    return q.key;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.query(this.node.get(key, this.now()))).value;
  }

  findNode(target: string): Promise<LookupDone> {
    return this.query(this.node.findNode(target, this.now()));
  }

  snapshot(): DhtSnapshot {
    return this.node.snapshot(this.now());
  }

  stop(): void {
    this.driver.stop();
  }

  private query(q: { queryId: number; actions: DhtAction[] }): Promise<LookupDone> {
    const done = new Promise<LookupDone>((resolve) => this.waiting.set(q.queryId, resolve));
    this.run(q.actions);
    return done;
  }

  private onOpen(link: TrackedLink): void {
    const remote = link.remoteId;
    link.link.on('data', (channel, data) => {
      if (channel === 'dht') this.run(this.node.receive(remote, data, this.now()));
    });
    this.inFlightSignals.delete(remote);
    if (this.connections.to(remote).filter((l) => l.open).length === 1) {
      this.senders.set(remote, new LinkSender(link.link, 'dht'));
      this.run(this.node.connected(remote, this.now()));
    }
    this.updatePin(remote);
  }

  /** A link a swarm uses is the host's: the DHT may use it but never closes it. */
  private updatePin(remote: string): void {
    const swarmLink = this.connections.to(remote).some((l) => l.open && l.purpose.infoHash !== undefined);
    this.node.setPinned(remote, swarmLink);
  }

  private onClose(link: TrackedLink): void {
    const remote = link.remoteId;
    const other = this.connections.to(remote).find((l) => l.open && l !== link);
    if (other) {
      this.senders.set(remote, new LinkSender(other.link, 'dht'));
      this.updatePin(remote);
      return;
    }
    this.senders.delete(remote);
    this.run(this.node.disconnected(remote, this.now()));
  }

  private run(actions: DhtAction[]): void {
    this.apply(actions);
    this.driver.reschedule();
  }

  private apply(actions: DhtAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          this.senders.get(action.to)?.write(action.data);
          break;
        case 'connect':
          if (this.connections.to(action.to).length === 0 && !this.connections.connect(action.to, {})) {
            this.run(this.node.disconnected(action.to, this.now()));
          }
          break;
        case 'disconnect':
          // Only links that exist for the DHT alone; a swarm's link stays.
          for (const l of this.connections.to(action.to)) if (!l.purpose.infoHash) l.link.close();
          break;
        case 'signal':
          this.deliverSignal(action.from, action.payload);
          break;
        case 'event':
          this.onEvent(action.event);
          break;
      }
    }
    this.changed();
  }

  private deliverSignal(from: string, payload: Uint8Array): void {
    let envelope: unknown;
    try {
      envelope = JSON.parse(fromUtf8(payload));
    } catch {
      return; // a peer's garbage: dropped
    }
    this.onSignal(from, envelope);
  }

  private onEvent(event: DhtEvent): void {
    if (event.type === 'lookup-done') {
      this.lookupStats.push({ kind: event.kind, durationMs: event.durationMs, rpcs: event.rpcs });
      if (this.lookupStats.length > 1000) this.lookupStats.shift();
      const resolve = this.waiting.get(event.queryId);
      this.waiting.delete(event.queryId);
      resolve?.(event);
    } else if (event.type === 'need-contacts') {
      this.onNeedContacts();
    } else if (event.type === 'signal-failed') {
      const recent = this.inFlightSignals.get(event.to);
      this.inFlightSignals.delete(event.to);
      if (recent) this.onSignalFailed(event.to, recent.envelopes);
    }
  }
}
