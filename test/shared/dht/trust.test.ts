import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import type { DhtNode } from '../../../shared/dht/dht-node.js';
import { decodeKrpc, encodeKrpc, KrpcErrorCode } from '../../../shared/dht/krpc.js';
import type { KrpcMessage } from '../../../shared/dht/krpc.js';
import { DEFAULT_SETTINGS } from '../../../shared/dht/node-core.js';
import { decodeFrame, encodeEnvelope } from '../../../shared/dht/relay.js';
import {
  DEFAULT_MAX_FAILED_CONNECTS_LIFETIME,
  LinkManager,
  MAX_RETRY_DOUBLINGS,
} from '../../../shared/dht/link-manager.js';
import { RoutingTable } from '../../../shared/dht/routing-table.js';
import { MAX_ITEMS_PER_ASKER } from '../../../shared/dht/store.js';
import type { DhtAction } from '../../../shared/dht/types.js';
import { TestNode } from './helpers/test-node.js';
import { testSeed } from './helpers/seed.js';

/**
 * Regression tests of the hardening issue: what a node must not take on the word of a peer
 * (tokens, stores, contacts learned through relays, notices). Each reproduces one attack.
 */
const random = seededRandom(testSeed('dht-trust', 97));
const newId = (): Uint8Array => random.bytes(20);
const t = new Uint8Array([1, 2]);

function node(options: Partial<ConstructorParameters<typeof DhtNode>[0]> = {}): TestNode {
  return new TestNode({ id: newId(), random: seededRandom(random.int(1e9)), ...options });
}
function sends(actions: DhtAction[]): Extract<DhtAction, { type: 'send' }>[] {
  return actions.filter((a): a is Extract<DhtAction, { type: 'send' }> => a.type === 'send');
}
function messageOf(data: Uint8Array): KrpcMessage {
  const frame = decodeFrame(data, 8);
  return frame.kind === 'envelope' ? decodeKrpc(frame.envelope.message as Uint8Array) : decodeKrpc(data);
}
/** `peer` (a live link of `a`) asks `a` something directly; the answer. */
function asker(a: TestNode, peer: Uint8Array) {
  return (m: KrpcMessage, now: number): KrpcMessage =>
    messageOf(sends(a.receive(peer, encodeKrpc(m), now))[0]?.data as Uint8Array);
}
function tokenOf(m: KrpcMessage): Uint8Array {
  return m.y === 'r' ? (m.r.token as Uint8Array) : new Uint8Array();
}

describe('tokens and stores', () => {
  it('binds a token to the info-hash it was issued for', () => {
    const a = node();
    const peer = newId();
    a.connected(peer, 0);
    const ask = asker(a, peer);
    const ih = newId();
    const elsewhere = newId();
    const token = tokenOf(ask({ y: 'q', t, q: 'get_peers', a: { id: peer, info_hash: ih } }, 1));
    const other = ask({ y: 'q', t, q: 'announce_peer', a: { id: peer, info_hash: elsewhere, token } }, 2);
    expect(other).toMatchObject({ y: 'e', e: [KrpcErrorCode.Protocol, 'bad token'] });
    expect(ask({ y: 'q', t, q: 'announce_peer', a: { id: peer, info_hash: ih, token } }, 3).y).toBe('r');
  });

  it('stores the asker as the peer, never an id the asker names', () => {
    const a = node();
    const peer = newId();
    a.connected(peer, 0);
    const ask = asker(a, peer);
    const ih = newId();
    const victim = newId();
    const token = tokenOf(ask({ y: 'q', t, q: 'get_peers', a: { id: peer, info_hash: ih } }, 1));
    const named = ask(
      { y: 'q', t, q: 'announce_peer', a: { id: peer, info_hash: ih, token, peer: victim } },
      2,
    );
    expect(named.y).toBe('e');
    const self = ask({ y: 'q', t, q: 'announce_peer', a: { id: peer, info_hash: ih, token, peer } }, 3);
    expect(self.y).toBe('r');
    const peers = ask({ y: 'q', t, q: 'get_peers', a: { id: peer, info_hash: ih } }, 4);
    expect(peers.y === 'r' && peers.r.values?.map(toHex)).toEqual([toHex(peer)]);
  });

  it('caps what one asker can store, so honest announces still get stored', () => {
    const a = node();
    const greedy = newId();
    const honest = newId();
    a.connected(greedy, 0);
    a.connected(honest, 0);
    const askGreedy = asker(a, greedy);
    let accepted = 0;
    for (let i = 0; i < 3 * MAX_ITEMS_PER_ASKER; i++) {
      const ih = newId();
      const token = tokenOf(askGreedy({ y: 'q', t, q: 'get_peers', a: { id: greedy, info_hash: ih } }, 1));
      const r = askGreedy({ y: 'q', t, q: 'announce_peer', a: { id: greedy, info_hash: ih, token } }, 1);
      if (r.y === 'r') accepted++;
    }
    expect(accepted).toBe(MAX_ITEMS_PER_ASKER);
    const ih = newId();
    const askHonest = asker(a, honest);
    const token = tokenOf(askHonest({ y: 'q', t, q: 'get_peers', a: { id: honest, info_hash: ih } }, 2));
    expect(askHonest({ y: 'q', t, q: 'announce_peer', a: { id: honest, info_hash: ih, token } }, 2).y).toBe(
      'r',
    );
  });
});

