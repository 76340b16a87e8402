import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../shared/bytes.js';
import { identitySigner } from '../../../shared/identity/index.js';
import type { Identity } from '../../../shared/identity/index.js';
import { seededRandom } from '../../../shared/random.js';
import { sha1 } from '../../../shared/sha1.js';
import { bencode } from '../../../shared/bencode.js';
import { encodeKrpc, KrpcErrorCode } from '../../../shared/dht/krpc.js';
import type { KrpcMessage } from '../../../shared/dht/krpc.js';
import { compareDistance } from '../../../shared/dht/node-id.js';
import { OriginAuth, proofReason } from '../../../shared/dht/origin-proof.js';
import type { DhtAction } from '../../../shared/dht/types.js';
import type { TestNode } from './helpers/test-node.js';
import { dropped, messageOf, relayedTo, replyOf, sends, signedNodes } from './helpers/signed-nodes.js';
import { testSeed } from './helpers/seed.js';

/**
 * Regression tests of the hardening issue, overlay signals: a relay names the origin of what it
 * relays, so a signal (which makes the host open a WebRTC link to that origin) must prove it.
 */
const random = seededRandom(testSeed('dht-signal-proof', 131));
const t = new Uint8Array([3, 4]);
const payload = utf8('{"type":"offer","sdp":"v=0"}');

const { newIdentity, node } = signedNodes(random);

/** The signal query `from` sends to `to`, as `from`'s own node builds it. */
function signalQuery(from: Identity, to: Uint8Array, p = payload): KrpcMessage {
  const sender = node(from);
  sender.connected(to, 0);
  return messageOf(sends(sender.sendSignal(to, p, 1))[0]?.data as Uint8Array);
}
function signalsOut(actions: DhtAction[]): Extract<DhtAction, { type: 'signal' }>[] {
  return actions.filter((a): a is Extract<DhtAction, { type: 'signal' }> => a.type === 'signal');
}
/** Asserts the query was refused: no signal, a KRPC protocol error back, a drop counted. */
function expectRefused(a: TestNode, out: DhtAction[], reason: string): void {
  expect(signalsOut(out)).toEqual([]);
  expect(dropped(out)).toEqual([reason]);
  expect(replyOf(out)).toMatchObject({
    y: 'e',
    e: [KrpcErrorCode.Protocol, reason],
  });
  expect(a.snapshot().counters.signalsRefused).toBe(1);
}

