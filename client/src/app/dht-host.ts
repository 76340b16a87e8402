import { fromUtf8, utf8 } from '../../../shared/bytes.js';
import type { DhtAction, DhtEvent, DhtOptions, DhtSnapshot } from '../../../shared/dht/index.js';
import { DhtNode } from '../../../shared/dht/index.js';
import { SignalRouter, type SignalRoute } from '../../../shared/dht/signal-router.js';
import { MachineDriver, realScheduler, type Scheduler } from '../../../shared/machine/index.js';
import type { Random } from '../../../shared/random.js';
import { BootstrapBackoff, type BootstrapAsk } from '../../../shared/signaling/bootstrap-backoff.js';
import type { Connections, LinkSignal, TrackedLink } from './connections.js';
import { LinkSender } from './link-sender.js';

type LookupDone = Extract<DhtEvent, { type: 'lookup-done' }>;
type SearchRecords = Extract<DhtEvent, { type: 'search-records' }>['records'];

/**
 * The I/O side of the tab's Kademlia node: feeds it the `dht` channel of every open link,
 * opens and closes links it asks for, and carries WebRTC signals through the overlay or the
 * server as the shared {@link SignalRouter} decides.
 */
export class DhtHost {
  readonly node: DhtNode;
  private readonly driver: MachineDriver<DhtAction>;
  private readonly router = new SignalRouter<LinkSignal>({ hasRoute: (to) => this.node.hasRouteTo(to) });
  private readonly signals: MachineDriver<SignalRoute<LinkSignal>>;
  /** Paces the DHT's asks for bootstrap peers: a lone tab would ask once per server round trip. */
  private readonly backoff: BootstrapBackoff;
  private readonly asks: MachineDriver<BootstrapAsk>;
  private readonly senders = new Map<string, LinkSender>();
  private readonly waiting = new Map<number, (done: LookupDone) => void>();
  /** Searches under way: who sees their records as they arrive. */
  private readonly searching = new Map<number, (records: SearchRecords) => void>();
  /** Lookup latencies (ms) and RPC counts of finished lookups, newest last (bounded). */
  readonly lookupStats: { kind: string; durationMs: number; rpcs: number }[] = [];

  constructor(
    id: Uint8Array,
    random: Random,
    private readonly connections: Connections,
    private readonly now: () => number,
    /** Delivers a WebRTC signal that came through the overlay. */
    private readonly onSignal: (from: string, envelope: unknown) => void,
    /**
     * The DHT has no contacts left and asks for bootstrap peers (from the server, if it is there);
     * paced by a {@link BootstrapBackoff}, and answered through {@link DhtHost.bootstrap}.
     */
    private readonly onNeedContacts: () => void,
    /** Sends a signal through the server (the router chose it, or the overlay failed it). */
    private readonly sendViaServer: (to: string, envelope: LinkSignal) => void,
    private readonly changed: () => void,
    options: Partial<DhtOptions> = {},
  ) {
    this.node = new DhtNode({ ...options, id, random });
    const timers = realScheduler(
      now,
      (fn, ms) => setTimeout(fn, ms),
      (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    );
    // Every batch of work, from an input or a timer, ends with one change notification.
    const scheduler: Scheduler = {
      now,
      schedule: (at, fire) =>
        timers.schedule(at, () => {
          fire();
          this.changed();
        }),
    };
    this.driver = new MachineDriver(this.node, scheduler, { execute: (a) => this.apply(a) });
    this.signals = new MachineDriver(this.router, scheduler, { execute: (r) => this.route(r) });
    this.backoff = new BootstrapBackoff(random);
    this.asks = new MachineDriver(this.backoff, scheduler, { execute: () => this.onNeedContacts() });
    connections.on('open', (link) => this.onOpen(link));
    connections.on('close', (link) => this.onClose(link));
    // The DHT keeps direct links over relayed ones when it must give some up.
    connections.on('route', (link) => this.node.setRelayed(link.remoteId, link.route?.path === 'relay'));
  }

  /**
   * The server's bootstrap set (possibly empty). `retryAfterMs`, when the server sent it, defers
   * the next ask; an empty set never makes the tab ask again by itself.
   */
  bootstrap(peers: string[], retryAfterMs?: number): void {
    this.asks.input((now) => this.backoff.answered(now, retryAfterMs));
    this.input((now) => this.node.bootstrap(peers, now));
  }

  /** Whether an incoming link for the DHT alone should be accepted. */
  admit(from: string): boolean {
    return this.input((now) => this.node.admit(from, now)) ?? false;
  }

  /**
   * Signals a new link to `to`: through the overlay when it has a path, else through the server
   * while it is online, else after looking `to` up (see SignalRouter).
   */
  signal(to: string, envelope: LinkSignal, serverOnline: boolean): void {
    this.signals.input((now) => this.router.send(to, envelope, serverOnline, now));
  }

  /** Peers of a swarm, found through the DHT. */
  getPeers(infoHash: string): Promise<string[]> {
    return this.query((now) => this.node.getPeers(infoHash, now)).then((d) => d.peers ?? []);
  }

  /** Announces that this tab has (part of) a swarm; re-announced until `unannounce`. */
  announce(infoHash: string): Promise<string[]> {
    return this.query((now) => this.node.announce(infoHash, now)).then((d) => d.peers ?? []);
  }

  unannounce(infoHash: string): void {
    this.node.unannounce(infoHash);
  }

  /** Stores an immutable value (<= 1000 bytes bencoded); resolves its key. */
  async put(value: Uint8Array): Promise<string> {
    let key = '';
    await this.query((now) => {
      const q = this.node.put(value, now);
      key = q.key;
      return q.queryId;
    });
    return key;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.query((now) => this.node.get(key, now))).value;
  }

