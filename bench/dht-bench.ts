import { table, type BenchSection } from './bench-types.js';
import type { Page } from '@playwright/test';
import { SPARSE } from '../harness/tabs.js';
import { overlayConnectBench } from './overlay-connect.js';
import { openTab } from './tabs.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface LookupRow {
  kind: string;
  ms: number;
  rpcs: number;
}

/** Relayed answers the tabs' DHT nodes checked (verified) so far; NaN where the node has no such counter. */
async function answersChecked(tabs: Page[]): Promise<number> {
  const counts = await Promise.all(
    tabs.map((t) => t.evaluate(() => window.tabswarm.status().dht.counters.answersChecked ?? NaN)),
  );
  return counts.reduce((s, x) => s + x, 0);
}

/** Each tab runs `perTab` find_node and `perTab` get_peers lookups for random targets. */
async function runLookups(tabs: Page[], perTab: number): Promise<LookupRow[]> {
  const rows: LookupRow[] = [];
  for (const tab of tabs) {
    const results = await tab.evaluate(async (n) => {
      const out: { kind: string; ms: number; rpcs: number }[] = [];
      // No named inner functions here: the bundler would wrap them in a helper the page lacks.
      const ids = Array.from({ length: 2 * n }, () =>
        Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => b.toString(16).padStart(2, '0')).join(
          '',
        ),
      );
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await window.tabswarm.dht.findNode(ids[2 * i]!);
        out.push({ kind: 'find_node', ms: performance.now() - t0, rpcs: r.rpcs });
        const t1 = performance.now();
        await window.tabswarm.dht.getPeers(ids[2 * i + 1]!);
        const stats = window.tabswarm.dht.lookupStats();
        out.push({ kind: 'get_peers', ms: performance.now() - t1, rpcs: stats[stats.length - 1]?.rpcs ?? 0 });
      }
      return out;
    }, perTab);
    rows.push(...results);
  }
  return rows;
}

/** Table rows for one overlay: per lookup kind, count, p50, p95, RPCs, and answers verified per lookup. */
function lookupTable(overlay: string, rows: LookupRow[], verified: number): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (const kind of ['find_node', 'get_peers']) {
    const r = rows.filter((x) => x.kind === kind);
    const ms = r.map((x) => x.ms).sort((a, b) => a - b);
    const rpcs = r.reduce((s, x) => s + x.rpcs, 0) / r.length;
    out.push([
      `${kind}, ${overlay}`,
      r.length,
      percentile(ms, 50).toFixed(2),
      percentile(ms, 95).toFixed(2),
      rpcs.toFixed(1),
    ]);
  }
  const perLookup = Number.isNaN(verified) ? '-' : (verified / rows.length).toFixed(2);
  for (const row of out) row.push(perLookup);
  return out;
}

/**
 * Eight real tabs form the overlay; once their links are warm, each runs find_node and get_peers
 * lookups. Then the same in eight sparse tabs (at most 4 links each), where most answers come
 * back through relays and so are signed and verified. Prints lookup latency p50/p95, RPCs per
 * lookup, relayed answers verified per lookup (all the tabs' DHT traffic meanwhile, over the
 * lookups) and live links per tab.
 */
export const dhtBench: BenchSection = async ({ browser, server, quick, log }) => {
  const tabs: Page[] = [];
  for (let i = 0; i < 8; i++) tabs.push(await openTab(browser, server, '?tracker=off'));
  log('waiting for the overlay to settle');
  await new Promise((r) => setTimeout(r, 5000));
  const perTab = quick ? 10 : 40;
  const denseBefore = await answersChecked(tabs);
  const dense = await runLookups(tabs, perTab);
  const denseVerified = (await answersChecked(tabs)) - denseBefore;
  const links = await Promise.all(
    tabs.map((t) => t.evaluate(() => window.tabswarm.status().links.filter((l) => l.open).length)),
  );
  const opened = await Promise.all(
    tabs.map((t) => t.evaluate(() => window.tabswarm.status().connectionsOpened)),
  );
  for (const t of tabs) await t.context().close();
  log('sparse overlay: lookups through relays');
  const sparseTabs: Page[] = [];
  for (let i = 0; i < 8; i++) sparseTabs.push(await openTab(browser, server, SPARSE));
  await new Promise((r) => setTimeout(r, 5000));
  const sparseBefore = await answersChecked(sparseTabs);
  const sparse = await runLookups(sparseTabs, perTab);
  const sparseVerified = (await answersChecked(sparseTabs)) - sparseBefore;
  for (const t of sparseTabs) await t.context().close();
  const lookupRows = [
    ...lookupTable('8 tabs, warm links', dense, denseVerified),
    ...lookupTable('8 tabs, <= 4 links each', sparse, sparseVerified),
  ];
  const lookupsTable = table(
    ['lookup', 'lookups', 'p50 ms', 'p95 ms', 'RPCs / lookup', 'answers verified / lookup'],
    lookupRows,
  );
  log(lookupsTable);
  const firstContact = await overlayConnectBench(browser, quick, log);
  return [
    lookupsTable,
    '',
    table(
      ['live links per tab (max)', 'links opened per tab (max)', 'target'],
      [[Math.max(...links), Math.max(...opened), 'p50 < 10 ms, <= 40 links']],
    ),
    '',
    firstContact,
  ].join('\n');
};
