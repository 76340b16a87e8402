import { describe, expect, it } from 'vitest';
import { bencode } from '../../../shared/bencode.js';
import { fromHex, toHex, utf8 } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { sha1 } from '../../../shared/sha1.js';
import type { DhtNode } from '../../../shared/dht/dht-node.js';
import { decodeKrpc, encodeKrpc } from '../../../shared/dht/krpc.js';
import type { KrpcMessage } from '../../../shared/dht/krpc.js';
import { decodeFrame, encodeEnvelope } from '../../../shared/dht/relay.js';
import type { DhtAction, DhtEvent, LookupDone } from '../../../shared/dht/types.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../shared/dht/link-manager.js';
import { STORE_JOIN_WAIT_MS, STORE_RETRY_MS } from '../../../shared/dht/store-jobs.js';
import { SUPER_PEER_DHT } from '../../../shared/dht/super-peer.js';
import { Shuttle } from './helpers/shuttle.js';
import { TestNode } from './helpers/test-node.js';
import { testSeed } from './helpers/seed.js';

const random = seededRandom(testSeed('dht-node', 71));
const newId = (): Uint8Array => random.bytes(20);
const t = utf8('tt');

function node(options: Partial<ConstructorParameters<typeof DhtNode>[0]> = {}): TestNode {
  return new TestNode({ id: newId(), random: seededRandom(random.int(1e9)), ...options });
}
function events(actions: DhtAction[]): DhtEvent[] {
  return actions.flatMap((a) => (a.type === 'event' ? [a.event] : []));
}
function sends(actions: DhtAction[]): Extract<DhtAction, { type: 'send' }>[] {
  return actions.filter((a): a is Extract<DhtAction, { type: 'send' }> => a.type === 'send');
}
function contacts(n: DhtNode): string[] {
  return n.snapshot().buckets.flatMap((b) => b.contacts.map((c) => c.id));
}
/** A frame as `relay` forwards it to `dest`: `inner` from `origin` on its last hop. */
function relayed(origin: Uint8Array, relay: Uint8Array, dest: string, inner: Uint8Array): Uint8Array {
  return encodeEnvelope({ path: [toHex(origin), toHex(relay), dest], hop: 2, message: inner });
}
/**
 * Answers the pings among `out` (sent by `a`) as their destinations would, along the way they
 * went: how a contact learned through a relay proves it exists (it is not a contact until then).
 */
function answerPings(a: TestNode, out: DhtAction[], now: number): DhtAction[] {
  const answers: DhtAction[] = [];
  for (const s of sends(out)) {
    const q = messageOf(s.data);
    if (q.y !== 'q' || q.q !== 'ping') continue;
    const frame = decodeFrame(s.data, 8);
    const path = frame.kind === 'envelope' ? frame.envelope.path : [a.id, s.to];
    const dest = path[path.length - 1] as string;
    const reply = encodeKrpc({ y: 'r', t: q.t, r: { id: fromHex(dest) as Uint8Array } });
    const back = [...path].reverse();
    const data =
      back.length === 2 ? reply : encodeEnvelope({ path: back, hop: back.length - 1, message: reply });
    answers.push(...a.receive(s.to, data, now));
  }
  return answers;
}
/** The KRPC message inside a frame `n` sent (unwrapping an envelope). */
function messageOf(data: Uint8Array): KrpcMessage {
  const frame = decodeFrame(data, 8);
  return frame.kind === 'envelope' ? decodeKrpc(frame.envelope.message as Uint8Array) : decodeKrpc(data);
}

