import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { identitySigner, verify } from '../../../shared/identity/index.js';
import type { Identity } from '../../../shared/identity/index.js';
import { seededRandom } from '../../../shared/random.js';
import { encodeKrpc, KrpcErrorCode } from '../../../shared/dht/krpc.js';
import type { KrpcMessage, KrpcResponseValues } from '../../../shared/dht/krpc.js';
import { OriginAuth, proofReason } from '../../../shared/dht/origin-proof.js';
import { SIGNING_BUSY } from '../../../shared/dht/query-answer.js';
import type { DhtEvent } from '../../../shared/dht/types.js';
import type { TestNode } from './helpers/test-node.js';
import { testSeed } from './helpers/seed.js';
import {
  contacts,
  dropped,
  eventsOf,
  queriesOut,
  relayedTo,
  replyOf,
  signedNodes,
} from './helpers/signed-nodes.js';

/**
 * Regression tests of the hardening issue, answers: a relay on the way back can answer any query
 * in the destination's name. Every answer that comes back through relays carries its responder's
 * proof; a node with a verifier takes no other.
 */
const random = seededRandom(testSeed('dht-answer-proof', 211));
const { newIdentity, node } = signedNodes(random);
const t = new Uint8Array([5, 6]);
/** Bytes a made-up id shares with the target it is made up for. */
const NEAR_PREFIX = 8;

/** Ids next to `target` that nobody holds: what a forging relay puts in its answers. */
function madeUp(target: Uint8Array, count = 4): Uint8Array[] {
  return Array.from({ length: count }, () => {
    const id = random.bytes(20);
    id.set(target.subarray(0, NEAR_PREFIX));
    return id;
  });
}

type LookupQ = 'find_node' | 'get_peers';
type Query = Extract<KrpcMessage, { y: 'q' }>;

function lookupKey(m: Query): Uint8Array | undefined {
  if (m.q === 'find_node') return m.a.target;
  if (m.q === 'get_peers') return m.a.info_hash;
  return undefined;
}

/**
 * `a` (signs, checks proofs) has one link, `relay`. It looks up `target`: it asks `relay`, which
 * answers over the link (no proof needed) naming `x`, a node it has a link to; so `a` asks `x`
 * through `relay`. Returns that query: whatever comes back for it comes through `relay`.
 */
function lookupThroughRelay(q: LookupQ) {
  const [self, relay, x] = [newIdentity(), newIdentity(), newIdentity()];
  const a = node(self);
  a.connected(relay.peerId, 0);
  const target = random.bytes(20);
  if (q === 'find_node') a.findNode(target, 1);
  else a.getPeers(target, 1);
  const ofTarget = (to: Identity) => (o: { to: string; m: Query }) =>
    o.to === toHex(to.peerId) && o.m.q === q && toHex(lookupKey(o.m) ?? new Uint8Array()) === toHex(target);
  const first = queriesOut(a.poll()).find(ofTarget(relay));
  if (!first) throw new Error(`no ${q} to the relay`);
  const direct: KrpcMessage = { y: 'r', t: first.m.t, r: { id: relay.peerId, nodes: [x.peerId] } };
  const out = a.receive(relay.peerId, encodeKrpc(direct), 2);
  expect(dropped(out)).toEqual([]);
  const toX = queriesOut(out).find(ofTarget(x));
  if (!toX) throw new Error(`no ${q} to x through the relay`);
  return { self, a, relay, x, target, query: toX.m };
}

/** The lookup-done of the lookup of `target` among the events. */
function doneOf(events: DhtEvent[], target: Uint8Array): Extract<DhtEvent, { type: 'lookup-done' }> {
  const done = events.find(
    (e): e is Extract<DhtEvent, { type: 'lookup-done' }> =>
      e.type === 'lookup-done' && e.target === toHex(target),
  );
  if (!done) throw new Error('the lookup did not finish');
  return done;
}

/** `x`'s own node answers `query` from `asker` (the relay carries both ways). */
function genuineAnswer(x: Identity, relay: Identity, asker: Identity, query: Query): KrpcMessage {
  const o = node(x);
  o.connected(relay.peerId, 0);
  const answer = replyOf(relayedTo(o, relay.peerId, asker.peerId, query, 2));
  if (answer?.y !== 'r') throw new Error('no answer');
  return answer;
}

/** `a`'s ping to `to` among its outputs (the verification ping of an origin it just heard of). */
function pingTo(out: ReturnType<TestNode['receive']>, to: Uint8Array): Query | undefined {
  return queriesOut(out).find((o) => o.to === toHex(to) && o.m.q === 'ping')?.m;
}
/** `a` hears of `origin` through `relay` (a relayed find_node) and pings it; the ping. */
function heardOf(a: TestNode, relay: Identity, origin: Uint8Array, now: number): Query {
  const asked: KrpcMessage = { y: 'q', t, q: 'find_node', a: { id: origin, target: origin } };
  const ping = pingTo(relayedTo(a, relay.peerId, origin, asked, now), origin);
  if (!ping) throw new Error('no verification ping');
  return ping;
}

