import fc from 'fast-check';
import { toHex } from '../../shared/bytes.js';
import { bencode } from '../../shared/bencode.js';
import {
  decodeKrpc,
  encodeKrpc,
  MAX_DHT_MESSAGE,
  MAX_SIGNAL_BYTES,
  MAX_VALUE_BENCODED,
  bencodedValueLength,
} from '../../shared/dht/krpc.js';
import type { KrpcMessage, KrpcResponseValues } from '../../shared/dht/krpc.js';
import { idBytes } from '../../shared/dht/node-id.js';
import type { NodeId } from '../../shared/dht/node-id.js';
import { decodeFrame, encodeEnvelope } from '../../shared/dht/relay.js';
import type { DhtOutput } from '../../shared/dht/types.js';
import { seededRandom } from '../../shared/random.js';
import { sha1 } from '../../shared/sha1.js';
import { applyMutations, distinctIds, mutations } from './arbitraries.js';
import type { Mutation } from './arbitraries.js';
import { DhtUnderTest } from './machines.js';
import { check } from './outcome.js';
import { defineProperty } from './registry.js';
import type { FuzzProperty } from './registry.js';

/**
 * A stateful property of the DHT node: a host with a small pool of other nodes opens and closes
 * links, starts operations, answers the node's queries (directly or along source routes), sends
 * it queries, envelopes, garbage and mutated frames, and lets time pass. After every input the
 * outputs must be well formed, and after every timeout the next one must lie ahead.
 */

const POOL = 8;
const peer = fc.integer({ min: 0, max: POOL - 1 });
/** True one time in eight: faults that end a conversation early. */
const rarely = fc.integer({ min: 0, max: 7 }).map((x) => x === 0);
const QUERIES = [
  'ping',
  'find_node',
  'get_peers',
  'announce_peer',
  'put',
  'get',
  'signal',
  'frobnicate',
] as const;

