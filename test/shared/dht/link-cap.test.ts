import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../shared/dht/link-manager.js';
import type { DhtAction } from '../../../shared/dht/types.js';
import { TestNode } from './helpers/test-node.js';
import { testSeed } from './helpers/seed.js';

const random = seededRandom(testSeed('link-cap', 17));
const newId = (): Uint8Array => random.bytes(20);
/** The tightest budget: one link, so any second live link breaks it. */
const ONE_LINK = 1;

function disconnects(actions: DhtAction[]): string[] {
  return actions.flatMap((a) => (a.type === 'disconnect' ? [a.to] : []));
}

describe('the maxConnections cap holds (counterexamples of dht.node-machine)', () => {
  it('closes a link that opens after it was given up on when nothing else can make room', () => {
    const node = new TestNode({ id: newId(), random: seededRandom(1), maxConnections: ONE_LINK });
    const [a, b] = [newId(), newId()];
    node.connectTo(a, 0);
    node.handleTimeout(DEFAULT_CONNECT_TIMEOUT_MS);
    expect(node.admit(b, DEFAULT_CONNECT_TIMEOUT_MS + 1)).toBe(true);
    expect(disconnects(node.connected(a, DEFAULT_CONNECT_TIMEOUT_MS + 2))).toEqual([]);
    // The pinned late link took the slot the admitted offer held: the offer goes when it opens.
    expect(disconnects(node.connected(b, DEFAULT_CONNECT_TIMEOUT_MS + 3))).toEqual([toHex(b)]);
    expect(node.snapshot().connections.live).toEqual([toHex(a)]);
  });

  it('never asks for bootstrap links beyond maxConnections', () => {
    const node = new TestNode({
      id: newId(),
      random: seededRandom(2),
      maxConnections: ONE_LINK,
      bootstrapConnections: ONE_LINK + 1,
    });
    const [a, b] = [newId(), newId()];
    node.connectTo(a, 0);
    const asked = node.bootstrap([b], 1).filter((x) => x.type === 'connect');
    expect(asked).toEqual([]);
    node.connected(a, 2);
    expect(node.snapshot().connections.live.length).toBeLessThanOrEqual(ONE_LINK);
  });
});
