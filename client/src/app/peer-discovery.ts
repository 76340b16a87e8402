import { ErrorCode, type TabswarmError } from '../../../shared/errors.js';
import type { Connections } from './connections.js';
import type { DhtHost } from './dht-host.js';
import type { Notices } from './notices.js';
import type { SignalingClient } from './signaling-client.js';
import type { TorrentHost } from './torrent-host.js';
import type { WtSwarmState } from '../../../shared/webtorrent/tracker-client.js';
import type { WebTorrentTrackers } from './webtorrent-trackers.js';

/** Transfers with fewer links than this look for peers again every {@link REANNOUNCE_MS}. */
export const WANT_PEERS = 8;
export const REANNOUNCE_MS = 20_000;
/**
 * A download that found nobody looks again sooner than the re-announce, doubling from this:
 * a link opened right after it was shared can race the sharer's own announce.
 */
export const FIRST_RETRY_MS = 1_000;
/** Swarm links per transfer at most (the rest of the budget stays for the DHT and other transfers). */
export const MAX_SWARM_LINKS = 30;

/** The transfers peers are looked for (the tab's `Transfers`). */
export interface SwarmList {
  all(): TorrentHost[];
  get(infoHash: string): TorrentHost | undefined;
}

/** What peer discovery works with. */
export interface PeerDiscoveryDeps {
  /** This tab's id (hex), never a peer of its own. */
  peerId: string;
  signaling: SignalingClient;
  dht: DhtHost;
  connections: Connections;
  transfers: SwarmList;
  notices: Notices;
  /** The WebSocket trackers of each transfer's magnet (WebTorrent's protocol). */
  webtorrent: WebTorrentTrackers;
  /** Ask trackers for swarm peers: the server's and the magnets' (the DHT is always used). */
  useTracker: boolean;
  changed: () => void;
}

/**
 * Where the tab's peers come from: registration with the signaling server (its bootstrap set
 * joins the DHT) and the server's notices, swarm peers from the DHT (get_peers, then announce),
 * the server's tracker and the WebSocket trackers in each transfer's magnet, the schedule of looking again (quick retries while a download is alone,
 * then a periodic re-announce), and connecting to the peers found.
 */
