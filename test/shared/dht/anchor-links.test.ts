import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { LinkManager, MAX_KNOWN_SUPER_PEERS } from '../../../shared/dht/link-manager.js';
import { RoutingTable } from '../../../shared/dht/routing-table.js';
import { testSeed } from './helpers/seed.js';

const random = seededRandom(testSeed('anchor-links', 23));
const OWN = new Uint8Array(20);
/** An id whose first byte is `top`: 0x80 and above share bucket 0 of a node with id 0. */
function far(top: number): string {
  const id = random.bytes(20);
  id[0] = top;
  return toHex(id);
}
/** A tab with room for four links, one near and one per bucket, and the default anchor. */
function tab(): { links: LinkManager; table: RoutingTable } {
  const links = new LinkManager({
    maxConnections: 4,
    targetConnections: 2,
    nearConnections: 1,
    bucketConnections: 1,
  });
  return { links, table: new RoutingTable(OWN, 20) };
}
function link(t: { links: LinkManager; table: RoutingTable }, id: string, now: number): void {
  t.table.add(id, now);
  t.links.linkOpened(id, now);
}
const everyone = (): boolean => true;

describe('anchor links to super-peers (LinkManager)', () => {
  it('makes a link an anchor only when the peer says it is a super-peer over that link', () => {
    const t = tab();
    const s = far(0x90);
    link(t, s, 0);
    t.links.noteSuperPeer(s, false); // through relays: anyone on the way could have said it
    expect(t.links.anchorIds()).toEqual([]);
    t.links.noteSuperPeer(s, true);
    expect(t.links.anchorIds()).toEqual([s]);
  });

  it('closes an anchor last when over the budget, and never to make room for another link', () => {
    const t = tab();
    const s = far(0x90);
    link(t, s, 0); // the oldest link in the crowded bucket: it would go last anyway if young ones go first
    t.links.noteSuperPeer(s, true);
    for (let i = 1; i <= 4; i++) link(t, far(0x80 | i), i);
    // Five links, one over: the anchor is not the one that goes, however crowded its bucket.
    expect(t.links.excess(t.table)).not.toContain(s);
    // To make room for a better link, every non-anchor may go, the anchor never.
    const victims = t.links.excess(t.table, undefined, 4, true);
    expect(victims).toHaveLength(4);
    expect(victims).not.toContain(s);
  });

  it('would close the same link if it were not an anchor (the test above can fail)', () => {
    const t = tab();
    const s = far(0x90);
    link(t, s, 0);
    for (let i = 1; i <= 4; i++) link(t, far(0x80 | i), i);
    expect(t.links.excess(t.table, undefined, 4, true)).toContain(s);
  });

  it('asks for a link to a known super-peer first, even with its target reached', () => {
    const t = tab();
    link(t, far(0x81), 1);
    link(t, far(0x41), 2);
    const s = far(0x90);
    t.table.add(s, 3);
    expect(t.links.wanted(t.table, 4, everyone)).toEqual([]); // at its target of two
    t.links.noteSuperPeer(s, false); // heard through relays: worth asking
    expect(t.links.wanted(t.table, 5, everyone)).toEqual([s]);
    t.links.request(s, 5, false);
    expect(t.links.wanted(t.table, 6, everyone)).toEqual([]); // one on its way is enough
  });

  it('admits an offer from a known super-peer when full, while it has no anchor', () => {
    const t = tab();
    for (let i = 0; i < 4; i++) link(t, far(0x80 | i), i);
    const s = far(0xc0);
    t.table.add(s, 5);
    const bytes = Uint8Array.from(Buffer.from(s, 'hex'));
    expect(t.links.valuable(t.table, s, bytes)).toBe(false); // one more in a crowded bucket
    t.links.noteSuperPeer(s, false);
    expect(t.links.valuable(t.table, s, bytes)).toBe(true);
    const other = far(0x95);
    link(t, other, 6);
    t.links.noteSuperPeer(other, true); // now it has an anchor: the next super-peer is just a peer
    expect(t.links.valuable(t.table, s, bytes)).toBe(false);
  });

  it('remembers at most MAX_KNOWN_SUPER_PEERS, forgetting the first heard of it has no link to', () => {
    // A node at its target that wants many anchors asks for every super-peer it still knows, and no other.
    const links = new LinkManager({ anchorLinks: 100, maxConnections: 100, targetConnections: 1 });
    const table = new RoutingTable(OWN, 20);
    const linked = far(0x90);
    table.add(linked, 0);
    links.linkOpened(linked, 0);
    links.noteSuperPeer(linked, true);
    const heard = Array.from({ length: MAX_KNOWN_SUPER_PEERS + 3 }, (_, i) => far(0x10 + i));
    for (const id of heard) {
      table.add(id, 1);
      links.noteSuperPeer(id, false);
    }
    // The linked one stays known; the four heard of first made room for the last ones.
    expect(links.wanted(table, 2, everyone)).toEqual(heard.slice(4));
  });
});