describe('notices', () => {
  it('ignores a notice about a route our query did not take', () => {
    const a = node();
    const relay = newId();
    const liar = newId();
    const x = newId();
    a.connected(relay, 0);
    a.connected(liar, 0);
    // x asks through `relay`: a knows the route [relay, x].
    const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: x } });
    a.receive(relay, encodeEnvelope({ path: [toHex(x), toHex(relay), a.id], hop: 2, message: ping }), 1);
    expect(a.hasRouteTo(x)).toBe(true);
    const out = a.sendSignal(x, new Uint8Array([1]), 2);
    expect(sends(out)[0]?.to).toBe(toHex(relay));
    // `liar` claims that `relay` had no link to x; the query never went through `liar`.
    const forged = encodeEnvelope({
      path: [toHex(relay), toHex(liar), a.id],
      hop: 2,
      unreachable: toHex(x),
      destination: toHex(x),
    });
    const after = a.receive(liar, forged, 3);
    expect(a.hasRouteTo(x)).toBe(true);
    expect(after.some((o) => o.type === 'event' && o.event.type === 'signal-failed')).toBe(false);
    // The same notice from `relay` itself is believed.
    const real = encodeEnvelope({
      path: [toHex(relay), a.id],
      hop: 1,
      unreachable: toHex(x),
      destination: toHex(x),
    });
    const failed = a.receive(relay, real, 4);
    expect(a.hasRouteTo(x)).toBe(false);
    // ...and acted on: the signal goes again another way (a detour) or fails.
    const acted =
      sends(failed).length > 0 || failed.some((o) => o.type === 'event' && o.event.type === 'signal-failed');
    expect(acted).toBe(true);
  });

  it('drops only routes through the relays a notice came back over', () => {
    const a = node();
    const [first, second, hop, x, z] = [newId(), newId(), newId(), newId(), newId()];
    a.connected(first, 0);
    a.connected(second, 0);
    // x asks through first and hop: a knows [first, hop, x]. z asks through second, hop and x:
    // a knows [second, hop, x, z], which uses the hop hop -> x too.
    const ping = (id: Uint8Array): Uint8Array => encodeKrpc({ y: 'q', t, q: 'ping', a: { id } });
    const via = (path: Uint8Array[], m: Uint8Array): Uint8Array =>
      encodeEnvelope({ path: [...path.map(toHex), a.id], hop: path.length, message: m });
    a.receive(first, via([x, hop, first], ping(x)), 1);
    a.receive(second, via([z, x, hop, second], ping(z)), 2);
    expect(a.hasRouteTo(x) && a.hasRouteTo(z)).toBe(true);
    const out = a.sendSignal(x, new Uint8Array([1]), 3);
    expect(sends(out)[0]?.to).toBe(toHex(first));
    // `first` claims `hop` had no link to x: it could as well drop the query, and all it can
    // break are routes through itself, not z's through `second`.
    const notice = encodeEnvelope({
      path: [toHex(hop), toHex(first), a.id],
      hop: 2,
      unreachable: toHex(x),
      destination: toHex(x),
    });
    a.receive(first, notice, 4);
    expect(a.hasRouteTo(x)).toBe(false);
    expect(a.hasRouteTo(z)).toBe(true);
  });

  it('counts notices it bounces back against the relay rate limit', () => {
    const a = node();
    const back = newId();
    const from = newId();
    a.connected(back, 0);
    a.connected(from, 0);
    const notice = encodeEnvelope({
      path: [toHex(from), a.id, toHex(back)],
      hop: 1,
      unreachable: toHex(newId()),
      destination: toHex(newId()),
    });
    let forwarded = 0;
    for (let i = 0; i < 2 * DEFAULT_SETTINGS.maxRelayPerSecond; i++)
      forwarded += sends(a.receive(from, notice, 1000)).filter((s) => s.to === toHex(back)).length;
    expect(forwarded).toBe(DEFAULT_SETTINGS.maxRelayPerSecond);
  });
});

/** An id that shares its first `bits` bits with `id` (the rest random). */
function near(id: string, bits: number): Uint8Array {
  const out = newId();
  const own = fromHex(id) as Uint8Array;
  const bytes = bits >> 3;
  out.set(own.subarray(0, bytes));
  return out;
}

