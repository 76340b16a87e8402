import { bytesEqual, concatBytes, utf8 } from '../../../shared/bytes.js';
import { createInfoDictionary, pieceHash } from '../../../shared/info-dictionary.js';
import type { InfoDictionary } from '../../../shared/info-dictionary.js';
import { MachineDriver } from '../../../shared/machine/driver.js';
import { seededRandom } from '../../../shared/random.js';
import { sha1 } from '../../../shared/sha1.js';
import { Swarm } from '../../../shared/swarm/swarm.js';
import type { SwarmEvent, SwarmOptions, SwarmOutput } from '../../../shared/swarm/swarm.js';
import { WireDecoder } from '../../../shared/wire/wire-codec.js';
import type { DecodedFrame } from '../../../shared/wire/wire-codec.js';
import { ManualScheduler } from '../../helpers/manual-scheduler.js';

/**
 * A tiny in-memory host for Swarm instances: instant links, a manual clock, SHA-1 "verification"
 * and a Map as piece storage, each swarm run by a MachineDriver. Each node's peers are keyed by
 * the other node's name.
 */

export interface TestTorrent {
  data: Uint8Array;
  info: InfoDictionary;
  infoBytes: Uint8Array;
  infoHash: Uint8Array;
}

/** A torrent over `length` pseudo-random bytes. */
export function makeTorrent(length: number, pieceLength: number, seed = 1): TestTorrent {
  const data = seededRandom(seed).bytes(length);
  const hashes: Uint8Array[] = [];
  for (let off = 0; off < length; off += pieceLength)
    hashes.push(sha1(data.subarray(off, off + pieceLength)));
  const { info, infoBytes, infoHash } = createInfoDictionary({
    name: 'file.bin',
    length,
    pieceLength,
    pieceHashes: concatBytes(hashes),
  });
  return { data, info, infoBytes, infoHash };
}

export interface Node {
  name: string;
  swarm: Swarm;
  driver: MachineDriver<SwarmOutput>;
  store: Map<number, Uint8Array>;
  info: InfoDictionary | undefined;
  events: SwarmEvent[];
  closes: { peer: string; code: string; reason: string }[];
  /** Rewrites outgoing bytes (to play a corrupting peer). */
  tamper?: (to: string, data: Uint8Array) => Uint8Array;
}

type Task = () => void;

export class Harness {
  readonly clock = new ManualScheduler();
  readonly nodes = new Map<string, Node>();
  /** Decoded messages per direction ("from>to"), when `trace` is on. */
  readonly sent = new Map<string, DecodedFrame[]>();
  private readonly decoders = new Map<string, WireDecoder>();
  private tasks: Task[] = [];

  constructor(private readonly trace = false) {}

  get now(): number {
    return this.clock.now();
  }

  private readonly links = new Set<string>();
  private nextId = 0;