describe('overlay signals carry proof of their origin', () => {
  it('a relay forging the origin of a signal gets it dropped', () => {
    const [self, relay, victim] = [newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    // The relay makes up a signal from `victim`: it has no key of the victim's to sign with.
    const forged: KrpcMessage = { y: 'q', t, q: 'signal', a: { id: victim.peerId, p: payload } };
    const out = relayedTo(a, relay.peerId, victim.peerId, forged, 1);
    expectRefused(a, out, proofReason('signal', 'missing'));
  });

  it('refuses a signal signed by the relay’s own key in the name of another', () => {
    const [self, relay, victim] = [newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    const own = signalQuery(relay, self.peerId);
    if (own.y !== 'q' || own.q !== 'signal') throw new Error('not a signal query');
    const forged: KrpcMessage = { ...own, a: { ...own.a, id: victim.peerId } };
    const out = relayedTo(a, relay.peerId, victim.peerId, forged, 1);
    expectRefused(a, out, proofReason('signal', 'key'));
  });

  it('refuses a signal captured on its way to another tab (the destination is signed)', () => {
    const [self, relay, origin, other] = [newIdentity(), newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    const captured = signalQuery(origin, other.peerId);
    const out = relayedTo(a, relay.peerId, origin.peerId, captured, 1);
    expectRefused(a, out, proofReason('signal', 'signature'));
  });

  it('refuses a signal whose payload a relay changed', () => {
    const [self, relay, origin] = [newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    const genuine = signalQuery(origin, self.peerId);
    if (genuine.y !== 'q' || genuine.q !== 'signal') throw new Error('not a signal query');
    const changed: KrpcMessage = {
      ...genuine,
      a: { ...genuine.a, p: utf8('{"type":"offer","sdp":"evil"}') },
    };
    const out = relayedTo(a, relay.peerId, origin.peerId, changed, 1);
    expectRefused(a, out, proofReason('signal', 'signature'));
  });

  it('passes on a signal its origin signed, relayed or direct', () => {
    const [self, relay, origin] = [newIdentity(), newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    const genuine = signalQuery(origin, self.peerId);
    const out = relayedTo(a, relay.peerId, origin.peerId, genuine, 1);
    expect(signalsOut(out)).toEqual([{ type: 'signal', from: toHex(origin.peerId), payload }]);
    expect(replyOf(out)?.y).toBe('r');
    const direct = signalQuery(relay, self.peerId);
    const out2 = a.receive(relay.peerId, encodeKrpc(direct), 2);
    expect(signalsOut(out2)).toEqual([{ type: 'signal', from: toHex(relay.peerId), payload }]);
    expect(a.snapshot().counters.signalsRefused).toBe(0);
  });

  it('checks nothing and signs nothing without a verifier and a signer (as before)', () => {
    const bare = new OriginAuth(random.bytes(20));
    expect(bare.proveSignal(random.bytes(20), payload)).toEqual({});
    expect(bare.signalProblem(random.bytes(20), payload)).toBeUndefined();
  });
});

describe('announces and puts carry proof of their origin', () => {
  /** `a` (signed) with one link, `relay`, through which `origin`'s queries arrive; a token for `key`. */
  function setup(origin: Identity, key: Uint8Array) {
    const [self, relay] = [newIdentity(), newIdentity()];
    const a = node(self);
    a.connected(relay.peerId, 0);
    // Tokens are handed to whoever asks in the origin's name: the relay can get one too.
    const ask: KrpcMessage = { y: 'q', t, q: 'get', a: { id: origin.peerId, target: key } };
    const answer = replyOf(relayedTo(a, relay.peerId, origin.peerId, ask, 1));
    const token = answer?.y === 'r' ? (answer.r.token as Uint8Array) : new Uint8Array();
    const proof = (method: 'announce_peer' | 'put') =>
      new OriginAuth(origin.peerId, identitySigner(origin)).proveStore(method, self.peerId, key, token);
    return { a, relay, token, proof };
  }

  it('a relay announcing in another’s name gets it dropped; the origin’s own announce is stored', () => {
    const [victim, ih] = [newIdentity(), random.bytes(20)];
    const { a, relay, token, proof } = setup(victim, ih);
    const forged: KrpcMessage = {
      y: 'q',
      t,
      q: 'announce_peer',
      a: { id: victim.peerId, info_hash: ih, token },
    };
    const out = relayedTo(a, relay.peerId, victim.peerId, forged, 2);
    expect(dropped(out)).toEqual([proofReason('announce', 'missing')]);
    expect(replyOf(out)).toMatchObject({
      y: 'e',
      e: [KrpcErrorCode.Protocol, proofReason('announce', 'missing')],
    });
    expect(a.snapshot().counters.storesRefused).toBe(1);
    expect(a.snapshot().store.peers).toBe(0);
    const signed: KrpcMessage = { ...forged, a: { ...forged.a, ...proof('announce_peer') } };
    expect(replyOf(relayedTo(a, relay.peerId, victim.peerId, signed, 3))?.y).toBe('r');
    expect(a.snapshot().store.peers).toBe(1);
  });

  it('a relay putting in another’s name gets it dropped; the origin’s own put is stored', () => {
    const victim = newIdentity();
    const v = utf8('5:hello');
    const key = sha1(bencode(v));
    const { a, relay, token, proof } = setup(victim, key);
    const forged: KrpcMessage = { y: 'q', t, q: 'put', a: { id: victim.peerId, v, token } };
    const out = relayedTo(a, relay.peerId, victim.peerId, forged, 2);
    expect(dropped(out)).toEqual([proofReason('put', 'missing')]);
    expect(a.snapshot().store.values).toBe(0);
    // A proof for an announce of the same key is no proof for a put (each has its domain).
    const crossed: KrpcMessage = { ...forged, a: { ...forged.a, ...proof('announce_peer') } };
    expect(dropped(relayedTo(a, relay.peerId, victim.peerId, crossed, 3))).toEqual([
      proofReason('put', 'signature'),
    ]);
    const signed: KrpcMessage = { ...forged, a: { ...forged.a, ...proof('put') } };
    expect(replyOf(relayedTo(a, relay.peerId, victim.peerId, signed, 4))?.y).toBe('r');
    expect(a.snapshot().store.values).toBe(1);
  });

  /** Signed nodes linked directly, and a pump that carries their sends until none is left. */
  function linked(...identities: Identity[]) {
    const nodes = new Map(identities.map((i) => [toHex(i.peerId), node(i)]));
    let now = 1;
    const pump = (from: TestNode, outputs: DhtAction[]): void => {
      let queue = outputs.map((o) => ({ from, o }));
      for (let round = 0; round < 50 && queue.length > 0; round++) {
        const next: typeof queue = [];
        for (const { from: f, o } of queue) {
          const to = o.type === 'send' ? nodes.get(o.to) : undefined;
          if (o.type !== 'send' || !to) continue;
          for (const r of to.receive(f.id, o.data, ++now)) next.push({ from: to, o: r });
        }
        queue = next;
      }
    };
    /** Opens the link between `a` and `b` (both ends) and lets what follows run. */
    const link = (a: Identity, b: Identity): void => {
      const [na, nb] = [nodes.get(toHex(a.peerId)) as TestNode, nodes.get(toHex(b.peerId)) as TestNode];
      // Both ends first: a frame on a link its receiver has not seen open is dropped.
      const [fromA, fromB] = [na.connected(b.peerId, ++now), nb.connected(a.peerId, ++now)];
      pump(na, fromA);
      pump(nb, fromB);
    };
    const of = (i: Identity): TestNode => nodes.get(toHex(i.peerId)) as TestNode;
    return { of, pump, link, now: () => ++now };
  }

  it('a signed node’s own announce is stored by a node that checks proofs', () => {
    const [x, y] = [newIdentity(), newIdentity()];
    const net = linked(x, y);
    net.link(x, y);
    expect(net.of(x).snapshot().joined).toBe(true);
    net.of(x).announce(random.bytes(20), net.now());
    net.pump(net.of(x), net.of(x).poll());
    expect(net.of(y).snapshot().store.peers).toBe(1);
    expect(net.of(y).snapshot().counters.storesRefused).toBe(0);
  });

  it('a value handed on to a newcomer closer to its key carries the hander’s proof', () => {
    const [w, x, z] = [newIdentity(), newIdentity(), newIdentity()];
    const net = linked(w, x, z);
    net.link(w, x);
    // A value whose key is closer to the newcomer z than to x, the node that holds it.
    const closerToZ = (v: Uint8Array): boolean => {
      const key = sha1(bencode(v));
      return compareDistance(key, z.peerId, x.peerId) < 0;
    };
    let i = 0;
    while (!closerToZ(utf8(`value ${i}`))) i++;
    net.of(w).put(utf8(`value ${i}`), net.now());
    net.pump(net.of(w), net.of(w).poll());
    expect(net.of(x).snapshot().store.values).toBe(1);
    net.link(x, z);
    expect(net.of(z).snapshot().store.values).toBe(1);
    expect(net.of(z).snapshot().counters.storesRefused).toBe(0);
  });
});
