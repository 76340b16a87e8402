import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes.js';
import { LinkManager } from '../../../shared/dht/link-manager.js';
import { RoutingTable } from '../../../shared/dht/routing-table.js';
import { seededRandom } from '../../../shared/random.js';

const random = seededRandom(41);
const newId = (): string => toHex(random.bytes(20));

describe('the DHT prefers direct links', () => {
  it('gives up a relayed link before direct ones when over budget, even an older one', () => {
    const table = new RoutingTable(random.bytes(20));
    const links = new LinkManager({ maxConnections: 2 });
    const [relayed, direct1, direct2] = [newId(), newId(), newId()];
    links.linkOpened(relayed, 0);
    links.linkOpened(direct1, 1);
    links.linkOpened(direct2, 2);
    // Without path information the youngest goes.
    expect(links.excess(table)).toEqual([direct2]);
    links.setRelayed(relayed, true);
    expect(links.excess(table)).toEqual([relayed]);
    // A link that moved off the relay is an ordinary link again.
    links.setRelayed(relayed, false);
    expect(links.excess(table)).toEqual([direct2]);
  });
});