describe('DhtNode message validation', () => {
  it('answers a valid relayed query and learns the origin with its reversed route', () => {
    const a = node();
    const relay = newId();
    const origin = newId();
    a.connected(relay, 0);
    const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: origin } });
    const out = a.receive(relay, relayed(origin, relay, a.id, ping), 1);
    const reply = sends(out).filter((s) => messageOf(s.data).y === 'r');
    expect(reply).toHaveLength(1);
    expect(reply[0]?.to).toBe(toHex(relay));
    expect(messageOf(reply[0]?.data as Uint8Array)).toMatchObject({ y: 'r', t });
    // Any relay could have made the origin up: it is a contact once it answers a ping itself.
    expect(contacts(a)).not.toContain(toHex(origin));
    answerPings(a, out, 1);
    expect(contacts(a)).toContain(toHex(origin));
    expect(a.hasRouteTo(origin)).toBe(true);
  });

  it('drops malformed and oversized messages without adding the sender', () => {
    const a = node();
    const relay = newId();
    a.connected(relay, 0);
    const bad: { origin: Uint8Array; inner: Uint8Array }[] = [];
    const mk = (inner: Uint8Array): void => void bad.push({ origin: newId(), inner });
    mk(utf8('not bencode'));
    mk(bencode({ t, y: 'q', q: 'find_node', a: { id: new Uint8Array(20) } })); // no target
    mk(bencode({ t, y: 'q', q: 'put', a: { id: new Uint8Array(20), v: new Uint8Array(1200), token: 'x' } }));
    mk(new Uint8Array(65_000).fill(0x31));
    for (const b of bad) {
      const out = a.receive(relay, relayed(b.origin, relay, a.id, b.inner), 1);
      expect(sends(out)).toHaveLength(0);
      expect(events(out).map((e) => e.type)).toContain('message-dropped');
      expect(contacts(a)).not.toContain(toHex(b.origin));
    }
    // A query whose id is not its origin is dropped too.
    const liar = newId();
    const spoof = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: newId() } });
    const out = a.receive(relay, relayed(liar, relay, a.id, spoof), 2);
    expect(sends(out)).toHaveLength(0);
    expect(contacts(a)).not.toContain(toHex(liar));
    expect(contacts(a)).toEqual([toHex(relay)]);
    expect(a.isConnected(relay)).toBe(true); // relayed garbage is not the relay's fault
  });

  it('drops frames over 64 KiB and frames from nodes that are not connected', () => {
    const a = node();
    const peer = newId();
    const stranger = newId();
    const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: stranger } });
    const out1 = a.receive(stranger, ping, 0);
    expect(sends(out1)).toHaveLength(0);
    expect(contacts(a)).toEqual([]);
    a.connected(peer, 0);
    const out2 = a.receive(peer, new Uint8Array(64 * 1024 + 1), 0);
    expect(events(out2)).toEqual([expect.objectContaining({ type: 'message-dropped', from: toHex(peer) })]);
  });

  it('closes a link that keeps sending garbage', () => {
    const a = node();
    const peer = newId();
    a.connected(peer, 0);
    const outs = [1, 2, 3].map((i) => a.receive(peer, utf8('garbage'), i));
    expect(outs[1]?.some((x) => x.type === 'disconnect')).toBe(false);
    expect(outs[2]?.find((x) => x.type === 'disconnect')).toMatchObject({ to: toHex(peer) });
    expect(a.isConnected(peer)).toBe(false);
  });

  it('drops unsolicited responses and answers unknown methods with 204 without adding the sender', () => {
    const a = node();
    const relay = newId();
    a.connected(relay, 0);
    const stranger = newId();
    const resp = encodeKrpc({ y: 'r', t, r: { id: stranger } });
    const out = a.receive(relay, relayed(stranger, relay, a.id, resp), 1);
    expect(events(out)[0]).toMatchObject({ type: 'message-dropped', reason: 'unsolicited response' });
    const unknown = bencode({ t, y: 'q', q: 'vote', a: { id: stranger } });
    const out2 = a.receive(relay, relayed(stranger, relay, a.id, unknown), 2);
    expect(messageOf(sends(out2)[0]?.data as Uint8Array)).toMatchObject({
      y: 'e',
      e: [204, expect.any(String)],
    });
    expect(contacts(a)).not.toContain(toHex(stranger));
  });

  it('refuses announce_peer and put without a valid token, accepts them with one', () => {
    const a = node();
    const peer = newId();
    const ih = newId();
    a.connected(peer, 0);
    const ask = (m: KrpcMessage, now: number): KrpcMessage =>
      messageOf(sends(a.receive(peer, encodeKrpc(m), now))[0]?.data as Uint8Array);
    const bad = ask(
      { y: 'q', t, q: 'announce_peer', a: { id: peer, info_hash: ih, token: utf8('12345678') } },
      1,
    );
    expect(bad).toMatchObject({ y: 'e', e: [203, 'bad token'] });
    const got = ask({ y: 'q', t, q: 'get_peers', a: { id: peer, info_hash: ih } }, 2);
    expect(got.y).toBe('r');
    const token = got.y === 'r' ? (got.r.token as Uint8Array) : new Uint8Array();
    // A token issued to `peer` does not work for someone else.
    const other = newId();
    a.connected(other, 3);
    const stolen = messageOf(
      sends(
        a.receive(
          other,
          encodeKrpc({ y: 'q', t, q: 'announce_peer', a: { id: other, info_hash: ih, token } }),
          3,
        ),
      )[0]?.data as Uint8Array,
    );
    expect(stolen.y).toBe('e');
    expect(ask({ y: 'q', t, q: 'announce_peer', a: { id: peer, info_hash: ih, token } }, 4).y).toBe('r');
    // A put needs a token for its own key (SHA-1 of the bencoded value), fetched with get.
    expect(ask({ y: 'q', t, q: 'put', a: { id: peer, v: utf8('hello'), token } }, 5).y).toBe('e');
    const valueKey = sha1(bencode(utf8('hello')));
    const forValue = ask({ y: 'q', t, q: 'get', a: { id: peer, target: valueKey } }, 5);
    const putToken = forValue.y === 'r' ? (forValue.r.token as Uint8Array) : new Uint8Array();
    expect(ask({ y: 'q', t, q: 'put', a: { id: peer, v: utf8('hello'), token: putToken } }, 5).y).toBe('r');
    expect(ask({ y: 'q', t, q: 'put', a: { id: peer, v: utf8('hello'), token: utf8('nope') } }, 6).y).toBe(
      'e',
    );
    expect(a.snapshot().store).toEqual({ values: 1, infoHashes: 1, peers: 1 });
    const peers = ask({ y: 'q', t, q: 'get_peers', a: { id: peer, info_hash: ih } }, 7);
    expect(peers.y === 'r' && peers.r.values?.map(toHex)).toEqual([toHex(peer)]);
    // Eleven minutes later the token is stale (two rotations).
    expect(ask({ y: 'q', t, q: 'announce_peer', a: { id: peer, info_hash: ih, token } }, 11 * 60_000).y).toBe(
      'e',
    );
  });
});

