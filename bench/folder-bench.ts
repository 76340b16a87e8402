import type { Page } from '@playwright/test';
import { table, type BenchContext } from './bench-types.js';
import { openTab } from './tabs.js';

/**
 * A folder of many small files: hashing and sharing it, against one file of the same bytes in the
 * same run, then opening its link in another tab until the file list shows and the download ends.
 * While each step runs, the page's main thread is watched: a 20 ms interval timer records its
 * longest gap (what a person would feel as a freeze), and long tasks (> 50 ms) are summed.
 */

interface Watch {
  maxGapMs: number;
  longTasks: number;
  longTaskMs: number;
}

/** Starts watching the page's main thread. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as {
      benchWatch?: { maxGap: number; last: number; timer: number; long: number[] };
    };
    const state = { maxGap: 0, last: performance.now(), timer: 0, long: [] as number[] };
    state.timer = window.setInterval(() => {
      const now = performance.now();
      state.maxGap = Math.max(state.maxGap, now - state.last);
      state.last = now;
    }, 20);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) state.long.push(e.duration);
    }).observe({ type: 'longtask' });
    w.benchWatch = state;
  });
}

/** Stops watching; what was seen. */
async function stopWatch(page: Page): Promise<Watch> {
  return page.evaluate(() => {
    const w = window as unknown as { benchWatch: { maxGap: number; timer: number; long: number[] } };
    clearInterval(w.benchWatch.timer);
    const long = w.benchWatch.long;
    return {
      maxGapMs: w.benchWatch.maxGap,
      longTasks: long.length,
      longTaskMs: long.reduce((a, b) => a + b, 0),
    };
  });
}

/** Makes `count` files of 1–3 KiB in 100 folders inside the page and shares them; seconds taken. */
async function seedFolder(
  page: Page,
  count: number,
): Promise<{ magnet: string; infoHash: string; seconds: number; bytes: number }> {
  return page.evaluate(async (count) => {
    const entries: { path: string; data: Uint8Array }[] = [];
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const data = crypto.getRandomValues(new Uint8Array(1024 + ((i * 7919) % 2048)));
      bytes += data.length;
      entries.push({ path: `Many/d${i % 100}/f${i}.bin`, data });
    }
    const t0 = performance.now();
    const { magnet, infoHash } = await window.tabswarm.seed(entries);
    return { magnet, infoHash, seconds: (performance.now() - t0) / 1000, bytes };
  }, count);
}

/** Shares one file of `bytes` random bytes; seconds taken. */
async function seedOne(page: Page, bytes: number): Promise<number> {
  return page.evaluate(async (bytes) => {
    const data = new Uint8Array(bytes);
    for (let o = 0; o < bytes; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536));
    const t0 = performance.now();
    await window.tabswarm.seed(data, 'one.bin');
    return (performance.now() - t0) / 1000;
  }, bytes);
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);

export async function folderBench(ctx: BenchContext): Promise<string> {
  const count = ctx.quick ? 2_000 : 10_000;
  const seeder = await openTab(ctx.browser, ctx.server);
  await watch(seeder);
  const folder = await seedFolder(seeder, count);
  const seedWatch = await stopWatch(seeder);
  ctx.log(`shared ${count} files (${folder.bytes} bytes) in ${fmt(folder.seconds)} s`);
  // The page shows the shared folder's file list (one page of rows).
  await seeder.getByTestId('file-row').first().waitFor({ timeout: 60_000 });
  const single = await seedOne(seeder, folder.bytes);

  const leecher = await openTab(ctx.browser, ctx.server);
  await watch(leecher);
  const t0 = Date.now();
  await leecher.evaluate((m) => window.tabswarm.download(m), folder.magnet);
  await leecher.getByTestId('file-row').first().waitFor({ timeout: 120_000 });
  const listSeconds = (Date.now() - t0) / 1000;
  const rows = await leecher.getByTestId('file-row').count();
  await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 300_000), folder.infoHash);
  const doneSeconds = (Date.now() - t0) / 1000;
  const leechWatch = await stopWatch(leecher);
  const viewMs = await leecher.evaluate((h) => {
    const t = performance.now();
    for (let i = 0; i < 10; i++) window.tabswarm.transfer(h);
    return (performance.now() - t) / 10;
  }, folder.infoHash);
  await seeder.context().close();
  await leecher.context().close();

  return table(
    ['what', 'figure'],
    [
      ['files (1–3 KiB each, 100 folders)', count],
      ['bytes', folder.bytes],
      ['share the folder: hash + info dictionary (s)', fmt(folder.seconds)],
      ['share one file of the same bytes (s)', fmt(single)],
      ['folder / one file, same run', fmt(folder.seconds / single)],
      ['sharing page: longest main-thread gap (ms)', fmt(seedWatch.maxGapMs, 0)],
      [
        'sharing page: long tasks (count, total ms)',
        `${seedWatch.longTasks}, ${fmt(seedWatch.longTaskMs, 0)}`,
      ],
      ['open the link until the file list shows (s)', fmt(listSeconds)],
      ['file rows in the page (one page)', rows],
      ['open the link until every file is stored (s)', fmt(doneSeconds)],
      ['receiving page: longest main-thread gap (ms)', fmt(leechWatch.maxGapMs, 0)],
      [
        'receiving page: long tasks (count, total ms)',
        `${leechWatch.longTasks}, ${fmt(leechWatch.longTaskMs, 0)}`,
      ],
      ['transfer(infoHash) with its file list (ms per call)', fmt(viewMs)],
    ],
  );
}