  /** Lists a signed keyword record (shared/search) under its keywords; republished until `unpublish`. */
  publish(record: Uint8Array): Promise<LookupDone[]> {
    const waits: Promise<LookupDone>[] = [];
    let failed: unknown;
    this.input((now) => {
      try {
        // Registered inside the input: a store with nobody to ask finishes before it returns.
        for (const id of this.node.publish(record, now)) waits.push(this.wait(id));
      } catch (err) {
        failed = err;
      }
    });
    if (failed !== undefined) return Promise.reject(failed as Error);
    return Promise.all(waits);
  }

  unpublish(infoHash: string): void {
    this.node.unpublish(infoHash);
  }

  /** Searches `word`'s records also under every filter; `onRecords` sees them as they arrive. */
  search(
    word: string,
    filters: readonly string[],
    onRecords: (records: SearchRecords) => void,
  ): Promise<LookupDone> {
    let id = -1;
    const done = this.query((now) => {
      id = this.node.search(word, filters, now);
      this.searching.set(id, onRecords);
      return id;
    });
    return done.finally(() => this.searching.delete(id));
  }

  findNode(target: string): Promise<LookupDone> {
    return this.query((now) => this.node.findNode(target, now));
  }

  snapshot(): DhtSnapshot {
    return this.node.snapshot(this.now());
  }

  stop(): void {
    this.driver.stop();
    this.signals.stop();
    this.asks.stop();
  }

  /** Feeds the node one input and carries out what it queued. */
  private input<R>(fn: (now: number) => R): R | undefined {
    const result = this.driver.input(fn);
    this.changed();
    return result;
  }

  /** Starts an operation; its lookup-done resolves the promise (registered before any output runs). */
  private query(start: (now: number) => number): Promise<LookupDone> {
    let resolve!: (done: LookupDone) => void;
    const done = new Promise<LookupDone>((r) => (resolve = r));
    let failed: unknown;
    this.input((now) => {
      try {
        this.waiting.set(start(now), resolve);
      } catch (err) {
        failed = err;
      }
    });
    if (failed !== undefined) return Promise.reject(failed as Error);
    return done;
  }

  private wait(queryId: number): Promise<LookupDone> {
    return new Promise((resolve) => this.waiting.set(queryId, resolve));
  }

  /** Links to `remote` that carry a DHT channel (a WebTorrent peer's never do). */
  private dhtLinks(remote: string): TrackedLink[] {
    return this.connections.to(remote).filter((l) => !l.purpose.webtorrent);
  }

  private onOpen(link: TrackedLink): void {
    if (link.purpose.webtorrent) return;
    const remote = link.remoteId;
    link.link.on('data', (channel, data) => {
      if (channel === 'dht') this.input((now) => this.node.receive(remote, data, now));
    });
    this.router.forget(remote);
    this.asks.input((now) => this.backoff.linkOpened(now));
    if (this.dhtLinks(remote).filter((l) => l.open).length === 1) {
      this.senders.set(remote, new LinkSender(link.link, 'dht'));
      this.input((now) => this.node.connected(remote, now));
    }
    this.updatePin(remote);
  }

  /** A link a swarm uses is the host's: the DHT may use it but never closes it. */
  private updatePin(remote: string): void {
    const swarmLink = this.dhtLinks(remote).some((l) => l.open && l.purpose.infoHash !== undefined);
    this.node.setPinned(remote, swarmLink);
  }

  private onClose(link: TrackedLink): void {
    if (link.purpose.webtorrent) return;
    const remote = link.remoteId;
    const other = this.dhtLinks(remote).find((l) => l.open && l !== link);
    if (other) {
      this.senders.set(remote, new LinkSender(other.link, 'dht'));
      this.updatePin(remote);
      return;
    }
    this.senders.delete(remote);
    this.input((now) => this.node.disconnected(remote, now));
  }

  private apply(action: DhtAction): void {
    switch (action.type) {
      case 'send':
        this.senders.get(action.to)?.write(action.data);
        break;
      case 'connect':
        if (this.dhtLinks(action.to).length === 0 && !this.connections.connect(action.to, {})) {
          this.driver.input((now) => this.node.disconnected(action.to, now));
        }
        break;
      case 'disconnect':
        // Only links that exist for the DHT alone; a swarm's link stays.
        for (const l of this.dhtLinks(action.to)) if (!l.purpose.infoHash) l.link.close();
        break;
      case 'signal':
        this.deliverSignal(action.from, action.payload);
        break;
      case 'event':
        this.onEvent(action.event);
        break;
    }
  }

  /** Carries out the signal router's decision. */
  private route(r: SignalRoute<LinkSignal>): void {
    switch (r.type) {
      case 'overlay':
        this.driver.input((now) => this.node.sendSignal(r.to, utf8(JSON.stringify(r.payload)), now));
        break;
      case 'server':
        this.sendViaServer(r.to, r.payload);
        break;
      case 'lookup':
        void this.findNode(r.to).then(() => this.signals.input((now) => this.router.lookupDone(r.to, now)));
        break;
    }
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
    } else if (event.type === 'search-records') {
      this.searching.get(event.queryId)?.(event.records);
    } else if (event.type === 'need-contacts') {
      this.asks.input((now) => this.backoff.want(now));
    } else if (event.type === 'signal-failed') {
      this.signals.input(() => this.router.signalFailed(event.to));
    }
  }
}
