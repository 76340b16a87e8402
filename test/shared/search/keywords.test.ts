import { describe, expect, it } from 'vitest';
import {
  keywordKey,
  keywordsOf,
  lookupWord,
  MAX_KEYWORD_CHARS,
  MAX_KEYWORDS,
  MAX_QUERY_WORDS,
  normalizeWords,
  queryWords,
} from '../../../shared/search/keywords.js';
import { sha1 } from '../../../shared/sha1.js';
import { toHex, utf8 } from '../../../shared/bytes.js';

describe('keyword normalisation', () => {
  it('folds case, accents and punctuation', () => {
    expect(normalizeWords('Café-Crème: THE Déjà_Vu!! (1999)')).toEqual([
      'cafe',
      'creme',
      'deja',
      'vu',
      '1999',
    ]);
    expect(normalizeWords('Ｆｕｌｌｗｉｄｔｈ Straße')).toEqual(['fullwidth', 'straße']);
  });

  it('drops stop words, one-letter words and repeats', () => {
    expect(normalizeWords('The Lord of the Rings a b c rings')).toEqual(['lord', 'rings']);
  });

  it('keeps letters of any script and cuts long words', () => {
    expect(normalizeWords('東京 物語')).toEqual(['東京', '物語']);
    const long = 'x'.repeat(MAX_KEYWORD_CHARS + 10);
    expect(normalizeWords(long)).toEqual(['x'.repeat(MAX_KEYWORD_CHARS)]);
  });

  it('takes at most MAX_KEYWORDS keywords, title first, then file names', () => {
    const title = 'one two three four five six seven';
    const kws = keywordsOf(title, ['nine/ten.iso', 'eleven twelve']);
    expect(kws).toHaveLength(MAX_KEYWORDS);
    expect(kws.slice(0, 3)).toEqual(['one', 'two', 'three']);
    expect(kws.slice(7)).toEqual(['nine', 'ten', 'iso']);
  });

  it('looks up the longest query word; the key is SHA-1 of its UTF-8', () => {
    const words = queryWords('Ubuntu SERVER 24.04 amd64');
    expect(words).toEqual(['ubuntu', 'server', '24', '04', 'amd64']);
    expect(lookupWord(words)).toBe('ubuntu');
    expect(lookupWord([])).toBeUndefined();
    expect(queryWords('a1 b2 c3 d4 e5 f6 g7 h8')).toHaveLength(MAX_QUERY_WORDS);
    expect(toHex(keywordKey('ubuntu'))).toBe(toHex(sha1(utf8('ubuntu'))));
  });
});