describe('DhtNode under hostile input', () => {
  it('never throws on mutated frames and keeps answering good ones', () => {
    const a = node();
    const peer = newId();
    a.connected(peer, 0);
    const samples = [
      encodeKrpc({ y: 'q', t, q: 'find_node', a: { id: peer, target: newId() } }),
      encodeKrpc({ y: 'q', t, q: 'put', a: { id: peer, v: utf8('v'), token: utf8('12345678') } }),
      encodeKrpc({ y: 'r', t, r: { id: peer, nodes: [newId(), newId()], values: [newId()] } }),
      encodeEnvelope({ path: [toHex(newId()), toHex(peer), a.id], hop: 2, message: utf8('d1:t2:aa1:y1:qe') }),
    ];
    for (let i = 0; i < 3000; i++) {
      const base = samples[i % samples.length] as Uint8Array;
      const data = base.slice(0, random.int(base.length + 1));
      for (let j = random.int(4); j > 0; j--) data[random.int(data.length || 1)] = random.int(256);
      expect(() => a.receive(peer, data, i)).not.toThrow();
      if (!a.isConnected(peer)) a.connected(peer, i); // strikes close it; reconnect and go on
    }
    const reply = sends(a.receive(peer, samples[0] as Uint8Array, 5000));
    expect(messageOf(reply[0]?.data as Uint8Array).y).toBe('r');
  });
});

describe('DhtNode lookups and timers', () => {
  it('finishes a lookup when the only contact times out', () => {
    const a = node({ rpcTimeoutMs: 1000 });
    const peer = newId();
    // The join lookup asks it for our own id, and a ping tells it that it is our only link.
    expect(sends(a.connected(peer, 0))).toHaveLength(2);
    const queryId = a.findNode(newId(), 10);
    expect(sends(a.poll())).toHaveLength(1);
    expect(a.nextTimeout()).toBe(1000);
    const joined = events(a.handleTimeout(1000));
    expect(joined.map((e) => e.type)).toEqual(['lookup-done', 'joined']);
    expect(a.nextTimeout()).toBe(1010);
    expect(a.handleTimeout(1009)).toEqual([]);
    const done = events(a.handleTimeout(1010)).find((e) => e.type === 'lookup-done');
    expect(done).toMatchObject({
      type: 'lookup-done',
      queryId,
      closest: [],
      timeouts: 1,
      rpcs: 1,
      durationMs: 1000,
    });
  });

  it('ends a lookup at once when there is nobody to ask', () => {
    const a = node();
    a.getPeers(newId(), 0);
    expect(events(a.poll())).toEqual([expect.objectContaining({ type: 'lookup-done', peers: [], rpcs: 0 })]);
  });

  it('reports a signal it cannot route, so the host can use the server', () => {
    const a = node();
    const to = newId();
    expect(a.hasRouteTo(to)).toBe(false);
    expect(events(a.sendSignal(to, utf8('offer'), 0))).toEqual([
      { type: 'signal-failed', to: toHex(to), reason: 'no route' },
    ]);
    expect(events(a.sendSignal(to, new Uint8Array(20_000), 0))[0]).toMatchObject({
      reason: 'signal too large',
    });
  });

  it('rejects values over 1000 bytes bencoded', () => {
    expect(() => node().put(new Uint8Array(997), 0)).toThrow(/1000/);
  });
});

/** `a` hears a ping from `origin` relayed by its link `relay`: it learns the route [relay, origin]. */
function learnRoute(a: TestNode, relay: Uint8Array, origin: Uint8Array, now: number): void {
  const out = a.receive(
    relay,
    relayed(origin, relay, a.id, encodeKrpc({ y: 'q', t, q: 'ping', a: { id: origin } })),
    now,
  );
  answerPings(a, out, now);
}
/** The notice `reporter` sends back to `a`: it has no link to `dest`. */
function notice(reporter: Uint8Array, a: DhtNode, dest: Uint8Array): Uint8Array {
  return encodeEnvelope({
    path: [toHex(reporter), a.id],
    hop: 1,
    unreachable: toHex(dest),
    destination: toHex(dest),
  });
}
/** The ids a frame travels: origin, relays, destination (just the receiver for a bare message). */
function pathOf(send: { to: string; data: Uint8Array }): string[] {
  const frame = decodeFrame(send.data, 8);
  return frame.kind === 'envelope' ? frame.envelope.path.slice(1) : [send.to];
}
function contactOf(a: DhtNode, id: Uint8Array) {
  return a
    .snapshot()
    .buckets.flatMap((b) => b.contacts)
    .find((c) => c.id === toHex(id));
}