  /** Adds a node; `seed: true` gives it the whole file. */
  add(
    name: string,
    torrent: TestTorrent,
    opts: { seed?: boolean; magnet?: boolean; extra?: Partial<SwarmOptions> } = {},
  ) {
    const store = new Map<number, Uint8Array>();
    const { info, data } = torrent;
    if (opts.seed) {
      for (let i = 0; i < info.pieceCount; i++) {
        store.set(i, data.slice(i * info.pieceLength, (i + 1) * info.pieceLength));
      }
    }
    const peerId = utf8(`-TS0001-${name.padEnd(12, '.').slice(0, 12)}`);
    const swarmOpts: SwarmOptions = {
      infoHash: torrent.infoHash,
      peerId,
      random: seededRandom(1000 + this.nextId++),
      ...(opts.magnet ? {} : { info, infoBytes: torrent.infoBytes }),
      ...(opts.seed ? { have: new Array<boolean>(info.pieceCount).fill(true) } : {}),
      ...opts.extra,
    };
    const swarm = new Swarm(swarmOpts);
    const node: Node = {
      name,
      swarm,
      driver: new MachineDriver(swarm, this.clock, { execute: (output) => this.execute(name, output) }),
      store,
      info: opts.magnet ? undefined : info,
      events: [],
      closes: [],
    };
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): Node {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Opens a link between two nodes (both sides see the transport open). */
  connect(a: string, b: string): void {
    this.links.add(linkKey(a, b));
    this.input(a, (swarm, now) => swarm.addPeer(b, now));
    this.input(b, (swarm, now) => swarm.addPeer(a, now));
  }

  /** Closes the link between two nodes (both sides see the transport close). */
  disconnect(a: string, b: string): void {
    if (!this.links.delete(linkKey(a, b))) return;
    this.input(a, (swarm, now) => swarm.removePeer(b, now));
    this.input(b, (swarm, now) => swarm.removePeer(a, now));
  }

  /** Injects raw bytes as if `from` had sent them to `to`. */
  inject(from: string, to: string, data: Uint8Array): void {
    this.input(to, (swarm, now) => swarm.receive(from, data, now));
  }

  /** Feeds node `name` one input through its driver; returns the input's answer. */
  input<R>(name: string, call: (swarm: Swarm, now: number) => R): R | undefined {
    const node = this.node(name);
    return node.driver.input((now) => call(node.swarm, now));
  }

  connected(a: string, b: string): boolean {
    return this.links.has(linkKey(a, b));
  }

  /** Runs queued work, advancing the clock to timers, until `until` returns true or time runs out. */
  run(until: () => boolean, maxTime = 600_000): boolean {
    const deadline = this.now + maxTime;
    let budget = 2_000_000; // a livelock at one instant fails the test instead of hanging it
    while (!until()) {
      if (--budget < 0) return false;
      const task = this.tasks.shift();
      if (task) {
        task();
        continue;
      }
      const next = Math.min(...this.clock.armed);
      if (next === Infinity || next > deadline) return until();
      // Fires every driver's timer due by then (each runs its swarm's handleTimeout).
      this.clock.advance(Math.max(this.now, next));
    }
    return true;
  }

  /** The node's stored pieces joined, if it has them all. */
  assembled(name: string): Uint8Array | undefined {
    const n = this.node(name);
    if (!n.info) return undefined;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n.info.pieceCount; i++) {
      const p = n.store.get(i);
      if (!p) return undefined;
      parts.push(p);
    }
    return concatBytes(parts);
  }

  /** Executes one of a node's outputs: sends become deliveries, verify/read are answered later. */
  private execute(name: string, action: SwarmOutput): void {
    const node = this.node(name);
    switch (action.type) {
      case 'send': {
        const to = action.peer;
        const data = node.tamper ? node.tamper(to, action.data) : action.data;
        if (this.trace) this.record(`${name}>${to}`, data);
        this.tasks.push(() => {
          if (!this.connected(name, to)) return;
          this.input(to, (swarm, now) => swarm.receive(name, data, now));
          if (this.connected(name, to)) this.input(name, (swarm, now) => swarm.drained(to, now));
        });
        break;
      }
      case 'close':
        node.closes.push({ peer: action.peer, code: action.code, reason: action.reason });
        if (this.links.delete(linkKey(name, action.peer))) {
          const other = action.peer;
          this.tasks.push(() => this.input(other, (swarm, now) => swarm.removePeer(name, now)));
        }
        break;
      case 'metadata':
        node.info = action.info;
        break;
      case 'verify':
        this.tasks.push(() => {
          const info = node.info as InfoDictionary;
          const ok = bytesEqual(sha1(action.data), pieceHash(info, action.index));
          if (ok) node.store.set(action.index, action.data.slice());
          this.input(name, (swarm, now) => swarm.pieceVerified(action.index, ok, now));
        });
        break;
      case 'read':
        this.tasks.push(() =>
          this.input(name, (swarm, now) => swarm.pieceData(action.index, node.store.get(action.index), now)),
        );
        break;
      case 'event':
        node.events.push(action.event);
        break;
    }
  }

  /** Messages sent from `from` to `to` so far (needs `trace`). */
  messages(from: string, to: string): DecodedFrame[] {
    return this.sent.get(`${from}>${to}`) ?? [];
  }

  private record(direction: string, data: Uint8Array): void {
    let decoder = this.decoders.get(direction);
    if (!decoder) this.decoders.set(direction, (decoder = new WireDecoder()));
    let list = this.sent.get(direction);
    if (!list) this.sent.set(direction, (list = []));
    list.push(...decoder.push(data));
  }
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