/**
 * A node whose only link is `m`, joined: `m` answers its join and refresh queries with no
 * contacts. Returns the outputs of the last input.
 */
function joinedThrough(a: TestNode, m: Uint8Array): void {
  a.bootstrap([m], 0);
  let out = a.connected(m, 0);
  for (let i = 0; i < 20; i++) {
    const queries = sends(out).map((s) => messageOf(s.data));
    if (queries.length === 0) break;
    out = [];
    for (const q of queries)
      if (q.y === 'q') out.push(...a.receive(m, encodeKrpc({ y: 'r', t: q.t, r: { id: m, nodes: [] } }), 1));
  }
  expect(a.snapshot().joined).toBe(true);
}

describe('contacts learned through a relay', () => {
  it('a made-up origin of a relayed query gets no place in the table and no link', () => {
    const a = node();
    const m = newId();
    joinedThrough(a, m);
    const fakes = Array.from({ length: 30 }, () => near(a.id, 24));
    for (const [i, fake] of fakes.entries()) {
      const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: fake } });
      a.receive(m, encodeEnvelope({ path: [toHex(fake), toHex(m), a.id], hop: 2, message: ping }), 10 + i);
    }
    const later = a.handleTimeout(DEFAULT_SETTINGS.maintenanceIntervalMs + 100);
    const ids = new Set(fakes.map(toHex));
    const known = a.snapshot().buckets.flatMap((b) => b.contacts.map((c) => c.id));
    expect(known.filter((id) => ids.has(id))).toEqual([]);
    expect(later.filter((o) => o.type === 'connect' && ids.has(o.to))).toEqual([]);
  });

  it('takes an answer only along the route its query went', () => {
    const a = node();
    const [relay, liar, x] = [newId(), newId(), newId()];
    a.connected(relay, 0);
    a.connected(liar, 0);
    const ping = encodeKrpc({ y: 'q', t, q: 'ping', a: { id: x } });
    a.receive(relay, encodeEnvelope({ path: [toHex(x), toHex(relay), a.id], hop: 2, message: ping }), 1);
    const query = sends(a.sendSignal(x, new Uint8Array([1]), 2)).map((s) =>
      messageOf(s.data),
    )[0] as KrpcMessage;
    const ack = encodeKrpc({ y: 'r', t: query.t, r: { id: x } });
    // `liar` knows (or guessed) the transaction id, and answers for x along its own link.
    const forged = a.receive(
      liar,
      encodeEnvelope({ path: [toHex(x), toHex(liar), a.id], hop: 2, message: ack }),
      3,
    );
    expect(forged).toContainEqual(
      expect.objectContaining({ type: 'event', event: expect.objectContaining({ type: 'message-dropped' }) }),
    );
    // x's own answer, along the way the query went, is still taken.
    const real = a.receive(
      relay,
      encodeEnvelope({ path: [toHex(x), toHex(relay), a.id], hop: 2, message: ack }),
      4,
    );
    expect(real.some((o) => o.type === 'event' && o.event.type === 'message-dropped')).toBe(false);
  });
});

describe('the link budget', () => {
  it('cannot be used up by contacts whose links never open', () => {
    const own = newId();
    const table = new RoutingTable(own);
    for (let i = 0; i < 60; i++) table.add(newId(), 0);
    const links = new LinkManager();
    const day = 24 * 3_600_000;
    let asked = 0;
    for (let now = 0; now < day; now += 60_000) {
      links.sweepFailed(now);
      for (const id of links.wanted(table, now, () => true)) {
        links.request(id, now, false);
        asked++;
        links.linkClosed(id, now + 1000); // ICE failed: the id never answers
      }
    }
    expect(asked).toBeLessThanOrEqual(DEFAULT_MAX_FAILED_CONNECTS_LIFETIME);
    expect(links.refusal(day)).toBeUndefined();
    expect(links.openedLifetime).toBeLessThanOrEqual(links.maxConnectsLifetime - links.maxConnectsPerHour);
  });

  it('backs off a contact longer after each failure in a row', () => {
    const own = newId();
    const table = new RoutingTable(own);
    const x = newId();
    table.add(x, 0);
    const links = new LinkManager();
    const tries: number[] = [];
    for (let now = 0; now < 12 * 3_600_000; now += 60_000) {
      links.sweepFailed(now);
      if (links.wanted(table, now, () => true).includes(toHex(x))) {
        tries.push(now);
        links.request(toHex(x), now, false);
        links.linkClosed(toHex(x), now);
      }
    }
    const gaps = tries.slice(1).map((at, i) => at - (tries[i] as number));
    expect(gaps.slice(0, 3)).toEqual([1, 2, 4].map((f) => f * links.retryAfterMs));
    expect(Math.max(...gaps)).toBe(2 ** MAX_RETRY_DOUBLINGS * links.retryAfterMs);
  });
});