describe('DhtNode when a relay lost its link to the next hop', () => {
  it('resends the query along another known route, drops only the broken one, keeps the contact', () => {
    const a = node();
    const [l1, l2, d] = [newId(), newId(), newId()];
    a.connected(l1, 0);
    a.connected(l2, 0);
    learnRoute(a, l1, d, 1);
    learnRoute(a, l2, d, 2);
    const first = sends(a.sendSignal(d, utf8('offer'), 10));
    expect(first).toHaveLength(1);
    const [via, other] = first[0]?.to === toHex(l1) ? [l1, l2] : [l2, l1];
    const out = a.receive(via, notice(via, a, d), 11);
    expect(events(out)).toEqual([]);
    const resent = sends(out);
    expect(resent.map(pathOf)).toEqual([[toHex(other), toHex(d)]]);
    // The same query (same transaction id) goes again.
    const query = messageOf(resent[0]?.data as Uint8Array);
    expect(query).toEqual(messageOf(first[0]?.data as Uint8Array));
    expect(contactOf(a, d)).toMatchObject({ failures: 0, route: [toHex(other), toHex(d)] });
    // The answer along the new route completes the signal: no fallback to the server.
    const ack = encodeKrpc({ y: 'r', t: query.t, r: { id: d } });
    const back = a.receive(other, relayed(d, other, a.id, ack), 12);
    expect(events(back).filter((e) => e.type === 'signal-failed')).toEqual([]);
    expect(events(a.handleTimeout(10_000)).filter((e) => e.type === 'signal-failed')).toEqual([]);
  });

  it('with no other route, detours through the node closest to the contact, then gives up at once', () => {
    const a = node();
    const d = newId();
    const beside = d.slice();
    beside[19] = (beside[19] as number) ^ 1; // shares 159 bits with d: in its near set
    const l1 = newId();
    a.connected(l1, 0);
    a.connected(beside, 0);
    learnRoute(a, l1, d, 1);
    const first = sends(a.sendSignal(d, utf8('offer'), 10));
    expect(first.map(pathOf)).toEqual([[toHex(l1), toHex(d)]]);
    const out = a.receive(l1, notice(l1, a, d), 11);
    expect(events(out)).toEqual([]);
    expect(sends(out).map(pathOf)).toEqual([[toHex(beside), toHex(d)]]);
    // The guess was wrong too, and no one else is left to try: the signal fails now, not at a timeout.
    const out2 = a.receive(beside, notice(beside, a, d), 12);
    expect(sends(out2)).toEqual([]);
    expect(events(out2)).toEqual([expect.objectContaining({ type: 'signal-failed', to: toHex(d) })]);
    // Blamed once (the relay of a learned route lost it), not removed.
    expect(contactOf(a, d)?.failures).toBe(1);
  });

  it('resends queries whose first link closed along another route', () => {
    const a = node();
    const [l1, l2, d] = [newId(), newId(), newId()];
    a.connected(l1, 0);
    a.connected(l2, 0);
    learnRoute(a, l1, d, 1);
    learnRoute(a, l2, d, 2);
    const first = sends(a.sendSignal(d, utf8('offer'), 10));
    const [via, other] = first[0]?.to === toHex(l1) ? [l1, l2] : [l2, l1];
    const out = a.disconnected(via, 11);
    expect(events(out).filter((e) => e.type === 'signal-failed')).toEqual([]);
    expect(sends(out).filter((x) => x.to === toHex(other) && pathOf(x).at(-1) === toHex(d))).toHaveLength(1);
  });
});

describe('DhtNode join', () => {
  it('runs the own-id lookup again when it ended knowing contacts it never heard from', () => {
    const a = node();
    const [b, c] = [newId(), newId()];
    const ownLookup = (out: DhtAction[], to: Uint8Array) =>
      sends(out)
        .map((x) => ({ to: x.to, m: messageOf(x.data) }))
        .find((x) => x.to === toHex(to) && x.m.y === 'q' && x.m.q === 'find_node');
    // b is another newcomer: it knows nobody. The join lookup starts on its link alone.
    const first = ownLookup(a.connected(b, 0), b);
    expect(first).toBeDefined();
    expect(ownLookup(a.connected(c, 1), c)).toBeUndefined(); // a second link opens meanwhile
    const answer = (from: Uint8Array, tid: Uint8Array, now: number) =>
      a.receive(from, encodeKrpc({ y: 'r', t: tid, r: { id: from, nodes: [] } }), now);
    const out = answer(b, first?.m.t as Uint8Array, 2);
    expect(events(out).map((e) => e.type)).not.toContain('joined');
    const again = ownLookup(out, c);
    expect(again).toBeDefined();
    const retryB = ownLookup(out, b);
    const out2 = answer(c, again?.m.t as Uint8Array, 3);
    const joined = events([...out2, ...answer(b, retryB?.m.t as Uint8Array, 4)]).find(
      (e) => e.type === 'joined',
    );
    expect(joined).toMatchObject({ type: 'joined', closest: expect.arrayContaining([toHex(b), toHex(c)]) });
  });
});

