import { shuffle, type Random } from '../shared/random.js';
import { keywordsOf, queryWords } from '../shared/search/keywords.js';

/** One published file of the search workload. */
export interface WorkloadFile {
  readonly title: string;
  readonly keywords: readonly string[];
  /** Index of the publisher among the workload's publishers. */
  readonly publisher: number;
  readonly size: number;
}

/** One query and the files it should find (every file published under all of its words). */
export interface WorkloadQuery {
  readonly text: string;
  readonly words: readonly string[];
  readonly matches: readonly number[];
}

const pick = <T>(random: Random, list: readonly T[]): T => list[random.int(list.length)] as T;

/** Zipf-like pick: early entries far more often, as real vocabularies. */
const zipf = <T>(random: Random, list: readonly T[]): T =>
  list[Math.min(list.length - 1, Math.floor(list.length * random.next() ** 2.2))] as T;

const ADJ =
  'great last lost dark silent golden hidden broken little wild secret frozen endless burning quiet ancient electric northern crimson final'.split(
    ' ',
  );
const NOUN =
  'river city night empire garden ocean mountain forest kingdom machine island storm winter shadow dragon voyage signal harbor desert orchard'.split(
    ' ',
  );
const GENRE = 'documentary concert lecture tutorial podcast audiobook album comedy drama thriller'.split(' ');
const QUALITY = '1080p 720p 2160p flac mp3 epub pdf hdr'.split(' ');
const ARTIST =
  'miles davis,nina simone,daft punk,radiohead,bach,chopin,beethoven,bjork,kraftwerk,portishead,massive attack,aphex twin'.split(
    ',',
  );
const TOPIC =
  'linear algebra,quantum mechanics,organic chemistry,machine learning,rust programming,typescript,kubernetes,french cooking,medieval history,astronomy,calculus,economics'.split(
    ',',
  );
const DISTRO = 'ubuntu,debian,fedora,arch linux,alpine,mint,opensuse,freebsd'.split(',');

/** A realistic title: a film, a record, a lecture series, an OS image or a book. */
export function randomTitle(random: Random): string {
  const year = 1960 + random.int(65);
  switch (random.int(5)) {
    case 0:
      return `The ${zipf(random, ADJ)} ${zipf(random, NOUN)} (${year}) ${pick(random, QUALITY)}`;
    case 1:
      return `${zipf(random, ARTIST)} - ${zipf(random, ADJ)} ${zipf(random, NOUN)} ${pick(random, ['live', 'remastered', 'deluxe', year])}`;
    case 2:
      return `${zipf(random, TOPIC)} ${pick(random, GENRE)} ${1 + random.int(24)} ${zipf(random, NOUN)}`;
    case 3:
      return `${zipf(random, DISTRO)} ${10 + random.int(15)}.${random.int(10)} ${pick(random, ['desktop', 'server', 'netinst', 'live'])} ${pick(random, ['amd64', 'arm64', 'i386'])}`;
    default:
      return `${zipf(random, ADJ)} ${zipf(random, NOUN)} ${pick(random, GENRE)} by ${zipf(random, ARTIST)}`;
  }
}

/** `count` files from `publishers` publishers (each at least one while there are enough files). */
export function workloadFiles(random: Random, count: number, publishers: number): WorkloadFile[] {
  return Array.from({ length: count }, (_, i) => {
    const title = randomTitle(random);
    return {
      title,
      keywords: keywordsOf(title),
      publisher: i < publishers ? i : random.int(publishers),
      size: 1 + random.int(4_000_000_000),
    };
  });
}

/** Files published under every one of `words`. */
export function matching(files: readonly WorkloadFile[], words: readonly string[]): number[] {
  const out: number[] = [];
  files.forEach((f, i) => {
    if (words.every((w) => f.keywords.includes(w))) out.push(i);
  });
  return out;
}

/** A query of 1 to 3 words taken from one published file's keywords, typed in mixed case. */
export function randomQuery(random: Random, files: readonly WorkloadFile[]): WorkloadQuery {
  const file = pick(random, files);
  const count = Math.min(file.keywords.length, 1 + random.int(3));
  const chosen = shuffle([...file.keywords], random).slice(0, count);
  const text = chosen.map((w) => (random.next() < 0.5 ? w.toUpperCase() : w)).join(' ');
  const words = queryWords(text);
  return { text, words, matches: matching(files, words) };
}
