import { utf8 } from '../bytes.js';
import { sha1 } from '../sha1.js';

/** Keywords a published file is stored under, at most (the first ones of its title, then its file names). */
export const MAX_KEYWORDS = 10;
/** Words of a query used, at most (one is looked up, the others filter). */
export const MAX_QUERY_WORDS = 6;
/** A keyword keeps at most this many characters (longer words are cut, on both sides alike). */
export const MAX_KEYWORD_CHARS = 20;
/** A keyword's UTF-8 bytes, at most (four per character). */
export const MAX_KEYWORD_BYTES = 4 * MAX_KEYWORD_CHARS;

/**
 * Words too common to find anything by (English, French, German, Spanish articles and the like):
 * a node closest to "the" would hold a record of nearly every file.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be by for from has have in is it its of on or that the this to was were will with ' +
    'de des du la le les un une et en au aux der die das und ein eine el los las del y'
  ).split(' '),
);

/**
 * The words of `text` as search compares them: Unicode-normalised (NFKD) with accents removed,
 * lower-cased, split on anything that is not a letter or a digit, cut to MAX_KEYWORD_CHARS; stop
 * words and one-character words dropped; each word once, in order.
 */
export function normalizeWords(text: string): string[] {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  const out: string[] = [];
  for (const raw of plain.split(/[^\p{L}\p{N}]+/u)) {
    const word = [...raw].slice(0, MAX_KEYWORD_CHARS).join('');
    if ([...word].length < 2 || STOP_WORDS.has(word) || out.includes(word)) continue;
    out.push(word);
  }
  return out;
}

/**
 * The keywords a file is published under: the words of its title, then of its file names
 * (extension included as a word only if not a stop word), at most MAX_KEYWORDS.
 */
export function keywordsOf(title: string, fileNames: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const text of [title, ...fileNames]) {
    for (const w of normalizeWords(text)) {
      if (out.length === MAX_KEYWORDS) return out;
      if (!out.includes(w)) out.push(w);
    }
  }
  return out;
}

/** The words of a query, at most MAX_QUERY_WORDS. */
export function queryWords(query: string): string[] {
  return normalizeWords(query).slice(0, MAX_QUERY_WORDS);
}

/**
 * The word a query looks up: the longest (long words are rarer, so its store answers with fewer
 * records); the first among equals. The others filter the answers.
 */
export function lookupWord(words: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const w of words) if (best === undefined || [...w].length > [...best].length) best = w;
  return best;
}

/** The DHT key of a keyword: SHA-1 of its UTF-8 bytes (Kad uses MD4 the same way). */
export function keywordKey(word: string): Uint8Array {
  return sha1(utf8(word));
}