describe('DhtNode routes at the length bound', () => {
  it('reaches a contact named over a route at the bound through a shortcut to one of its relays', () => {
    const a = node({ maxRouteLength: 3 });
    const [l, m, r, c] = [newId(), newId(), newId(), newId()];
    a.connected(l, 0);
    a.connected(m, 0);
    // r is known only along [l, m, r]: three ids, the bound.
    const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: r } });
    const heard = a.receive(
      l,
      encodeEnvelope({ path: [toHex(r), toHex(m), toHex(l), a.id], hop: 3, message: ping }),
      1,
    );
    answerPings(a, heard, 1);
    expect(contactOf(a, r)?.route).toEqual([toHex(l), toHex(m), toHex(r)]);
    a.findNode(newId(), 2);
    const asks = sends(a.poll()).filter((x) => pathOf(x).at(-1) === toHex(r));
    expect(asks.map(pathOf)).toEqual([[toHex(l), toHex(m), toHex(r)]]);
    const q = messageOf(asks[0]?.data as Uint8Array);
    const answer = encodeKrpc({ y: 'r', t: q.t, r: { id: r, nodes: [c] } });
    a.receive(l, encodeEnvelope({ path: [toHex(r), toHex(m), toHex(l), a.id], hop: 3, message: answer }), 3);
    // [l, m, r, c] is one id too long; m is a live link, so [m, r, c] works.
    expect(a.hasRouteTo(c)).toBe(true);
    expect(sends(a.sendSignal(c, utf8('offer'), 4)).map(pathOf)).toEqual([[toHex(m), toHex(r), toHex(c)]]);
  });
});

