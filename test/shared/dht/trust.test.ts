import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import type { DhtNode } from '../../../shared/dht/dht-node.js';
import { decodeKrpc, encodeKrpc, KrpcErrorCode } from '../../../shared/dht/krpc.js';
import type { KrpcMessage } from '../../../shared/dht/krpc.js';
import { decodeFrame } from '../../../shared/dht/relay.js';
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
