import type { Page } from '@playwright/test';
import { seededRandom } from '../shared/random.js';
import { randomTitle } from '../sim/search-workload.js';
import { queryWords } from '../shared/search/keywords.js';
import { table, type BenchSection } from './bench-types.js';
import { openTab } from './tabs.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const p50p95 = (values: number[]): [string, string] => {
  const s = [...values].sort((a, b) => a - b);
  return [percentile(s, 50).toFixed(1), percentile(s, 95).toFixed(1)];
};

/**
 * Eight real tabs form the overlay; four of them list five small files each under realistic
 * titles; once the links are warm every tab searches for one or two words of those titles. For
 * each search: time to the first result, and to the end (lookup done and the best results' peers
 * counted), beside find_node lookups from the same tabs in the same run.
 */
export const searchBench: BenchSection = async ({ browser, server, quick, log }) => {
  const random = seededRandom(1313);
  const tabs: Page[] = [];
  for (let i = 0; i < 8; i++) tabs.push(await openTab(browser, server, '?tracker=off'));
  const titles = Array.from({ length: 20 }, () => randomTitle(random));
  log('listing 20 files from 4 tabs');
  for (let i = 0; i < titles.length; i++) {
    await (tabs[i % 4] as Page).evaluate(
      async ([title, n]) => {
        const data = crypto.getRandomValues(new Uint8Array(16 * 1024));
        const { infoHash } = await window.tabswarm.seed(data, `file-${n}.bin`);
        await window.tabswarm.list(infoHash, title);
      },
      [titles[i] as string, i] as const,
    );
  }
  await new Promise((r) => setTimeout(r, 3000));
  const perTab = quick ? 5 : 20;
  const first: number[] = [];
  const done: number[] = [];
  const lookup: number[] = [];
  const found: number[] = [];
  const lookups: number[] = [];
  for (const tab of tabs) {
    const queries = Array.from({ length: perTab }, () => {
      const words = queryWords(titles[random.int(titles.length)] as string);
      return words.slice(0, 1 + random.int(Math.min(2, words.length))).join(' ');
    });
    const rows = await tab.evaluate(async (qs) => {
      const out: { first: number; kw: number; done: number; found: number; lookup: number }[] = [];
      for (const q of qs) {
        const v = await window.tabswarm.search(q);
        const target = Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) =>
          b.toString(16).padStart(2, '0'),
        ).join('');
        const t0 = performance.now();
        await window.tabswarm.dht.findNode(target);
        out.push({
          first: v.firstResultMs ?? NaN,
          kw: v.lookupMs ?? NaN,
          done: v.doneMs ?? NaN,
          found: v.results.length,
          lookup: performance.now() - t0,
        });
      }
      return out;
    }, queries);
    for (const r of rows) {
      first.push(r.first);
      done.push(r.done);
      lookup.push(r.kw);
      found.push(r.found);
      lookups.push(r.lookup);
    }
  }
  for (const t of tabs) await t.context().close();
  const searches = first.length;
  const missed = found.filter((n) => n === 0).length;
  const result = table(
    ['8 tabs, warm links', 'count', 'p50 ms', 'p95 ms', 'note'],
    [
      [
        'search: first result',
        searches,
        ...p50p95(first.filter((x) => !Number.isNaN(x))),
        `${missed} found nothing; k = 20 > 8 tabs, so each tab holds every record itself`,
      ],
      ['search: keyword lookup done', searches, ...p50p95(lookup), ''],
      ['search: done (results ranked by peers)', searches, ...p50p95(done), ''],
      ['find_node, same tabs, same run', lookups.length, ...p50p95(lookups), ''],
    ],
  );
  log(result);
  return result;
};
