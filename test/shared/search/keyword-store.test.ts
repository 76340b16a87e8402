import { describe, expect, it } from 'vitest';
import { identityFromSecretKey, identitySigner } from '../../../shared/identity/index.js';
import { decodeKeywordRecord, encodeKeywordRecord } from '../../../shared/search/keyword-record.js';
import type { KeywordRecord } from '../../../shared/search/keyword-record.js';
import { DEFAULT_KEYWORD_TTL_MS, KeywordStore } from '../../../shared/search/keyword-store.js';
import { seededRandom } from '../../../shared/random.js';

const random = seededRandom(1302);
const publishers = Array.from({ length: 4 }, () => identitySigner(identityFromSecretKey(random.bytes(32))));
function record(publisher: number, keywords: string[], title = keywords.join(' ')): KeywordRecord {
  const fields = { infoHash: random.bytes(20), title, size: 1, files: 1, keywords };
  return decodeKeywordRecord(encodeKeywordRecord(fields, publishers[publisher] as never));
}

describe('KeywordStore', () => {
  it('answers by keyword, filtered by the other words, newest first, up to a limit', () => {
    const store = new KeywordStore();
    const a = record(0, ['ubuntu', 'desktop']);
    const b = record(1, ['ubuntu', 'server']);
    store.put('ubuntu', a, 0);
    store.put('ubuntu', b, 1);
    expect(store.get('ubuntu', [], 10, 2)).toEqual([b, a]);
    expect(store.get('ubuntu', ['server'], 10, 2)).toEqual([b]);
    expect(store.get('ubuntu', [], 1, 2)).toEqual([b]);
    expect(store.get('debian', [], 10, 2)).toEqual([]);
  });

  it('refreshes a record stored again and expires it after the TTL', () => {
    const store = new KeywordStore();
    const a = record(0, ['alpha']);
    expect(store.put('alpha', a, 0).type).toBe('stored');
    expect(store.put('alpha', a, 1000).type).toBe('refreshed');
    expect(store.size).toBe(1);
    store.expire(DEFAULT_KEYWORD_TTL_MS + 999);
    expect(store.size).toBe(1);
    expect(store.get('alpha', [], 10, DEFAULT_KEYWORD_TTL_MS + 1000)).toEqual([]);
    store.expire(DEFAULT_KEYWORD_TTL_MS + 1000);
    expect(store.size).toBe(0);
  });

  it('evicts the oldest record of a full keyword', () => {
    const store = new KeywordStore({ maxPerKeyword: 3 });
    const recs = [0, 1, 2, 3].map((p) => record(p, ['film']));
    recs.forEach((r, i) => store.put('film', r, i));
    expect(store.get('film', [], 10, 5)).toEqual([recs[3], recs[2], recs[1]]);
  });

  it('caps a publisher flooding keywords: it only pushes out its own records', () => {
    const store = new KeywordStore({ maxPerPublisher: 5 });
    const honest = record(1, ['news']);
    store.put('news', honest, 0);
    for (let i = 0; i < 50; i++) store.put(`spam${i}`, record(0, [`spam${i}`]), i + 1);
    expect(store.countOf(record(0, ['xx']).publisher)).toBe(5);
    expect(store.get('news', [], 10, 100)).toEqual([honest]);
    expect(store.get('spam0', [], 10, 100)).toEqual([]);
    expect(store.get('spam49', [], 10, 100)).toHaveLength(1);
  });

  it('evicts the oldest record of all at the total cap', () => {
    const store = new KeywordStore({ maxRecords: 2 });
    const recs = [0, 1, 2].map((p) => record(p, [`w${p}`]));
    recs.forEach((r, i) => store.put(`w${i}`, r, i));
    expect(store.size).toBe(2);
    expect(store.get('w0', [], 10, 5)).toEqual([]);
    expect(store.keywordCount).toBe(2);
  });
});