describe('DhtNode connection budget', () => {
  it('caps links opened per hour, counting inbound ones', () => {
    const a = node({ maxConnectsPerHour: 5, maxConnections: 100 });
    for (let i = 0; i < 3; i++) a.connected(newId(), i); // inbound
    const out1 = a.connectTo(newId(), 10);
    const out2 = a.connectTo(newId(), 11);
    expect([...out1, ...out2].filter((x) => x.type === 'connect')).toHaveLength(2);
    expect(a.admit(newId(), 12)).toBe(false);
    const refused = a.connectTo(newId(), 13);
    expect(events(refused)).toEqual([expect.objectContaining({ type: 'connect-refused', reason: 'rate' })]);
    expect(a.snapshot(13).connections.openedLastHour).toBe(5);
    // An hour later the window has moved on.
    expect(a.admit(newId(), 3_600_000 + 20)).toBe(true);
    expect(a.connectTo(newId(), 3_600_000 + 20).some((x) => x.type === 'connect')).toBe(true);
  });

  it('stops for good at the lifetime cap', () => {
    const a = node({ maxConnectsLifetime: 4, maxConnectsPerHour: 100 });
    for (let i = 0; i < 4; i++) a.connected(newId(), i * 10 * 3_600_000);
    expect(a.admit(newId(), 100 * 3_600_000)).toBe(false);
    expect(events(a.connectTo(newId(), 100 * 3_600_000))[0]).toMatchObject({ reason: 'lifetime' });
  });

  it('closes unpinned links beyond maxConnections, never pinned ones', () => {
    const a = node({ maxConnections: 5, nearConnections: 2, maxConnectsPerHour: 100 });
    const pinned = newId();
    a.connectTo(pinned, 0);
    a.connected(pinned, 1);
    const closed: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (const x of a.connected(newId(), 2 + i)) if (x.type === 'disconnect') closed.push(x.to);
    }
    const live = a.snapshot().connections.live;
    expect(live).toHaveLength(5);
    expect(live).toContain(toHex(pinned));
    expect(closed).toHaveLength(6);
    expect(closed).not.toContain(toHex(pinned));
    for (const id of closed) expect(a.isConnected(id)).toBe(false);
  });

  it('counts admitted offers as pending, so offers within one setup time cannot overshoot the cap', () => {
    const a = new TestNode({
      id: new Uint8Array(20),
      random: seededRandom(6),
      maxConnections: 5,
      targetConnections: 3,
      nearConnections: 1,
      bucketConnections: 1,
    });
    const inBucket0 = (top: number): Uint8Array => {
      const id = random.bytes(20);
      id[0] = top;
      return id;
    };
    // Three links in bucket 0, over its quota of one; the offers are all farther away in it, so
    // none is worth closing a link for.
    for (let i = 0; i < 3; i++) a.connected(inBucket0(0x80 | i), i);
    // Ten offers arrive before any of them opens: only two fit (3 live + 2 pending = 5).
    const offers = Array.from({ length: 10 }, (_, i) => inBucket0(0xf0 | i));
    const admitted = offers.filter((id) => a.admit(id, 10));
    expect(admitted).toHaveLength(2);
    const c = a.snapshot(10).connections;
    expect(c.live.length + c.pending.length).toBe(5);
    expect(c.pending.sort()).toEqual(admitted.map(toHex).sort());
    // The same offer again (a resent signal) is still welcome and takes no second slot.
    expect(a.admit(admitted[0] as Uint8Array, 11)).toBe(true);
    expect(a.snapshot(11).connections.pending).toHaveLength(2);
    // One opens (no link has to close for it), the other fails: its slot is free again.
    expect(a.connected(admitted[0] as Uint8Array, 150).filter((x) => x.type === 'disconnect')).toEqual([]);
    a.disconnected(admitted[1] as Uint8Array, 160);
    expect(a.admit(offers[9] as Uint8Array, 170)).toBe(true);
    expect(a.admit(inBucket0(0xfe), 170)).toBe(false);
    // An admitted offer that never opens holds its slot only until the connect timeout.
    const expiry = 170 + DEFAULT_CONNECT_TIMEOUT_MS;
    expect(a.nextTimeout()).toBeLessThanOrEqual(expiry);
    a.handleTimeout(expiry);
    expect(a.snapshot(expiry).connections.pending).toEqual([]);
    expect(a.admit(inBucket0(0xfe), expiry + 1)).toBe(true);
  });

  it('counts admitted offers against the hourly cap before they open', () => {
    const a = node({ maxConnectsPerHour: 3, maxConnections: 100 });
    expect([0, 1, 2].map(() => a.admit(newId(), 5))).toEqual([true, true, true]);
    expect(a.admit(newId(), 6)).toBe(false);
    expect(events(a.connectTo(newId(), 7))).toEqual([expect.objectContaining({ reason: 'rate' })]);
  });

  /** A node with id 0 and room for four links, one per bucket and one near link. */
  const smallNode = (seed: number): TestNode =>
    new TestNode({
      id: new Uint8Array(20),
      random: seededRandom(seed),
      maxConnections: 4,
      nearConnections: 1,
      bucketConnections: 1,
    });
  /** An id whose first byte is `top`: 0x80 and above share bucket 0 of a node with id 0. */
  const far = (top: number): Uint8Array => {
    const id = random.bytes(20);
    id[0] = top;
    return id;
  };

  it('admits an offer when full only if the newcomer is worth more than a link it can close', () => {
    const a = smallNode(5);
    // Four links in bucket 0 (top bit set): the bucket is over its quota of one.
    for (let i = 0; i < 4; i++) a.connected(far(0x80 | i), i);
    expect(a.admit(far(0xc0), 10)).toBe(false); // yet another one in the crowded bucket
    const close = new Uint8Array(20);
    close[19] = 1;
    expect(a.admit(close, 10)).toBe(true); // nearest of all
    // The link it displaces closes at once (before the new one opens).
    const closed = a.poll().filter((x) => x.type === 'disconnect');
    expect(closed).toHaveLength(1);
    const c = a.snapshot(10).connections;
    expect(c.live.length + c.pending.length).toBe(4);
    expect(a.isConnected(closed[0]?.to as string)).toBe(false);
    // The admitted newcomer counts as a link already: another one in the crowded bucket is still refused.
    expect(a.admit(far(0xc1), 10)).toBe(false);
    expect(a.snapshot(10).connections.pending).toEqual([toHex(close)]);
    const out = a.connected(close, 11);
    expect(out.filter((x) => x.type === 'disconnect')).toHaveLength(0);
    expect(a.snapshot().connections.live).toHaveLength(4);
  });

  it('never closes the link of a peer that says it is one of its last two, to make room', () => {
    const a = smallNode(6);
    const linked = [0, 1, 2, 3].map((i) => far(0x80 | i));
    linked.forEach((id, i) => a.connected(id, i));
    // Each of the four peers has only its link to us (and says so with a ping carrying `ln`).
    for (const id of linked) {
      const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id, ln: 1 } });
      expect(sends(a.receive(id, ping, 5))).toHaveLength(1);
    }
    const close = new Uint8Array(20);
    close[19] = 1;
    expect(a.admit(close, 10)).toBe(false); // worth more, but every link is someone's lifeline
    // A peer that reports more links is fair game again.
    const first = linked[0] as Uint8Array;
    a.receive(first, encodeKrpc({ y: 'q', t, q: 'ping', a: { id: first, ln: 5 } }), 11);
    expect(a.admit(close, 12)).toBe(true);
    expect(a.poll().filter((x) => x.type === 'disconnect')).toEqual([
      expect.objectContaining({ to: toHex(first) }),
    ]);
  });

  it('keeps its link to a super-peer, which says so on each new link, when it makes room for a better one', () => {
    const a = smallNode(7);
    // Three links in bucket 0, all nearer than the super-peer that comes last: the youngest link,
    // in the crowded bucket, outside the near set, so the first to go were it not an anchor.
    for (let i = 0; i < 3; i++) a.connected(far(0x80 | i), i);
    const spId = far(0x90);
    const sp = node({ ...SUPER_PEER_DHT, id: spId });
    // The super-peer pings each new link at once, and every query it sends says what it is.
    const hello = sends(sp.connected(a.id, 3)).map((s) => messageOf(s.data));
    expect(hello).toContainEqual(expect.objectContaining({ q: 'ping' }));
    for (const query of hello) expect(query).toMatchObject({ y: 'q', a: { sp: 1 } });
    a.connected(spId, 3);
    expect(a.snapshot(3).connections.anchors).toEqual([]);
    for (const query of hello) a.receive(spId, encodeKrpc(query), 4);
    expect(a.snapshot(4).connections.anchors).toEqual([sp.id]);
    const close = new Uint8Array(20);
    close[19] = 1;
    expect(a.admit(close, 10)).toBe(true);
    const closed = a.poll().filter((x) => x.type === 'disconnect');
    expect(closed).toHaveLength(1);
    expect(closed[0]?.to).not.toBe(sp.id);
    expect(a.snapshot(10).connections.anchors).toEqual([sp.id]);
  });

  it('tells its links how many it has once it has few (a ping with ln)', () => {
    const a = node({ maxConnections: 10 });
    const peers = [newId(), newId(), newId(), newId()];
    const pings = (actions: DhtAction[]): (number | undefined)[] =>
      sends(actions)
        .map((s) => messageOf(s.data))
        .flatMap((m) => (m.y === 'q' && m.q === 'ping' ? [m.a.ln] : []));
    expect(pings(a.connected(peers[0] as Uint8Array, 0))).toEqual([1]);
    expect(pings(a.connected(peers[1] as Uint8Array, 1))).toEqual([2, 2]);
    expect(pings(a.connected(peers[2] as Uint8Array, 2))).toEqual([3, 3, 3]);
    expect(pings(a.connected(peers[3] as Uint8Array, 3))).toEqual([]); // four is enough
    expect(pings(a.disconnected(peers[3] as Uint8Array, 4))).toEqual([3, 3, 3]);
  });
});