describe('answers that come back through relays carry their responder’s proof', () => {
  it('a relay forging a find_node answer in another’s name is refused, and the lookup moves on', () => {
    const { a, relay, x, target, query } = lookupThroughRelay('find_node');
    const fakes = madeUp(target);
    const forged: KrpcMessage = { y: 'r', t: query.t, r: { id: x.peerId, nodes: fakes } };
    const out = relayedTo(a, relay.peerId, x.peerId, forged, 3);
    expect(dropped(out)).toEqual([proofReason('answer', 'missing')]);
    expect(a.snapshot().counters.answersRefused).toBe(1);
    const asked = queriesOut(out).map((o) => o.to);
    for (const f of fakes) expect(asked).not.toContain(toHex(f));
    // A non-answer: x leaves the lookup, which ends with what was proven.
    expect(doneOf(eventsOf(out), target).closest).toEqual([toHex(relay.peerId)]);
  });

  it('refuses an answer the relay signed with its own key in another’s name', () => {
    const { self, a, relay, x, target, query } = lookupThroughRelay('find_node');
    const r: KrpcResponseValues = { id: x.peerId, nodes: madeUp(target) };
    const proof = new OriginAuth(relay.peerId, identitySigner(relay)).proveAnswer(self.peerId, query.t, r);
    const out = relayedTo(a, relay.peerId, x.peerId, { y: 'r', t: query.t, r: { ...r, ...proof } }, 3);
    expect(dropped(out)).toEqual([proofReason('answer', 'key')]);
    expect(a.snapshot().counters.answersRefused).toBe(1);
  });

  it('refuses a genuine answer whose contacts a relay changed', () => {
    const { self, a, relay, x, target, query } = lookupThroughRelay('find_node');
    const genuine = genuineAnswer(x, relay, self, query);
    if (genuine.y !== 'r') throw new Error('no answer');
    const changed: KrpcMessage = { ...genuine, r: { ...genuine.r, nodes: madeUp(target) } };
    const out = relayedTo(a, relay.peerId, x.peerId, changed, 3);
    expect(dropped(out)).toEqual([proofReason('answer', 'signature')]);
    expect(a.snapshot().counters.answersRefused).toBe(1);
  });

  it('takes the responder’s own answer through the relay', () => {
    const { self, a, relay, x, target, query } = lookupThroughRelay('find_node');
    const genuine = genuineAnswer(x, relay, self, query);
    expect(genuine).toMatchObject({ y: 'r', r: { k: x.publicKey } });
    const out = relayedTo(a, relay.peerId, x.peerId, genuine, 3);
    expect(dropped(out)).toEqual([]);
    expect(doneOf(eventsOf(out), target).closest).toContain(toHex(x.peerId));
    expect(a.snapshot().counters).toMatchObject({ answersChecked: 1, answersRefused: 0 });
  });

  it('a relay forging a get_peers answer with made-up peers is refused', () => {
    const { a, relay, x, target, query } = lookupThroughRelay('get_peers');
    const forged: KrpcMessage = {
      y: 'r',
      t: query.t,
      r: { id: x.peerId, values: madeUp(target), nodes: madeUp(target), token: random.bytes(8) },
    };
    const out = relayedTo(a, relay.peerId, x.peerId, forged, 3);
    expect(dropped(out)).toEqual([proofReason('answer', 'missing')]);
    expect(a.snapshot().counters.answersRefused).toBe(1);
    expect(doneOf(eventsOf(out), target).peers).toEqual([]);
  });

  it('signs answers that go back through relays, and only those', () => {
    const [self, peer, origin] = [newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(peer.peerId, 0);
    const ask = (id: Uint8Array): KrpcMessage => ({ y: 'q', t, q: 'find_node', a: { id, target: id } });
    const direct = replyOf(a.receive(peer.peerId, encodeKrpc(ask(peer.peerId)), 1));
    expect(direct?.y === 'r' && direct.r.k).toBeUndefined();
    const relayed = replyOf(relayedTo(a, peer.peerId, origin.peerId, ask(origin.peerId), 2));
    if (relayed?.y !== 'r') throw new Error('no answer');
    expect(relayed.r.k).toEqual(self.publicKey);
    expect(new OriginAuth(origin.peerId, undefined, verify).answerProblem(t, relayed.r)).toBeUndefined();
  });

  it('signs at most maxSignedAnswersPerSecond answers through relays a second; past it, error 202', () => {
    const [self, peer, origin] = [newIdentity(), newIdentity(), newIdentity()];
    const limit = 3;
    const a = node(self, { maxSignedAnswersPerSecond: limit });
    a.connected(peer.peerId, 0);
    const ask: KrpcMessage = { y: 'q', t, q: 'find_node', a: { id: origin.peerId, target: origin.peerId } };
    const at = (now: number): KrpcMessage | undefined =>
      replyOf(relayedTo(a, peer.peerId, origin.peerId, ask, now));
    for (let i = 0; i < limit; i++) expect(at(1000 + i)?.y).toBe('r');
    const over = relayedTo(a, peer.peerId, origin.peerId, ask, 1500);
    expect(replyOf(over)).toMatchObject({ y: 'e', e: [KrpcErrorCode.Server, SIGNING_BUSY] });
    expect(dropped(over)).toEqual([SIGNING_BUSY]);
    // Direct queries cost no signature and are answered; the next second has its budget again.
    const direct: KrpcMessage = { y: 'q', t, q: 'find_node', a: { id: peer.peerId, target: origin.peerId } };
    expect(replyOf(a.receive(peer.peerId, encodeKrpc(direct), 1600))?.y).toBe('r');
    expect(at(2000)?.y).toBe('r');
  });

  it('checks nothing and signs nothing without a verifier and a signer (as before)', () => {
    const bare = new OriginAuth(random.bytes(20));
    expect(bare.proveAnswer(random.bytes(20), t, { id: random.bytes(20) })).toEqual({});
    expect(bare.answerProblem(t, { id: random.bytes(20) })).toBeUndefined();
    expect(bare.checks).toBe(false);
  });
});

describe('a contact heard through a relay proves its key when it answers our ping', () => {
  it('a relay that makes up an origin and answers our ping for it does not make it a contact', () => {
    const [self, relay] = [newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    const fakes = [random.bytes(20), random.bytes(20)];
    // The relay's own key and signature, in a made-up id's name: the key is not the id's.
    const relayAuth = new OriginAuth(relay.peerId, identitySigner(relay));
    const forgeries = [
      { proof: (): object => ({}), problem: proofReason('answer', 'missing') },
      {
        proof: (tid: Uint8Array, fake: Uint8Array): object =>
          relayAuth.proveAnswer(self.peerId, tid, { id: fake }),
        problem: proofReason('answer', 'key'),
      },
    ];
    for (const [i, fake] of fakes.entries()) {
      const ping = heardOf(a, relay, fake, 1 + i);
      const forgery = forgeries[i] as (typeof forgeries)[number];
      const answer: KrpcMessage = { y: 'r', t: ping.t, r: { id: fake, ...forgery.proof(ping.t, fake) } };
      const out = relayedTo(a, relay.peerId, fake, answer, 10 + i);
      expect(contacts(a)).not.toContain(toHex(fake));
      expect(dropped(out)).toEqual([forgery.problem]);
    }
    expect(a.snapshot().counters.answersRefused).toBe(2);
  });

  it('an error a relay sends back in a made-up origin’s name does not make it a contact', () => {
    const [self, relay] = [newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    const fake = random.bytes(20);
    const ping = heardOf(a, relay, fake, 1);
    relayedTo(a, relay.peerId, fake, { y: 'e', t: ping.t, e: [201, 'busy'] }, 2);
    expect(contacts(a)).not.toContain(toHex(fake));
  });

  it('a genuine origin heard through a relay that answers itself becomes a contact', () => {
    const [self, relay, origin] = [newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    const ping = heardOf(a, relay, origin.peerId, 1);
    const answer = genuineAnswer(origin, relay, self, ping);
    expect(answer).toMatchObject({ y: 'r', r: { k: origin.publicKey } });
    const out = relayedTo(a, relay.peerId, origin.peerId, answer, 3);
    expect(dropped(out)).toEqual([]);
    expect(contacts(a)).toContain(toHex(origin.peerId));
    expect(a.snapshot().counters.answersRefused).toBe(0);
  });
});

describe('a query in another’s name', () => {
  it('does not put the relay that made it up in front of a contact we reach', () => {
    const [self, relay, liar, origin] = [newIdentity(), newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    a.connected(liar.peerId, 0);
    const ping = heardOf(a, relay, origin.peerId, 1);
    relayedTo(a, relay.peerId, origin.peerId, genuineAnswer(origin, relay, self, ping), 2);
    const routeOf = (): string[] | undefined =>
      a
        .snapshot()
        .buckets.flatMap((b) => b.contacts)
        .find((c) => c.id === toHex(origin.peerId))?.route;
    expect(routeOf()).toEqual([toHex(relay.peerId), toHex(origin.peerId)]);
    // `liar` makes up a query from the contact: its route is as short, and newer.
    const madeUpQuery: KrpcMessage = {
      y: 'q',
      t,
      q: 'get_peers',
      a: { id: origin.peerId, info_hash: random.bytes(20) },
    };
    relayedTo(a, liar.peerId, origin.peerId, madeUpQuery, 3);
    expect(routeOf()).toEqual([toHex(relay.peerId), toHex(origin.peerId)]);
  });
});
