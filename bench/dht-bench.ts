import { table, type BenchSection } from './bench-types.js';
import { overlayConnectBench } from './overlay-connect.js';
import { openTab } from './tabs.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Eight real tabs form the overlay; once their links are warm, each runs find_node and
 * get_peers lookups. Prints lookup latency p50/p95, RPCs per lookup and live links per tab.
 */
export const dhtBench: BenchSection = async ({ browser, server, quick, log }) => {
  const tabs = [];
  for (let i = 0; i < 8; i++) tabs.push(await openTab(browser, server, '?tracker=off'));
  log('waiting for the overlay to settle');
  await new Promise((r) => setTimeout(r, 5000));
  const perTab = quick ? 10 : 40;
  const rows: { kind: string; ms: number; rpcs: number }[] = [];
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
  const links = await Promise.all(
    tabs.map((t) => t.evaluate(() => window.tabswarm.status().links.filter((l) => l.open).length)),
  );
  const opened = await Promise.all(
    tabs.map((t) => t.evaluate(() => window.tabswarm.status().connectionsOpened)),
  );
  for (const t of tabs) await t.context().close();
  const firstContact = await overlayConnectBench(browser, quick, log);
  const out: (string | number)[][] = [];
  for (const kind of ['find_node', 'get_peers']) {
    const r = rows.filter((x) => x.kind === kind);
    const ms = r.map((x) => x.ms).sort((a, b) => a - b);
    const rpcs = r.reduce((s, x) => s + x.rpcs, 0) / r.length;
    out.push([kind, r.length, percentile(ms, 50).toFixed(2), percentile(ms, 95).toFixed(2), rpcs.toFixed(1)]);
  }
  return [
    table(['lookup (8 tabs, warm links)', 'lookups', 'p50 ms', 'p95 ms', 'RPCs / lookup'], out),
    '',
    table(
      ['live links per tab (max)', 'links opened per tab (max)', 'target'],
      [[Math.max(...links), Math.max(...opened), 'p50 < 10 ms, <= 40 links']],
    ),
    '',
    firstContact,
  ].join('\n');
};
