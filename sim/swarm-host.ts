import { bytesEqual } from '../shared/bytes.js';
import { pieceHash, type InfoDictionary } from '../shared/info-dictionary.js';
import { MachineDriver } from '../shared/machine/driver.js';
import type { Random } from '../shared/random.js';
import { sha1 } from '../shared/sha1.js';
import { Swarm, type SwarmEvent, type SwarmOptions, type SwarmOutput } from '../shared/swarm/swarm.js';
import type { VirtualClock } from './clock.js';
import type { Network, NodeOptions } from './network.js';
import { WireFilter, type FrameRewrite } from './wire-filter.js';

/** How long the host takes to hash a piece (WebCrypto SHA-1, ~300 MB/s) and to read one back. */
const HASH_BYTES_PER_MS = 300_000;
const READ_MS = 2;

/** What every swarm host shares. */
export interface SwarmHostEnv {
  readonly clock: VirtualClock;
  readonly network: Network;
  readonly random: Random;
  onEvent(host: SwarmHost, event: SwarmEvent): void;
  onProblem(host: SwarmHost, problem: string): void;
}

export interface SwarmHostOptions {
  id: string;
  /** Swarm options minus what the host fills in (random, peerId). */
  swarm: Omit<SwarmOptions, 'random' | 'peerId'>;
  /** Piece bytes the host starts with (a seed has them all). */
  storage?: Map<number, Uint8Array>;
  /** Rewrites this host's outgoing wire messages (free rider, corrupt peer). */
  misbehave?: FrameRewrite;
  link: NodeOptions;
}

/**
 * One simulated tab in a swarm: it hands the Swarm's byte stream to the network, hashes pieces
 * for `verify`, keeps verified pieces in a Map for `read`, reports `drained` when a link's send
 * buffer empties, and runs the Swarm with the one MachineDriver on the virtual clock.
 */
export class SwarmHost {
  readonly id: string;
  readonly swarm: Swarm;
  readonly storage: Map<number, Uint8Array>;
  info: InfoDictionary | undefined;
  alive = true;
  completeAt: number | undefined;
  /** When the info dictionary arrived over ut_metadata (a magnet start). */
  metadataAt: number | undefined;
  /** Peers this swarm banned; the host never reconnects them. */
  readonly banned = new Set<string>();
  private readonly driver: MachineDriver<SwarmOutput>;
  private readonly filters = new Map<string, WireFilter>();
  private readonly misbehave: FrameRewrite | undefined;

  constructor(
    private readonly env: SwarmHostEnv,
    options: SwarmHostOptions,
  ) {
    this.id = options.id;
    this.storage = options.storage ?? new Map();
    this.info = options.swarm.info;
    this.misbehave = options.misbehave;
    this.swarm = new Swarm({ ...options.swarm, random: env.random, peerId: env.random.bytes(20) });
    this.driver = new MachineDriver(this.swarm, env.clock.scheduler(), {
      execute: (output) => this.execute(output),
      onError: (err) =>
        env.onProblem(
          this,
          `Swarm threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        ),
    });
    env.network.addNode(
      this.id,
      {
        connected: (peer) => this.input((now) => this.swarm.addPeer(peer, now)),
        disconnected: (peer) => this.dropPeer(peer),
        receive: (peer, data) => this.input((now) => this.swarm.receive(peer, data, now)),
        drained: (peer) => this.input((now) => this.swarm.drained(peer, now)),
      },
      options.link,
    );
    this.driver.flush();
  }

  private get now(): number {
    return this.env.clock.now;
  }

  /** The tab closes. */
  leave(): void {
    if (!this.alive) return;
    this.alive = false;
    this.driver.stop();
    this.env.network.removeNode(this.id);
  }

  private dropPeer(peer: string): void {
    this.filters.delete(peer);
    this.input((now) => this.swarm.removePeer(peer, now));
  }

  /** Feeds the swarm one input and carries out what it asks for. */
  input(call: (now: number) => void): void {
    if (this.alive) this.driver.input(call);
  }

  private execute(action: SwarmOutput): void {
    switch (action.type) {
      case 'send':
        this.send(action.peer, action.data);
        break;
      case 'close':
        this.filters.delete(action.peer);
        this.env.network.disconnect(this.id, action.peer);
        // The swarm has forgotten the peer already; nothing comes back for it.
        break;
      case 'verify': {
        // Answer later, as WebCrypto does: a nested call here would reorder the stream.
        const { index, data } = action;
        this.env.clock.after(data.length / HASH_BYTES_PER_MS, () => this.verify(index, data));
        break;
      }
      case 'read': {
        const index = action.index;
        this.env.clock.after(READ_MS, () =>
          this.input((now) => this.swarm.pieceData(index, this.storage.get(index), now)),
        );
        break;
      }
      case 'metadata':
        this.info = action.info;
        this.metadataAt = this.now;
        break;
      case 'event':
        if (action.event.type === 'complete' && this.completeAt === undefined) this.completeAt = this.now;
        if (action.event.type === 'peer-banned') this.banned.add(action.event.peer);
        this.env.onEvent(this, action.event);
        break;
    }
  }

  private send(peer: string, data: Uint8Array): void {
    let out: Uint8Array | undefined = data;
    if (this.misbehave !== undefined) {
      let filter = this.filters.get(peer);
      if (filter === undefined) this.filters.set(peer, (filter = new WireFilter(this.misbehave)));
      out = filter.push(data);
    }
    if (out !== undefined && !this.env.network.send(this.id, peer, out, 'wire')) {
      this.env.onProblem(this, `send to ${peer} without a live link`);
    }
  }

  private verify(index: number, data: Uint8Array): void {
    if (!this.alive) return;
    const info = this.info;
    const ok =
      info !== undefined && index < info.pieceCount && bytesEqual(sha1(data), pieceHash(info, index));
    if (ok) this.storage.set(index, data);
    this.input((now) => this.swarm.pieceVerified(index, ok, now));
  }
}