export class PeerDiscovery {
  /** Ask trackers for swarm peers: the server's and the magnets' (the DHT is always used). */
  useTracker: boolean;
  private reannounceTimer: ReturnType<typeof setInterval> | undefined;
  /** Downloads with no peer yet: the delay before their next quick look. */
  private readonly retryDelay = new Map<TorrentHost, number>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: PeerDiscoveryDeps) {
    this.useTracker = deps.useTracker;
    const { signaling, notices } = deps;
    signaling.on('state', (state, error) => {
      if (state === 'offline' && error) notices.add('error', this.serverMessage(error), error.code);
      if (state === 'online') notices.clear(ErrorCode.ServerUnreachable, ErrorCode.ServerGone);
      deps.changed();
    });
    signaling.on('registered', (peers, reply) => {
      deps.dht.bootstrap(peers, reply.retryAfterMs);
      // Transfers announce when the socket (re)connects; a bootstrap refresh is no reason to.
      if (reply.first) for (const t of deps.transfers.all()) void this.findPeers(t);
    });
    signaling.on('refused', (err) =>
      notices.add('error', `The server refused a request: ${err.message}`, err.code),
    );
  }

  /** Registers with the server (and keeps reconnecting) and starts the periodic re-announce. */
  start(): void {
    void this.deps.signaling.start();
    this.reannounceTimer = setInterval(() => {
      for (const t of this.deps.transfers.all()) {
        if (t.paused) continue;
        if (t.linkCount < WANT_PEERS) void this.findPeers(t);
        // The WebSocket trackers re-announce on their own interval, with offers if this wants peers.
        else if (this.useTracker) this.deps.webtorrent.update(t.infoHashHex, this.standing(t));
      }
    }, REANNOUNCE_MS);
  }

  stop(): void {
    if (this.reannounceTimer !== undefined) clearInterval(this.reannounceTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.deps.webtorrent.stop();
  }

  /**
   * Finds peers for a transfer through the DHT (get_peers, then announce) and, where enabled,
   * the server's tracker, and connects to those it is not linked with yet; announces it to the
   * WebSocket trackers of its magnet, whose members' offers and answers make links by themselves.
   */
  async findPeers(host: TorrentHost): Promise<void> {
    if (host.paused) return;
    const { dht, signaling } = this.deps;
    const sources: Promise<string[]>[] = [dht.announce(host.infoHashHex)];
    if (this.useTracker) {
      this.deps.webtorrent.announce(host.infoHashHex, host.trackers, this.standing(host));
      sources.push(
        signaling.announce(host.infoHashHex, host.hasEveryPiece ? 'completed' : 'started').catch(() => []),
      );
    }
    for (const source of sources) void source.then((peers) => this.connectPeers(host, peers));
    await Promise.all(sources);
    this.retryIfAlone(host);
  }

  /**
   * Stops looking for peers of a transfer that was paused or removed: the DHT stops re-announcing
   * it, the server's tracker and the WebSocket trackers hear that this tab left its swarm.
   */
  forget(host: TorrentHost): void {
    this.retryDelay.delete(host);
    this.deps.dht.unannounce(host.infoHashHex);
    this.deps.webtorrent.remove(host.infoHashHex);
    if (this.useTracker) void this.deps.signaling.announce(host.infoHashHex, 'stopped').catch(() => {});
  }

  /** Tells the server's tracker (where enabled) that this tab now has the whole file. */
  completed(host: TorrentHost): void {
    // The chosen files alone are done: not a seed, nothing to tell.
    if (!this.useTracker || (host.complete && !host.hasEveryPiece)) return;
    void this.deps.signaling.announce(host.infoHashHex, 'completed').catch(() => {});
    this.deps.webtorrent.update(host.infoHashHex, this.standing(host));
  }

  /** What a WebSocket tracker client needs to know of a transfer: done, and how many more peers it takes. */
  private standing(host: TorrentHost): WtSwarmState {
    const want = this.deps.connections.hasRoom ? Math.max(0, WANT_PEERS - host.linkCount) : 0;
    return { complete: host.hasEveryPiece, want };
  }

  private retryIfAlone(host: TorrentHost): void {
    const { transfers } = this.deps;
    if (host.linkCount > 0 || host.complete || transfers.get(host.infoHashHex) !== host) {
      this.retryDelay.delete(host);
      return;
    }
    const delay = this.retryDelay.get(host) ?? FIRST_RETRY_MS;
    if (delay >= REANNOUNCE_MS) return; // the re-announce timer takes over
    this.retryDelay.set(host, delay * 2);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (transfers.get(host.infoHashHex) === host && host.linkCount === 0) void this.findPeers(host);
    }, delay);
    this.retryTimers.add(timer);
  }

  private connectPeers(host: TorrentHost, peers: string[]): void {
    const { connections } = this.deps;
    for (const remote of peers) {
      if (remote === this.deps.peerId || host.isBanned(remote) || connections.find(remote, host.infoHashHex))
        continue;
      if (!connections.hasRoom || host.linkCount >= MAX_SWARM_LINKS) break;
      connections.connect(remote, { infoHash: host.infoHashHex });
    }
  }

  private serverMessage(err: TabswarmError): string {
    if (err.code === ErrorCode.PeerIdSuperseded)
      return 'Another tab registered this tab’s identity with the server, so this tab stopped using the server. Transfers already connected continue; reload this tab to reconnect.';
    return err.code === ErrorCode.ServerGone
      ? 'The signaling server went away. Transfers already connected continue; reconnecting…'
      : `Cannot reach the signaling server (${this.deps.signaling.url}). Retrying…`;
  }
}