describe('DhtNode stores issued before joining or stored at nobody', () => {
  const OPTIONS = {
    k: 8,
    maxConnections: 10,
    targetConnections: 7,
    nearConnections: 3,
    bucketConnections: 1,
  };
  /** A joined network of `n` nodes over the synchronous shuttle. */
  function network(seed: number, n: number): { net: Shuttle; ids: string[] } {
    const net = new Shuttle(seed, { ...OPTIONS, rpcTimeoutMs: 500, relayHopTimeoutMs: 250 });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const x = net.add();
      const known =
        ids.length > 0 ? Array.from({ length: 3 }, () => ids[net.random.int(ids.length)] as string) : [];
      ids.push(x.id);
      net.input(x.id, (n, now) => n.bootstrap(known, now));
      net.advance(3000, 500);
    }
    return { net, ids };
  }
  const doneOf = (net: Shuttle, node: string, queryId: number): LookupDone | undefined =>
    net.eventsOf('lookup-done').find((e) => e.node === node && e.event.queryId === queryId)?.event;

  it('holds a put and an announce issued before joining until the node has joined', () => {
    const { net, ids } = network(testSeed('dht early store', 91), 12);
    const late = net.add();
    const infoHash = toHex(net.random.bytes(20));
    const ann = net.input(late.id, (n, now) => n.announce(infoHash, now));
    const put = net.input(late.id, (n, now) => n.put(utf8('early'), now));
    expect(late.snapshot().counters.framesOut).toBe(0); // nothing sent before joining
    expect(doneOf(net, late.id, ann)).toBeUndefined();
    net.input(late.id, (n, now) => n.bootstrap(ids.slice(0, 3), now));
    net.advance(3000, 500);
    expect(net.eventsOf('joined').some((e) => e.node === late.id)).toBe(true);
    const annDone = doneOf(net, late.id, ann);
    const putDone = doneOf(net, late.id, put.queryId);
    expect(annDone).toMatchObject({ kind: 'announce', target: infoHash });
    expect(putDone).toMatchObject({ kind: 'put', target: put.key });
    expect(annDone?.stored).toBeGreaterThanOrEqual(4);
    expect(putDone?.stored).toBeGreaterThanOrEqual(4);
    const asker = ids[5] as string;
    const got = net.input(asker, (n, now) => n.getPeers(infoHash, now));
    net.advance(3000, 500);
    expect(doneOf(net, asker, got)?.peers).toContain(late.id);
  });

  it('counts its own store in get_peers and get: in a two-tab network the other tab stored there', () => {
    const { net, ids } = network(testSeed('dht two tabs', 93), 2);
    const [x, y] = ids as [string, string];
    const infoHash = toHex(net.random.bytes(20));
    net.input(x, (n, now) => n.announce(infoHash, now));
    const put = net.input(x, (n, now) => n.put(utf8('only two of us'), now));
    net.advance(3000, 500);
    // Both landed at y, the only other node; y's lookups ask x, which keeps neither.
    const peers = net.input(y, (n, now) => n.getPeers(infoHash, now));
    const value = net.input(y, (n, now) => n.get(put.key, now));
    net.advance(3000, 500);
    expect(doneOf(net, y, peers)?.peers).toEqual([x]);
    expect(doneOf(net, y, value)?.value).toEqual(utf8('only two of us'));
  });

  it('tries a store that reached nobody once more shortly after, reporting one lookup-done', () => {
    const { net, ids } = network(testSeed('dht store retry', 92), 12);
    const author = net.node(ids[3] as string);
    // Every store message is lost for a while.
    const storeMessage = (data: Uint8Array): boolean =>
      /13:announce_peer|3:put/.test(String.fromCharCode(...data));
    net.filter = (_from, _to, data) => !storeMessage(data);
    const start = net.now;
    const ann = net.input(author.id, (n, now) => n.announce(toHex(net.random.bytes(20)), now));
    net.advance(5000, 500);
    // The lookup ran and every store timed out: no result yet, a retry is due.
    expect(doneOf(net, author.id, ann)).toBeUndefined();
    net.filter = () => true;
    net.advance(STORE_RETRY_MS, 500);
    const done = doneOf(net, author.id, ann);
    expect(done?.stored).toBeGreaterThanOrEqual(4);
    expect(done?.timeouts).toBeGreaterThanOrEqual(4); // the first try's lost stores are counted
    expect(done?.startedAt).toBe(start);
    expect(done?.durationMs).toBeGreaterThanOrEqual(STORE_RETRY_MS);
    expect(
      net.eventsOf('lookup-done').filter((e) => e.event.queryId === ann && e.node === author.id),
    ).toHaveLength(1);
  });

  it('does not wait for ever for a join that never comes', () => {
    const a = node();
    const { queryId } = a.put(utf8('alone'), 0);
    expect(a.poll()).toEqual([]);
    const found: LookupDone[] = [];
    const step = (now: number): void => {
      for (const e of events(a.handleTimeout(now)))
        if (e.type === 'lookup-done' && e.queryId === queryId) found.push(e);
    };
    // It waits for the join, stores at nobody, and its retry waits for the join again.
    const end = STORE_JOIN_WAIT_MS + STORE_RETRY_MS + STORE_JOIN_WAIT_MS;
    for (let now = 1000; now < end; now += 1000) step(now);
    expect(found).toEqual([]);
    for (let now = end; now <= end + 10_000; now += 1000) step(now);
    expect(found).toEqual([expect.objectContaining({ kind: 'put', stored: 0, durationMs: end })]);
  });
});

