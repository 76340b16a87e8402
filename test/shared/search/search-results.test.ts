import { describe, expect, it } from 'vitest';
import { identityFromSecretKey, identitySigner, verify } from '../../../shared/identity/index.js';
import { decodeKeywordRecord, encodeKeywordRecord } from '../../../shared/search/keyword-record.js';
import type { KeywordRecord } from '../../../shared/search/keyword-record.js';
import { keywordsOf, queryWords } from '../../../shared/search/keywords.js';
import {
  checkAnswer,
  matchQuality,
  MAX_SEARCH_RESULTS,
  SearchResults,
} from '../../../shared/search/search-results.js';
import { seededRandom } from '../../../shared/random.js';

const random = seededRandom(1303);
const signers = Array.from({ length: 3 }, () => identitySigner(identityFromSecretKey(random.bytes(32))));
function bytesOf(title: string, publisher = 0, infoHash = random.bytes(20)): Uint8Array {
  const fields = { infoHash, title, size: 10, files: 1, keywords: keywordsOf(title) };
  return encodeKeywordRecord(fields, signers[publisher] as never);
}
const rec = (title: string, publisher = 0, infoHash?: Uint8Array): KeywordRecord =>
  decodeKeywordRecord(bytesOf(title, publisher, infoHash));

describe('search answers', () => {
  it('accepts records that match the keyword and filters, checking each signature once', () => {
    const verified = new Set<string>();
    let checks = 0;
    const counting = (s: Uint8Array, m: Uint8Array, k: Uint8Array): boolean => (checks++, verify(s, m, k));
    const raw = [bytesOf('Ubuntu Server amd64'), bytesOf('Ubuntu Server arm64')];
    const a = checkAnswer(raw, 'ubuntu', ['server'], 10, counting, verified);
    expect(a.ok && a.records.map((r) => r.title)).toEqual(['Ubuntu Server amd64', 'Ubuntu Server arm64']);
    checkAnswer(raw, 'ubuntu', ['server'], 10, counting, verified);
    expect(checks).toBe(2);
  });

  it('takes a whole answer as junk: more than asked, not matching, oversized, bad signature', () => {
    const good = bytesOf('Ubuntu Desktop');
    const junk = (raw: Uint8Array[], asked = 10) => checkAnswer(raw, 'ubuntu', [], asked, verify, new Set());
    expect(junk([good, good], 1)).toEqual({ ok: false, reason: '2 records, 1 asked' });
    expect(junk([good, bytesOf('Debian Netinst')])).toEqual({
      ok: false,
      reason: 'record does not match the query',
    });
    expect(junk([good, new Uint8Array(4000)]).ok).toBe(false);
    // A bit flipped inside the signature (the last field).
    const tampered = good.map((b, i) => (i === good.length - 3 ? b ^ 1 : b));
    expect(junk([tampered])).toEqual({ ok: false, reason: 'record signature does not verify' });
    expect(checkAnswer([good], 'ubuntu', ['server'], 10, verify, new Set()).ok).toBe(false);
  });
});

describe('SearchResults', () => {
  it('merges records of one file from several publishers and keeps the best-fitting title', () => {
    const ih = random.bytes(20);
    const results = new SearchResults(queryWords('big buck bunny'));
    expect(results.add([rec('Big Buck Bunny trailer extras', 0, ih)])).toBe(1);
    expect(results.add([rec('Big Buck Bunny', 1, ih), rec('Big Buck Bunny', 1, ih)])).toBe(0);
    const [only] = results.ranked();
    expect(only).toMatchObject({ title: 'Big Buck Bunny', publishers: 2 });
  });

  it('ranks by peers having the file, then match quality, then publishers', () => {
    const words = queryWords('ubuntu server');
    const results = new SearchResults(words);
    const exact = rec('Ubuntu Server');
    const loose = rec('Ubuntu 24.04 Server amd64 netinst image');
    const popular = rec('Ubuntu Server Guide for people');
    results.add([loose, exact, popular]);
    expect(results.ranked().map((r) => r.title)).toEqual([exact.title, popular.title, loose.title]);
    expect(results.needPeerCount(2, new Set())).toEqual([exact.infoHashHex, popular.infoHashHex]);
    results.setPeers(popular.infoHashHex, 5);
    results.setPeers(loose.infoHashHex, 1);
    expect(results.ranked().map((r) => r.title)).toEqual([popular.title, loose.title, exact.title]);
    expect(results.needPeerCount(5, new Set([exact.infoHashHex]))).toEqual([]);
    expect(matchQuality(words, 'Ubuntu Server')).toBe(1);
    expect(matchQuality(words, 'Debian')).toBe(0);
  });

  it('keeps at most MAX_SEARCH_RESULTS files', () => {
    const results = new SearchResults(['film']);
    const many = Array.from({ length: MAX_SEARCH_RESULTS + 5 }, (_, i) => rec(`film number${i}`, i % 3));
    expect(results.add(many)).toBe(MAX_SEARCH_RESULTS);
    expect(results.size).toBe(MAX_SEARCH_RESULTS);
  });
});
