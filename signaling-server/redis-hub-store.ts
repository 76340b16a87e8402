import { randomBytes } from 'node:crypto';
import { Redis, type Result } from 'ioredis';
import type { Random } from '../shared/random.js';
import type { AnnounceEvent } from '../shared/signaling/messages.js';
import {
  DEFAULT_LEASE_MS,
  LEASE_REFRESHES,
  type HubStore,
  type HubStoreEvents,
  type HubStoreHealth,
  type HubStoreLimits,
} from './hub-store.js';
import type { Logger } from './logger.js';
import { MemoryBackplane, MemoryHubStore } from './memory-hub-store.js';
import * as scripts from './redis-scripts.js';
import { DEFAULT_REDIS_PREFIX, redactUrl } from './redis-url.js';
import type { AnnounceResult } from './tracker.js';

/** A command unanswered this long counts as Redis being away (the answer comes from local state). */
const COMMAND_TIMEOUT_MS = 2_000;
/** Reconnect waits: doubling from 100 ms, at most this. */
const MAX_RECONNECT_WAIT_MS = 2_000;
/** Peer ids are 40 hex characters: a published frame is a kind letter, the id, then the frame. */
const ID_LENGTH = 40;

/** Options of the Redis hub store. */
export interface RedisHubStoreOptions extends HubStoreLimits {
  /** `redis://host:port/db`, `rediss://` for TLS, or `redis+unix:` is not supported: use a URL. */
  url: string;
  /** Key and channel prefix (default DEFAULT_REDIS_PREFIX). */
  prefix?: string;
  /** This process's lease (default DEFAULT_LEASE_MS). */
  leaseMs?: number;
  random: Random;
  log: Logger;
}

type Reply = (string | number | null)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    tsRegister(...args: string[]): Result<string[] | null, Context>;
    tsUnregister(...args: string[]): Result<number, Context>;
    tsSample(...args: string[]): Result<string[], Context>;
    tsAnnounce(...args: string[]): Result<Reply, Context>;
    tsRelay(...args: string[]): Result<number, Context>;
    tsRenewLease(...args: string[]): Result<number[], Context>;
    tsRelease(...args: string[]): Result<number, Context>;
  }
}

/**
 * The hub store on Redis, for many server processes: registrations, bootstrap sets and tracker
 * swarms are Lua scripts on shared keys (redis-scripts.ts), each process reads frames for its
 * sockets from a channel of its own, and holds a lease it renews LEASE_REFRESHES times per
 * lease; every renewal also sweeps the processes whose lease lapsed.
 *
 * Everything this process registers and announces is also kept in a local in-memory store. When
 * Redis is away, answers come from it (this process's own tabs keep finding each other and
 * signalling); when Redis is back, this process's entries are written again from it (a resync).
 */
export class RedisHubStore implements HubStore {
  readonly kind = 'redis';
  readonly processId = randomBytes(8).toString('hex');
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly leaseMs: number;
  /** This process's own registrations and announcements: the answer while Redis is away. */
  private readonly local: MemoryHubStore;
  private readonly localPlane: MemoryBackplane;
  private events: HubStoreEvents | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private up = false;
  private closed = false;
  /** Set when Redis went away or the lease was lost: the next renewal writes everything again. */
  private mustResync = false;
  private resyncing: Promise<void> | undefined;
  private readonly counters = { resyncs: 0, errors: 0, relaysOut: 0, relaysIn: 0 };
  private cluster = { peers: 0, swarms: 0 };