/** One input of the host; indices pick pool nodes. Plain data, so counterexamples print and shrink. */
type Command =
  | { kind: 'disconnected' | 'admit' | 'connectTo' | 'unpin'; peer: number }
  | { kind: 'accept' | 'refuse' | 'late'; pick: number }
  | { kind: 'bootstrap'; peers: number[] }
  | {
      kind: 'operation';
      op: 'findNode' | 'getPeers' | 'announce' | 'get' | 'unannounce';
      target: number;
      own: boolean;
    }
  | { kind: 'put' | 'unput'; value: Uint8Array }
  | { kind: 'sendSignal'; peer: number; size: number }
  | {
      kind: 'answer';
      pick: number;
      nodes: number[];
      values: number[];
      error: boolean;
      token: boolean;
      wrongId: boolean;
    }
  | {
      kind: 'query';
      q: (typeof QUERIES)[number];
      from: number;
      origin: number;
      relayed: boolean;
      target: number;
      token: boolean;
      wrongId: boolean;
    }
  | { kind: 'relay'; from: number; path: number[] }
  | { kind: 'garbage'; from: number; bytes: Uint8Array }
  | { kind: 'mutate'; from: number; pick: number; edits: Mutation[] }
  | { kind: 'advance' }
  | { kind: 'wait'; ms: number; timeout: boolean };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'disconnected' as const,
        'admit' as const,
        'connectTo' as const,
        'unpin' as const,
      ),
      peer,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('accept' as const, 'accept' as const, 'refuse' as const, 'late' as const),
      pick: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bootstrap' as const),
      peers: fc.array(peer, { maxLength: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('operation' as const),
      op: fc.constantFrom(
        'findNode' as const,
        'getPeers' as const,
        'announce' as const,
        'get' as const,
        'unannounce' as const,
      ),
      target: peer,
      own: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('put' as const, 'unput' as const),
      value: fc.uint8Array({ maxLength: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('sendSignal' as const),
      peer,
      size: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constant(MAX_SIGNAL_BYTES + 1)),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      pick: fc.nat(),
      nodes: fc.array(peer, { maxLength: 6 }),
      values: fc.array(peer, { maxLength: 3 }),
      error: rarely,
      token: fc.boolean(),
      wrongId: rarely,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      q: fc.constantFrom(...QUERIES),
      from: peer,
      origin: peer,
      relayed: fc.boolean(),
      target: peer,
      token: fc.boolean(),
      wrongId: rarely,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('relay' as const),
      from: peer,
      path: fc.array(peer, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      from: peer,
      bytes: fc.uint8Array({ maxLength: 64 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('mutate' as const),
      from: peer,
      pick: fc.nat(),
      edits: mutations,
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'advance' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.integer({ min: 0, max: 120_000 }),
      timeout: fc.boolean(),
    }),
  },
);

/** Node options: a small link budget, so the caps are reached in a few inputs. */
const setup = fc.record({
  ids: distinctIds(POOL + 1, POOL + 1),
  k: fc.constantFrom(2, 3, 8, 20),
  maxConnections: fc.integer({ min: 1, max: 6 }),
  target: fc.integer({ min: 1, max: 6 }),
  bootstrap: fc.integer({ min: 1, max: 6 }),
  maxRouteLength: fc.integer({ min: 1, max: 8 }),
  maxRelayPerSecond: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer(),
});
type Setup = typeof setup extends fc.Arbitrary<infer S> ? S : never;

/** A query the node sent and has not been answered by the host yet. */
interface Sent {
  t: Uint8Array;
  /** Ids after the node on the route; the last is the node asked. */
  route: NodeId[];
}

class DhtHost {
  now = 1_000_000;
  readonly node: DhtUnderTest;
  readonly self: NodeId;
  readonly pool: NodeId[];
  /** Links the host holds open (the node's live links must be among them). */
  readonly open = new Set<NodeId>();
  private sent: Sent[] = [];
  /** Every link the node asked for or admitted. */
  private readonly requested = new Set<NodeId>();
  /** Every link that opened. */
  private readonly opened = new Set<NodeId>();
  /** Values put, to unput. */
  private readonly puts: Uint8Array[] = [];
  private readonly maxConnections: number;
  private readonly maxRouteLength: number;
  private readonly k: number;
  /** Frames the node sent, to mutate and feed back. */
  private frames: Uint8Array[] = [];
  /** Tokens the node handed out, by asker. */
  private readonly tokens = new Map<NodeId, Uint8Array>();

  constructor(s: Setup) {
    const [own, ...others] = s.ids.map(toHex);
    this.self = own as NodeId;
    this.pool = others;
    this.node = new DhtUnderTest({
      id: this.self,
      random: seededRandom(s.seed),
      k: s.k,
      maxConnections: s.maxConnections,
      targetConnections: s.target,
      bootstrapConnections: s.bootstrap,
      maxRouteLength: s.maxRouteLength,
      maxRelayPerSecond: s.maxRelayPerSecond,
    });
    this.maxConnections = s.maxConnections;
    this.maxRouteLength = s.maxRouteLength;
    this.k = s.k;
  }

  run(c: Command): void {
    const n = this.node;
    const id = (i: number): NodeId => this.pool[i % POOL] as NodeId;
    /** Frames come over open links, but now and then over one that is not. */
    const link = (i: number): NodeId => {
      const open = [...this.open];
      return open.length > 0 && i % 8 !== 7 ? (open[i % open.length] as NodeId) : id(i);
    };
    this.now += 1;
    switch (c.kind) {
      case 'accept':
      case 'refuse': {
        // A link the node is waiting for opens, or fails.
        const pending = n.snapshot(this.now).connections.pending;
        const to = pending[c.pick % Math.max(1, pending.length)];
        if (to === undefined) return;
        if (c.kind === 'refuse') return this.take(n.disconnected(to, this.now));
        this.open.add(to);
        this.opened.add(to);
        return this.take(n.connected(to, this.now));
      }
      case 'late': {
        // A link the node gave up on (it never opened) opens after all.
        const pending = n.snapshot(this.now).connections.pending;
        const late = [...this.requested].filter((x) => !this.opened.has(x) && !pending.includes(x));
        const to = late[c.pick % Math.max(1, late.length)];
        if (to === undefined) return;
        this.open.add(to);
        this.opened.add(to);
        return this.take(n.connected(to, this.now));
      }
      case 'disconnected':
        this.open.delete(id(c.peer));
        return this.take(n.disconnected(id(c.peer), this.now));
      case 'admit': {
        // An offer from the other side: opened (by 'accept') only if admitted.
        const { admitted, outputs } = n.admit(id(c.peer), this.now);
        this.take(outputs);
        if (admitted) this.requested.add(id(c.peer));
        return;
      }
      case 'connectTo':
        return this.take(n.connectTo(id(c.peer), this.now));
      case 'unpin':
        return this.take(n.setPinned(id(c.peer), false));
      case 'bootstrap':
        return this.take(n.bootstrap(c.peers.map(id), this.now));
      case 'operation': {
        const target = c.own ? this.self : id(c.target);
        if (c.op === 'unannounce') return this.take(n.unannounce(target));
        return this.take(n[c.op](target, this.now));
      }
      case 'put':
        this.puts.push(c.value);
        return this.take(n.put(c.value, this.now));
      case 'unput': {
        // The key of a value put before (or of this one): SHA-1 of the bencoded value.
        const value = this.puts[c.value.length % Math.max(1, this.puts.length)] ?? c.value;
        return this.take(n.unput(sha1(bencode(value))));
      }
      case 'sendSignal':
        return this.take(n.sendSignal(id(c.peer), new Uint8Array(c.size), this.now));
      case 'answer':
        return this.answer(c);
      case 'query':
        return this.query(c, link(c.from));
      case 'relay': {
        // An envelope through the node: [origin, link, node, next...].
        const from = link(c.from);
        const path = [...new Set([id(c.path[0] as number), from, this.self, ...c.path.slice(1).map(id)])];
        if (path.length < 3 || path[2] !== this.self) return;
        const data = encodeEnvelope({
          path,
          hop: 2,
          message: encodeKrpc({
            y: 'q',
            t: Uint8Array.of(1),
            q: 'ping',
            a: { id: idBytes(path[0] as NodeId) },
          }),
        });
        return this.deliver(from, data);
      }
      case 'garbage':
        return this.deliver(link(c.from), c.bytes);
      case 'mutate': {
        const base = this.frames[c.pick % Math.max(1, this.frames.length)];
        if (!base) return;
        return this.deliver(link(c.from), applyMutations(base, c.edits));
      }
      case 'advance': {
        const next = n.nextTimeout();
        if (next !== undefined) this.now = Math.max(this.now, next);
        return this.timeout();
      }
      case 'wait':
        this.now += c.ms;
        if (c.timeout) this.timeout();
        return;
    }
  }

  private timeout(): void {
    this.take(this.node.handleTimeout(this.now));
    const next = this.node.nextTimeout();
    check(
      next === undefined || next > this.now,
      () => `after handleTimeout(${this.now}) nextTimeout() is ${next}`,
    );
  }

  /** Hands bytes from `from` to the node, as over the link (or a closed one: the node must drop them). */
  private deliver(from: NodeId, data: Uint8Array): void {
    this.take(this.node.receive(from, data, this.now));
  }

  /** Answers one of the node's pending queries, along the route it came. */
  private answer(c: Extract<Command, { kind: 'answer' }>): void {
    if (this.sent.length === 0) return;
    const [q] = this.sent.splice(c.pick % this.sent.length, 1) as [Sent];
    const asked = q.route[q.route.length - 1] as NodeId;
    const r: KrpcResponseValues = { id: idBytes(c.wrongId ? (this.pool[c.pick % POOL] as NodeId) : asked) };
    if (c.nodes.length > 0) r.nodes = c.nodes.map((i) => idBytes(this.pool[i] as NodeId));
    if (c.values.length > 0) r.values = c.values.map((i) => idBytes(this.pool[i] as NodeId));
    if (c.token) r.token = Uint8Array.of(7, 7);
    const reply: KrpcMessage = c.error ? { y: 'e', t: q.t, e: [201, 'no'] } : { y: 'r', t: q.t, r };
    const message = encodeKrpc(reply);
    if (q.route.length === 1) return this.deliver(asked, message);
    const path = [...q.route].reverse().concat(this.self);
    this.deliver(q.route[0] as NodeId, encodeEnvelope({ path, hop: path.length - 1, message }));
  }

  /** A query to the node from `origin`, directly or relayed by `from`. */
  private query(c: Extract<Command, { kind: 'query' }>, from: NodeId): void {
    const origin = c.relayed ? (this.pool[c.origin] as NodeId) : from;
    if (c.relayed && origin === from) return;
    const id = idBytes(c.wrongId ? (this.pool[c.target] as NodeId) : origin);
    const target = idBytes(this.pool[c.target] as NodeId);
    const token = (c.token && this.tokens.get(origin)) || Uint8Array.of(1);
    const t = Uint8Array.of(0xaa, c.from);
    const msg: KrpcMessage =
      c.q === 'ping'
        ? { y: 'q', t, q: 'ping', a: { id, ln: c.from % 3 } }
        : c.q === 'find_node' || c.q === 'get'
          ? { y: 'q', t, q: c.q, a: { id, target } }
          : c.q === 'get_peers'
            ? { y: 'q', t, q: 'get_peers', a: { id, info_hash: target } }
            : c.q === 'announce_peer'
              ? { y: 'q', t, q: 'announce_peer', a: { id, info_hash: target, token } }
              : c.q === 'put'
                ? { y: 'q', t, q: 'put', a: { id, v: target, token } }
                : c.q === 'signal'
                  ? { y: 'q', t, q: 'signal', a: { id, p: target } }
                  : { y: 'q', t, q: 'unknown', method: c.q, a: { id } };
    const message = encodeKrpc(msg);
    if (!c.relayed) return this.deliver(from, message);
    this.deliver(from, encodeEnvelope({ path: [origin, from, this.self], hop: 2, message }));
  }

  /** Checks the outputs of one input and updates what the host knows. */
  private take(outputs: DhtOutput[]): void {
    for (const o of outputs) this.checkOutput(o);
    const snap = this.node.snapshot(this.now);
    for (const id of snap.connections.live)
      check(this.open.has(id), `node thinks ${id} is live; the host never opened it`);
    check(!snap.connections.live.includes(this.self), 'a link to itself');
    check(
      snap.connections.live.length <= this.maxConnections,
      () =>
        `${snap.connections.live.length} live links, cap ${this.maxConnections} (pinned ${snap.connections.pinned.length})`,
    );
  }

  private checkOutput(o: DhtOutput): void {
    switch (o.type) {
      case 'send': {
        check(this.open.has(o.to), () => `send to ${o.to}, which has no open link`);
        check(o.data.length <= MAX_DHT_MESSAGE, 'frame over MAX_DHT_MESSAGE');
        const frame = decodeFrame(o.data, this.maxRouteLength);
        this.frames.push(o.data);
        if (this.frames.length > 32) this.frames.shift();
        if (frame.kind === 'direct') {
          const msg = decodeKrpc(o.data);
          this.note(msg, [o.to]);
          return;
        }
        const e = frame.envelope;
        check(
          e.path[e.hop] === o.to && e.path[e.hop - 1] === this.self,
          'envelope not addressed to the next hop',
        );
        if (e.path[0] === this.self && e.message) this.note(decodeKrpc(e.message), e.path.slice(1));
        return;
      }
      case 'connect':
        check(o.to !== this.self, 'connect to itself');
        check(!this.open.has(o.to), () => `connect to ${o.to}, which is already open`);
        this.requested.add(o.to);
        return;
      case 'disconnect':
        check(this.open.has(o.to), () => `disconnect ${o.to}, which has no open link`);
        this.open.delete(o.to);
        return;
      case 'signal':
        check(o.payload.length <= MAX_SIGNAL_BYTES, 'signal over MAX_SIGNAL_BYTES');
        return;
      case 'event': {
        const e = o.event;
        if (e.type === 'lookup-done') check(e.closest.length <= this.k, 'more than k closest');
        if (e.type === 'connect-refused') check(e.to !== this.self, 'refused a link to itself');
        return;
      }
    }
  }

  /** Remembers a query the node sent, or a token it handed out in a reply. */
  private note(msg: KrpcMessage, route: NodeId[]): void {
    if (msg.y === 'q') {
      this.sent.push({ t: msg.t, route });
      if (this.sent.length > 64) this.sent.shift();
      if (msg.q === 'put')
        check(bencodedValueLength(msg.a.v) <= MAX_VALUE_BENCODED, 'put over the value cap');
    } else if (msg.y === 'r' && msg.r.token) {
      this.tokens.set(route[route.length - 1] as NodeId, msg.r.token);
    }
  }
}

const dhtNode = defineProperty(
  {
    name: 'dht.node-machine',
    target: 'shared/dht/dht-node.ts DhtNode',
    claim:
      'random links, operations, answers, queries, relays, garbage and time never throw; sends go over open links as valid frames; timeouts move forward',
    ciRuns: 100,
  },
  () =>
    fc.property(setup, fc.array(command, { maxLength: 80, size: 'max' }), (s, commands) => {
      const host = new DhtHost(s);
      for (const c of commands) host.run(c);
    }),
);

export const dhtMachineProperties: FuzzProperty[] = [dhtNode];
