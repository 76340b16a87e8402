import { describe, expect, it } from 'vitest';
import type { DhtHost } from '../../../client/src/app/dht-host.js';
import { SearchService } from '../../../client/src/app/search.js';
import { toHex } from '../../../shared/bytes.js';
import { identityFromSecretKey, identitySigner } from '../../../shared/identity/index.js';
import { seededRandom } from '../../../shared/random.js';
import { decodeKeywordRecord } from '../../../shared/search/keyword-record.js';
import type { KeywordRecord } from '../../../shared/search/keyword-record.js';
import { MAX_PEER_COUNTS } from '../../../shared/search/search-results.js';

const random = seededRandom(1305);
const signer = identitySigner(identityFromSecretKey(random.bytes(32)));

/** A DHT that stores what is published and answers searches from it, with `peers` per info-hash. */
function fakeDht(peers: Record<string, number> = {}) {
  const records: KeywordRecord[] = [];
  const calls = { getPeers: 0, search: [] as [string, readonly string[]][] };
  const dht = {
    publish: async (rec: Uint8Array) => {
      const r = decodeKeywordRecord(rec);
      records.push(r);
      return r.keywords.map(() => ({ stored: 3 }));
    },
    unpublish: () => {},
    search: async (word: string, filters: readonly string[], onRecords: (r: KeywordRecord[]) => void) => {
      calls.search.push([word, filters]);
      const found = records.filter(
        (r) => r.keywords.includes(word) && filters.every((f) => r.keywords.includes(f)),
      );
      // Two answers: the records arrive in two parts.
      onRecords(found.slice(0, 1));
      onRecords(found.slice(1));
      return {};
    },
    getPeers: async (infoHash: string) => {
      calls.getPeers++;
      return Array.from({ length: peers[infoHash] ?? 0 }, () => 'x');
    },
  };
  return { dht: dht as unknown as DhtHost, calls };
}

describe('SearchService', () => {
  it('lists a file under its title and file name, then finds it by the longest word, filtered by the others', async () => {
    const { dht, calls } = fakeDht();
    let changes = 0;
    const s = new SearchService(
      dht,
      signer,
      () => 0,
      () => changes++,
    );
    const infoHash = toHex(random.bytes(20));
    const listed = await s.list({
      infoHash,
      title: 'Big Buck Bunny',
      size: 5,
      files: 1,
      fileNames: ['bbb.mp4'],
    });
    expect(listed).toEqual({ keywords: ['big', 'buck', 'bunny', 'bbb', 'mp4'], stored: 15 });
    expect(s.listings).toEqual([infoHash]);
    const view = await s.search('Buck BUNNY');
    expect(calls.search).toEqual([['bunny', ['buck']]]);
    expect(view).toMatchObject({
      query: 'Buck BUNNY',
      state: 'done',
      results: [{ infoHash, title: 'Big Buck Bunny', peers: 0 }],
    });
    expect(changes).toBeGreaterThan(2);
    expect(s.magnetOf(view.results[0] as never)).toBe(
      `magnet:?xt=urn:btih:${infoHash}&dn=Big%20Buck%20Bunny&xl=5`,
    );
  });

  it('ranks by peers and counts peers of at most MAX_PEER_COUNTS results', async () => {
    const hashes = Array.from({ length: MAX_PEER_COUNTS + 5 }, () => toHex(random.bytes(20)));
    const { dht, calls } = fakeDht({ [hashes[3] as string]: 7 });
    const s = new SearchService(
      dht,
      signer,
      () => 0,
      () => {},
    );
    for (const [i, infoHash] of hashes.entries())
      await s.list({ infoHash, title: `concert recording ${i}`, size: 1, files: 1, fileNames: [] });
    const view = await s.search('concert');
    expect(view.results).toHaveLength(hashes.length);
    expect(view.results[0]).toMatchObject({ infoHash: hashes[3], peers: 7 });
    expect(calls.getPeers).toBe(MAX_PEER_COUNTS);
  });

  it('answers a query without a usable word at once, with nothing', async () => {
    const { dht, calls } = fakeDht();
    const s = new SearchService(
      dht,
      signer,
      () => 0,
      () => {},
    );
    expect(await s.search('a the of')).toMatchObject({ state: 'done', results: [] });
    expect(calls.search).toEqual([]);
  });
});