  constructor(private readonly options: RedisHubStoreOptions) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.localPlane = new MemoryBackplane(options, options.random);
    this.local = new MemoryHubStore(this.localPlane, { leaseMs: this.leaseMs });
    const common = {
      lazyConnect: true,
      // Fail at once while Redis is away: the answer then comes from local state.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), MAX_RECONNECT_WAIT_MS),
    };
    this.redis = new Redis(options.url, {
      ...common,
      // Commands issued in one tick go out as one pipeline: the relay path's throughput.
      enableAutoPipelining: true,
      scripts: {
        tsRegister: { numberOfKeys: 0, lua: scripts.REGISTER },
        tsUnregister: { numberOfKeys: 0, lua: scripts.UNREGISTER },
        tsSample: { numberOfKeys: 0, lua: scripts.SAMPLE_PEERS },
        tsAnnounce: { numberOfKeys: 0, lua: scripts.ANNOUNCE },
        tsRelay: { numberOfKeys: 0, lua: scripts.RELAY },
        tsRenewLease: { numberOfKeys: 0, lua: scripts.RENEW_LEASE },
        tsRelease: { numberOfKeys: 0, lua: scripts.RELEASE },
      },
    });
    // The subscriber may queue its SUBSCRIBE until connected; ioredis re-subscribes on reconnect.
    this.sub = new Redis(options.url, {
      ...common,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    this.redis.on('ready', () => this.onReady());
    this.redis.on('close', () => this.onDown());
    this.redis.on('error', (err: Error) => this.options.log.debug('redis error', { error: err.message }));
    this.sub.on('error', (err: Error) => this.options.log.debug('redis error', { error: err.message }));
    this.sub.on('message', (_channel: string, message: string) => this.onMessage(message));
  }

  async start(events: HubStoreEvents): Promise<void> {
    this.events = events;
    await this.local.start({ deliver: () => {}, supersede: () => {} });
    try {
      await Promise.all([this.redis.connect(), this.sub.connect()]);
    } catch (err) {
      // ioredis keeps trying; until it gets through this process serves its own sockets.
      this.mustResync = true;
      this.options.log.warn(
        'redis is unreachable at start; serving this process’s own sockets alone until it is',
        {
          url: redactUrl(this.options.url),
          error: err instanceof Error ? err.message : String(err),
        },
      );
    }
    // Queued until connected, and renewed by ioredis after every reconnect.
    const subscribed = this.sub.subscribe(this.channel(this.processId));
    if (this.sub.status === 'ready') await subscribed;
    else subscribed.catch(() => {});
    await this.renew();
    this.timer = setInterval(() => void this.renew(), this.leaseMs / LEASE_REFRESHES);
    this.timer.unref();
  }

  private channel(pid: string): string {
    return `${this.prefix}to:${pid}`;
  }

  private onReady(): void {
    if (this.up || this.closed) return;
    this.up = true;
    if (this.mustResync) {
      this.options.log.info('redis is back; writing this process’s registrations and swarms again');
      void this.renew();
    }
  }

  private onDown(): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.mustResync = true;
    this.options.log.warn('redis is unreachable; serving this process’s own sockets alone until it is back', {
      url: redactUrl(this.options.url),
    });
  }

  private onMessage(message: string): void {
    const events = this.events;
    if (events === undefined || message.length < 1 + ID_LENGTH) return;
    const peerId = message.slice(1, 1 + ID_LENGTH);
    if (message[0] === 's') {
      this.counters.relaysIn++;
      events.deliver(peerId, message.slice(1 + ID_LENGTH));
    } else if (message[0] === 'x') {
      this.local.unregister(peerId);
      events.supersede(peerId);
    }
  }

  /** Renews the lease (sweeping dead processes); resyncs when Redis came back or the lease was lost. */
  private async renew(): Promise<void> {
    if (this.closed || !this.up) return;
    try {
      const [had, peers, swarms] = await this.redis.tsRenewLease(
        this.prefix,
        this.processId,
        String(this.leaseMs),
      );
      this.cluster = { peers: Number(peers), swarms: Number(swarms) };
      if (Number(had) === 0 && this.localPlane.peers.size > 0) {
        this.options.log.warn('this process’s lease lapsed (cut off from redis too long); resyncing');
        this.mustResync = true;
      }
      if (this.mustResync) await this.resync();
    } catch (err) {
      this.failed(err);
    }
  }

