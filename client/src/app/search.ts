import { fromHex } from '../../../shared/bytes.js';
import type { KeySigner } from '../../../shared/identity/index.js';
import { createMagnet } from '../../../shared/magnet.js';
import { clampTitle, encodeKeywordRecord } from '../../../shared/search/keyword-record.js';
import { keywordsOf, lookupWord, queryWords } from '../../../shared/search/keywords.js';
import {
  MAX_PEER_COUNTS,
  PEER_COUNTS_IN_PARALLEL,
  SearchResults,
  type SearchResult,
} from '../../../shared/search/search-results.js';
import type { DhtHost } from './dht-host.js';

/** The page's current search, as the search box shows it. */
export interface SearchView {
  readonly query: string;
  /** `searching`: answers still arriving; `ranking`: counting peers of the best results. */
  readonly state: 'idle' | 'searching' | 'ranking' | 'done';
  readonly results: readonly SearchResult[];
  /** Milliseconds from the query to the first result, to the end of its lookup, and to the end. */
  readonly firstResultMs?: number;
  readonly lookupMs?: number;
  readonly doneMs?: number;
}

/** What a file is listed with. */
export interface Listing {
  readonly infoHash: string;
  readonly title: string;
  readonly size: number;
  readonly files: number;
  readonly fileNames: readonly string[];
}

export const IDLE_SEARCH: SearchView = { query: '', state: 'idle', results: [] };

/**
 * Publishing and searching through the DHT (the policy is shared/search's): a listed file is
 * stored as a signed record under each keyword of its title and file names; a query looks up its
 * longest word, filtered by the others at each node, results merge as answers arrive, then the
 * best are ranked by the peers a get_peers finds for each (capped, a few at once).
 */
export class SearchService {
  private current: SearchView = IDLE_SEARCH;
  private generation = 0;
  private readonly listed = new Set<string>();

  constructor(
    private readonly dht: DhtHost,
    private readonly signer: KeySigner,
    private readonly now: () => number,
    private readonly changed: () => void,
  ) {}

  get view(): SearchView {
    return this.current;
  }

  /** Info-hashes this tab lists in search. */
  get listings(): string[] {
    return [...this.listed];
  }

  /** Lists a file in search (title cut to the record's cap); resolves once every keyword is stored. */
  async list(l: Listing): Promise<{ keywords: string[]; stored: number }> {
    const title = clampTitle(l.title) || clampTitle(l.fileNames[0] ?? '');
    const keywords = keywordsOf(title, l.fileNames);
    const infoHash = fromHex(l.infoHash) as Uint8Array;
    const record = encodeKeywordRecord(
      { infoHash, title, size: l.size, files: l.files, keywords },
      this.signer,
    );
    this.listed.add(l.infoHash);
    const done = await this.dht.publish(record);
    return { keywords, stored: done.reduce((n, d) => n + (d.stored ?? 0), 0) };
  }

  unlist(infoHash: string): void {
    this.listed.delete(infoHash);
    this.dht.unpublish(infoHash);
  }

  /** Runs a query (a newer one replaces it); resolves its final view. */
  async search(query: string): Promise<SearchView> {
    const gen = ++this.generation;
    const words = queryWords(query);
    const word = lookupWord(words);
    const started = this.now();
    if (word === undefined) return this.set(gen, { query, state: 'done', results: [], doneMs: 0 });
    const results = new SearchResults(words);
    let firstResultMs: number | undefined;
    let lookupMs: number | undefined = undefined;
    const update = (state: SearchView['state']): void => {
      this.set(gen, {
        query,
        state,
        results: results.ranked(),
        ...(firstResultMs !== undefined && { firstResultMs }),
        ...(lookupMs !== undefined && { lookupMs }),
        ...(state === 'done' && { doneMs: this.now() - started }),
      });
    };
    update('searching');
    await this.dht.search(
      word,
      words.filter((w) => w !== word),
      (records) => {
        if (results.add(records) === 0) return;
        firstResultMs ??= this.now() - started;
        update('searching');
      },
    );
    lookupMs = this.now() - started;
    update('ranking');
    await this.countPeers(results, gen, () => update('ranking'));
    update('done');
    return this.current;
  }

  /** A magnet link for a result. */
  magnetOf(r: SearchResult): string {
    return createMagnet({
      infoHash: fromHex(r.infoHash) as Uint8Array,
      name: r.title,
      length: r.size || undefined,
    });
  }

  /** get_peers for the best MAX_PEER_COUNTS results, PEER_COUNTS_IN_PARALLEL at a time. */
  private async countPeers(results: SearchResults, gen: number, changed: () => void): Promise<void> {
    const asked = new Set<string>();
    const worker = async (): Promise<void> => {
      for (;;) {
        if (gen !== this.generation || asked.size >= MAX_PEER_COUNTS) return;
        const [next] = results.needPeerCount(1, asked);
        if (next === undefined) return;
        asked.add(next);
        results.setPeers(next, (await this.dht.getPeers(next)).length);
        changed();
      }
    };
    await Promise.all(Array.from({ length: PEER_COUNTS_IN_PARALLEL }, worker));
  }

  private set(gen: number, view: SearchView): SearchView {
    if (gen !== this.generation) return view;
    this.current = view;
    this.changed();
    return view;
  }
}