describe('DhtNode super-peers', () => {
  /** Hands `from`'s sends to `to` to it; returns what `to` queued in answer. */
  function deliver(from: TestNode, to: TestNode, actions: DhtAction[], now: number): DhtAction[] {
    return sends(actions)
      .filter((s) => s.to === to.id)
      .flatMap((s) => to.receive(from.id, s.data, now));
  }
  const connects = (actions: DhtAction[]): string[] =>
    actions.flatMap((x) => (x.type === 'connect' ? [x.to] : []));

  it('names super-peers in its answers, and a node at its target asks one for a link', () => {
    const s = node({ ...SUPER_PEER_DHT });
    const b = node();
    // One link is all the asker wants: without a super-peer named to it, it asks for no other.
    const a = node({ targetConnections: 1, bootstrapConnections: 1 });
    b.connected(s.id, 0);
    deliver(s, b, s.connected(b.id, 0), 1); // the super-peer's ping says what it is
    expect(connects(a.bootstrap([b.id], 2))).toEqual([b.id]);
    b.connected(a.id, 3);
    const join = a.connected(b.id, 3); // the join lookup asks b
    const answers = deliver(a, b, join, 4);
    const answer = sends(answers)
      .map((x) => messageOf(x.data))
      .find((m) => m.y === 'r' && m.r.nodes !== undefined);
    expect(answer).toMatchObject({ r: { sn: [fromHex(s.id)] } });
    deliver(b, a, answers, 5);
    // The lookup's query to the super-peer through b goes unanswered; the lookup ends, then upkeep.
    const asked: string[] = [];
    for (let now = 6_000; now <= 130_000; now += 1000) asked.push(...connects(a.handleTimeout(now)));
    expect(asked).toEqual([s.id]);
  });

  it('a super-peer names itself in every answer', () => {
    const s = node({ ...SUPER_PEER_DHT });
    const a = node();
    s.connected(a.id, 0);
    const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: fromHex(a.id) as Uint8Array } });
    const [answer] = sends(s.receive(a.id, ping, 1)).map((x) => messageOf(x.data));
    expect(answer).toMatchObject({ y: 'r', r: { sn: [fromHex(s.id)] } });
  });
});

describe('DhtNode in an island', () => {
  /** `a` joined through `b`, which knows nobody else: `a`'s one contact is its one link. */
  function joinedPair(options: Partial<ConstructorParameters<typeof DhtNode>[0]>): TestNode {
    const a = node(options);
    const b = node();
    a.bootstrap([b.id], 0);
    b.connected(a.id, 1);
    const join = a.connected(b.id, 1);
    for (const s of sends(join))
      for (const x of sends(b.receive(a.id, s.data, 2))) a.receive(b.id, x.data, 3);
    return a;
  }
  const asks = (actions: DhtAction[]): DhtEvent[] =>
    events(actions).filter((e) => e.type === 'need-contacts');

  it('asks the server for contacts when below its link target it knows no peer beyond its links, and links to them', () => {
    const a = joinedPair({});
    const heard: DhtEvent[] = [];
    for (let now = 1_000; now <= 70_000; now += 1000) heard.push(...asks(a.handleTimeout(now)));
    expect(a.snapshot().joined).toBe(true);
    expect(heard).toEqual([{ type: 'need-contacts', reason: 'it knows no peer beyond its links' }]);
    // The server's answer: new peers, and the one it is linked to already.
    const fresh = [node().id, node().id];
    const linked = a.snapshot().connections.live;
    const asked = a
      .bootstrap([...fresh, ...linked], 71_000)
      .flatMap((x) => (x.type === 'connect' ? [x.to] : []));
    expect(asked.sort()).toEqual([...fresh].sort());
  });

  it('an island whose answer brings nobody new carries on as it is: no link asked for, no lookup', () => {
    const a = joinedPair({});
    for (let now = 1_000; now <= 70_000; now += 1000) a.handleTimeout(now);
    const linked = a.snapshot().connections.live;
    expect(a.bootstrap(linked, 71_000)).toEqual([]);
    expect(a.snapshot().joined).toBe(true);
  });

  it('does not ask once its links reach its target', () => {
    const a = joinedPair({ targetConnections: 1 });
    const heard: DhtEvent[] = [];
    for (let now = 1_000; now <= 70_000; now += 1000) heard.push(...asks(a.handleTimeout(now)));
    expect(a.snapshot().joined).toBe(true);
    expect(heard).toEqual([]);
  });
});