  /** Writes this process's registrations and announcements to Redis again, from local state. */
  private resync(): Promise<void> {
    this.resyncing ??= (async () => {
      try {
        this.mustResync = false;
        // Entries of tabs that left while Redis was away would otherwise linger: start clean.
        await this.redis.tsRelease(this.prefix, this.processId, 'resync');
        const plane = this.localPlane;
        for (const peerId of [...plane.peers.values()]) {
          const kept = await this.redis.tsRegister(this.prefix, peerId, this.processId, '0', 'resync');
          if (kept === null) {
            // A live process took the id while we were cut off: its socket is the newer one.
            this.local.unregister(peerId);
            this.events?.supersede(peerId);
            continue;
          }
          const owner = plane.tracker.ownerOf(peerId) ?? peerId;
          for (const ih of plane.tracker.swarmsOf(peerId)) {
            const event = plane.tracker.isSeeder(ih, peerId) ? 'completed' : 'started';
            await this.redis.tsAnnounce(...this.announceArgs(peerId, ih, event, 0, owner));
          }
        }
        this.counters.resyncs++;
        this.options.log.info('resynced with redis', { peers: plane.peers.size });
      } catch (err) {
        this.mustResync = true;
        this.failed(err);
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }

  private failed(err: unknown): void {
    this.counters.errors++;
    this.mustResync = true;
    this.options.log.debug('redis command failed', {
      error: err instanceof Error ? err.message : String(err),
    });
  }

  async register(peerId: string, numWant: number): Promise<string[]> {
    const fallback = this.local.register(peerId, numWant);
    if (!this.up) return fallback;
    try {
      return (
        (await this.redis.tsRegister(this.prefix, peerId, this.processId, String(numWant), 'claim')) ?? []
      );
    } catch (err) {
      this.failed(err);
      return fallback;
    }
  }

  async sample(numWant: number, exclude: string): Promise<string[]> {
    if (!this.up) return this.local.sample(numWant, exclude);
    try {
      return await this.redis.tsSample(this.prefix, String(numWant), exclude);
    } catch (err) {
      this.failed(err);
      return this.local.sample(numWant, exclude);
    }
  }

  unregister(peerId: string): void {
    this.local.unregister(peerId);
    if (!this.up) return;
    this.redis.tsUnregister(this.prefix, peerId, this.processId).catch((err: unknown) => this.failed(err));
  }

  async announce(
    peerId: string,
    infoHash: string,
    event: AnnounceEvent | undefined,
    numWant: number,
    owner: string,
  ): Promise<AnnounceResult> {
    // Redis holds a superset of local entries: what it accepts the local tracker accepts too.
    const local = await this.local.announce(peerId, infoHash, event, numWant, owner);
    if (!this.up) return local;
    try {
      const reply = await this.redis.tsAnnounce(
        ...this.announceArgs(peerId, infoHash, event ?? '', numWant, owner),
      );
      if (reply[0] !== 1) {
        if (local.ok && event !== 'stopped') await this.local.announce(peerId, infoHash, 'stopped', 0, owner);
        return { ok: false, reason: this.capReason(String(reply[1])) };
      }
      return {
        ok: true,
        complete: Number(reply[1]),
        incomplete: Number(reply[2]),
        peers: reply.slice(3).map(String),
      };
    } catch (err) {
      this.failed(err);
      return local;
    }
  }

  private announceArgs(
    peerId: string,
    infoHash: string,
    event: string,
    numWant: number,
    owner: string,
  ): string[] {
    const { maxSwarmsPerPeer, maxSwarmsPerOwner } = this.options;
    return [
      this.prefix,
      peerId,
      infoHash,
      event,
      String(numWant),
      owner,
      String(maxSwarmsPerPeer),
      String(Number.isFinite(maxSwarmsPerOwner) ? maxSwarmsPerOwner : Number.MAX_SAFE_INTEGER),
    ];
  }

  /** The same words as tracker.ts for the cap that refused an announce. */
  private capReason(which: string): string {
    return which === 'peer'
      ? `already in ${this.options.maxSwarmsPerPeer} swarms; announce 'stopped' for one first`
      : `your address already holds ${this.options.maxSwarmsPerOwner} swarm entries; announce 'stopped' for one first`;
  }

  async relay(to: string, frame: string): Promise<boolean> {
    if (!this.up) return false;
    try {
      const receivers = await this.redis.tsRelay(this.prefix, to, `s${to}${frame}`);
      if (receivers > 0) this.counters.relaysOut++;
      return receivers > 0;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  holdsNow(): undefined {
    return undefined;
  }

  health(): HubStoreHealth {
    return {
      kind: 'redis',
      up: this.up ? 1 : 0,
      ...this.counters,
      clusterPeers: this.up ? this.cluster.peers : this.localPlane.peers.size,
      clusterSwarms: this.up ? this.cluster.swarms : this.localPlane.tracker.swarmCount,
    };
  }

  async release(): Promise<void> {
    await this.local.release();
    if (!this.up) return;
    try {
      await this.redis.tsRelease(this.prefix, this.processId, 'stop');
    } catch (err) {
      this.failed(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.local.close();
    await Promise.all([quit(this.redis), quit(this.sub)]);
  }

  /** Drops both connections without releasing anything, as a killed process would (tests). */
  crash(): void {
    this.closed = true;
    clearInterval(this.timer);
    void this.local.close();
    this.redis.disconnect();
    this.sub.disconnect();
  }
}

/** QUIT when connected (replies in flight are read first), else just drop the connection. */
async function quit(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
