import { describe, expect, it } from 'vitest';
import { bencode, bdecode } from '../../../shared/bencode.js';
import { toHex } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { identityFromSecretKey, identitySigner, verify } from '../../../shared/identity/index.js';
import {
  clampTitle,
  decodeKeywordRecord,
  encodeKeywordRecord,
  MAX_RECORD_BYTES,
  MAX_TITLE_BYTES,
  recordMatches,
  verifyKeywordRecord,
} from '../../../shared/search/keyword-record.js';
import { keywordsOf, MAX_KEYWORD_CHARS, MAX_KEYWORDS } from '../../../shared/search/keywords.js';
import { seededRandom } from '../../../shared/random.js';

const random = seededRandom(1301);
const identity = identityFromSecretKey(random.bytes(32));
const signer = identitySigner(identity);
const fields = (title: string) => ({
  infoHash: random.bytes(20),
  title,
  size: 1234,
  files: 2,
  keywords: keywordsOf(title),
});

describe('keyword records', () => {
  it('round-trip with the publisher id and a signature that verifies', () => {
    const f = fields('Big Buck Bunny 1080p');
    const r = decodeKeywordRecord(encodeKeywordRecord(f, signer));
    expect(r.title).toBe(f.title);
    expect(r.keywords).toEqual(['big', 'buck', 'bunny', '1080p']);
    expect(r.publisher).toBe(toHex(identity.peerId));
    expect(r.infoHashHex).toBe(toHex(f.infoHash));
    expect(verifyKeywordRecord(r, verify)).toBe(true);
    expect(recordMatches(r, 'bunny', ['big'])).toBe(true);
    expect(recordMatches(r, 'bunny', ['small'])).toBe(false);
  });

  it('fails verification when a field was changed', () => {
    const bytes = encodeKeywordRecord(fields('Sintel 4k'), signer);
    const d = bdecode(bytes) as Record<string, unknown>;
    const forged = bencode({ ...(d as object), l: 999 } as never);
    expect(verifyKeywordRecord(decodeKeywordRecord(forged), verify)).toBe(false);
  });

  it('refuses titles, keywords and records over their caps', () => {
    const long = fields('x');
    expect(() => encodeKeywordRecord({ ...long, title: 'é'.repeat(MAX_TITLE_BYTES) }, signer)).toThrow(
      expect.objectContaining({ code: ErrorCode.SearchRecordInvalid }),
    );
    expect(clampTitle('é'.repeat(MAX_TITLE_BYTES))).toHaveLength(MAX_TITLE_BYTES / 2);
    const many = Array.from({ length: MAX_KEYWORDS + 1 }, (_, i) => `word${i}`);
    expect(() => encodeKeywordRecord({ ...long, keywords: many }, signer)).toThrow(/keywords/);
    expect(() => encodeKeywordRecord({ ...long, keywords: ['Not Normal'] }, signer)).toThrow(/normalised/);
    expect(() => decodeKeywordRecord(new Uint8Array(MAX_RECORD_BYTES + 1))).toThrow(
      expect.objectContaining({ code: ErrorCode.SearchRecordInvalid }),
    );
  });

  it('drops trailing keywords to stay under the record cap', () => {
    const wide = Array.from({ length: MAX_KEYWORDS }, (_, i) => `${'語'.repeat(MAX_KEYWORD_CHARS - 1)}${i}`);
    const bytes = encodeKeywordRecord({ ...fields('t'), keywords: wide }, signer);
    expect(bytes.length).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    const r = decodeKeywordRecord(bytes);
    expect(r.keywords.length).toBeLessThan(MAX_KEYWORDS);
    expect(r.keywords).toEqual(wide.slice(0, r.keywords.length));
  });

  it('refuses non-canonical or mistyped encodings', () => {
    expect(() => decodeKeywordRecord(bencode({ ih: new Uint8Array(20) }))).toThrow(/missing/);
    expect(() => decodeKeywordRecord(new TextEncoder().encode('not bencode'))).toThrow();
  });
});
