import { beforeAll, describe, expect, it } from 'vitest';
import type { DhtNode } from '../../../shared/dht/dht-node.js';
import type { NodeId } from '../../../shared/dht/node-id.js';
import type { LookupDone } from '../../../shared/dht/types.js';
import { identityFromSecretKey, identitySigner } from '../../../shared/identity/index.js';
import { encodeKeywordRecord } from '../../../shared/search/keyword-record.js';
import { keywordsOf } from '../../../shared/search/keywords.js';
import { Shuttle } from './helpers/shuttle.js';
import { testSeed } from './helpers/seed.js';

const K = 8;
const OPTIONS = { k: K, maxConnections: 10, targetConnections: 7, nearConnections: 3, bucketConnections: 1 };

describe('keyword search over a network of 40 DhtNodes', () => {
  const net = new Shuttle(testSeed('keyword search', 1313), OPTIONS);
  const ids: NodeId[] = [];
  const pick = (): NodeId => ids[net.random.int(ids.length)] as NodeId;
  const titles = ['Ubuntu 24.04 Desktop Image', 'Big Buck Bunny 1080p', 'Ubuntu Server Handbook'];
  const infoHashes = titles.map(() => net.random.bytes(20));

  function op<R>(from: NodeId, start: (node: DhtNode, now: number) => R): R {
    const r = net.input(from, start);
    net.advance(10_000, 500);
    return r;
  }
  function search(from: NodeId, word: string, filters: string[] = []): LookupDone {
    const before = net.events.length;
    const queryId = op(from, (n, now) => n.search(word, filters, now));
    const done = net.events
      .slice(before)
      .find((e) => e.node === from && e.event.type === 'lookup-done' && e.event.queryId === queryId);
    expect(done, 'search finished').toBeDefined();
    return done?.event as LookupDone;
  }

  beforeAll(() => {
    for (let i = 0; i < 40; i++) {
      const n = net.add();
      const known = ids.length > 0 ? Array.from({ length: 3 }, pick) : [];
      ids.push(n.id);
      net.input(n.id, (x, now) => x.bootstrap(known, now));
      net.advance(3000, 500);
    }
    titles.forEach((title, i) => {
      const signer = identitySigner(identityFromSecretKey(net.random.bytes(32)));
      const fields = { infoHash: infoHashes[i] as Uint8Array, title, size: 1000 + i, files: 1 };
      const rec = encodeKeywordRecord({ ...fields, keywords: keywordsOf(title) }, signer);
      op(ids[i] as NodeId, (n, now) => n.publish(rec, now));
    });
  });

  it('stores each record at the nodes closest to each keyword', () => {
    const stored = net.eventsOf('lookup-done').filter((e) => e.event.kind === 'publish');
    expect(stored.length).toBe(titles.map((t) => keywordsOf(t).length).reduce((a, b) => a + b));
    for (const e of stored) expect(e.event.stored).toBeGreaterThan(0);
  });

  it('finds files by one word and by two, from any node', () => {
    const one = search(ids[30] as NodeId, 'ubuntu');
    expect(new Set(one.records?.map((r) => r.title))).toEqual(new Set([titles[0], titles[2]]));
    const two = search(ids[31] as NodeId, 'ubuntu', ['server']);
    expect(two.records?.map((r) => r.title)).toEqual([titles[2]]);
    const none = search(ids[32] as NodeId, 'nothing');
    expect(none.records).toEqual([]);
  });

  it('streams records as they arrive, before the lookup is done', () => {
    const from = ids[33] as NodeId;
    const before = net.events.length;
    search(from, 'bunny');
    const streamed = net.events
      .slice(before)
      .filter((e) => e.node === from && e.event.type === 'search-records');
    expect(streamed.length).toBeGreaterThan(0);
  });
});
