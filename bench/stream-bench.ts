import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from '@playwright/test';
import { wavFile } from '../harness/wav-file.js';
import { RECEIVE_BUFFER_BUDGET } from '../shared/swarm/swarm.js';
import type { RunningServer } from '../signaling-server/server.js';
import { MiB, table, type BenchSection } from './bench-types.js';
import { heapSampler, openTab, seedRandom, waitStored } from './tabs.js';

/** Runs of the first-frame measure (each a fresh profile: the worker registers on the first visit). */
const FIRST_FRAME_RUNS = 5;
const WAV_SECONDS = 60;

/**
 * Streaming: time from opening a link to the first media frame (the player's `loadeddata`, which
 * needs the service worker's first bytes) on loopback; and the downloader's peak heap above idle
 * for a big download, on the machine as it is and with a CPU-burning process beside it (a store
 * that falls behind is what the receive budget is for).
 */
export const streamBench: BenchSection = async ({ browser, server, quick, log }) => {
  const size = (quick ? 128 : 1024) * MiB;
  const sharer = await openTab(browser, server);
  const wav = wavFile(WAV_SECONDS);
  const { magnet } = await sharer.evaluate(
    async ({ b64, name }) =>
      window.tabswarm.seed(
        Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)),
        name,
      ),
    { b64: wav.toString('base64'), name: 'bench-tone.wav' },
  );
  const openings: Opening[] = [];
  for (let run = 0; run < FIRST_FRAME_RUNS; run++) {
    const o = await firstFrame(browser, server, magnet);
    openings.push(o);
    log(
      `app ${o.app.toFixed(0)} ms, metadata ${o.metadata.toFixed(0)} ms, first frame ${o.frame.toFixed(0)} ms`,
    );
  }
  /** Median and max of one milestone, in ms. */
  const spread = (key: keyof Opening): string => {
    const v = openings.map((o) => o[key]).sort((x, y) => x - y);
    return `${v[Math.floor(v.length / 2)]?.toFixed(0)} / ${v[v.length - 1]?.toFixed(0)}`;
  };

  log(`seeding ${size / MiB} MiB`);
  const seeder = await openTab(browser, server);
  const big = await seedRandom(seeder, size, 'bench-stream-big.bin');
  await waitStored(seeder, big.infoHash);
  log(`heap of a tab downloading ${size / MiB} MiB`);
  const quiet = await downloadHeap(browser, server, big.magnet);
  log(`quiet: ${quiet.growthMiB.toFixed(1)} MiB, ${quiet.mbPerSecond.toFixed(1)} MB/s`);
  const burner = burnCpu();
  let loaded;
  try {
    loaded = await downloadHeap(browser, server, big.magnet);
  } finally {
    burner.kill();
  }
  log(`loaded: ${loaded.growthMiB.toFixed(1)} MiB, ${loaded.mbPerSecond.toFixed(1)} MB/s`);
  for (const p of [sharer, seeder]) await p.context().close();
  const f = (n: number) => n.toFixed(1);
  return table(
    ['measure', 'value', 'target'],
    [
      [`link opened → app started, ${FIRST_FRAME_RUNS} fresh profiles (ms, median / max)`, spread('app'), ''],
      [`link opened → file details from the seed (ms, median / max)`, spread('metadata'), ''],
      [`link opened → first media frame, WAV (ms, median / max)`, spread('frame'), '<= 500'],
      [`downloader peak JS heap above idle, ${size / MiB} MiB, as is (MiB)`, f(quiet.growthMiB), '< 32'],
      [`download rate, as is (MB/s)`, f(quiet.mbPerSecond), ''],
      [
        `downloader peak JS heap above idle, ${size / MiB} MiB, CPU burner beside (MiB)`,
        f(loaded.growthMiB),
        '< 32',
      ],
      [`download rate, CPU burner beside (MB/s)`, f(loaded.mbPerSecond), ''],
      ['receive budget (MiB)', f(RECEIVE_BUFFER_BUDGET / MiB), ''],
    ],
  );
};

/** Milestones of opening a link, in ms from navigation start. */
interface Opening {
  /** The app's scripting API is up (the page has loaded and started). */
  app: number;
  /** The file's details (info dictionary) arrived from the seed. */
  metadata: number;
  /** The player has its first frame (`readyState` >= HAVE_CURRENT_DATA). */
  frame: number;
}

/**
 * Opens `magnet` in a fresh profile and times it to the player's first frame; waits for the whole
 * file before closing, so the seed is not left mid-upload to a peer that vanished.
 */
async function firstFrame(browser: Browser, server: RunningServer, magnet: string): Promise<Opening> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}#${magnet}`);
    // No named inner functions: tsx would wrap them in a helper the page does not have.
    const opening = await page.evaluate(async () => {
      const marks: Partial<Record<'app' | 'metadata' | 'frame', number>> = {};
      const deadline = performance.now() + 60_000;
      while (performance.now() < deadline) {
        if (window.tabswarm !== undefined) marks.app ??= performance.now();
        if ((window.tabswarm?.status().transfers[0]?.length ?? 0) > 0) marks.metadata ??= performance.now();
        // The first audio or video element anywhere in the page's shadow roots.
        const roots: (Document | ShadowRoot)[] = [document];
        let el: HTMLMediaElement | undefined;
        while (roots.length > 0 && !el) {
          for (const e of (roots.pop() as Document | ShadowRoot).querySelectorAll('*')) {
            if (e instanceof HTMLMediaElement) el = e;
            if (e.shadowRoot) roots.push(e.shadowRoot);
          }
        }
        if (el && el.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
          marks.frame = performance.now();
          return marks as Opening;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error('no media frame within 60 s');
    });
    await page.evaluate(async () => {
      const t = window.tabswarm.status().transfers[0];
      if (t) await window.tabswarm.waitForComplete(t.infoHash, 120_000);
    });
    return opening;
  } finally {
    await context.close();
  }
}

/** Downloads `magnet` in a fresh tab; its peak heap above idle and the rate. */
async function downloadHeap(
  browser: Browser,
  server: RunningServer,
  magnet: string,
): Promise<{ growthMiB: number; mbPerSecond: number }> {
  const d: Page = await openTab(browser, server);
  const sampler = await heapSampler(d);
  const { seconds, length } = await d.evaluate(async (m) => {
    const t0 = performance.now();
    const { infoHash } = await window.tabswarm.download(m);
    const t = await window.tabswarm.waitForComplete(infoHash, 1_800_000);
    return { seconds: (performance.now() - t0) / 1000, length: t.length };
  }, magnet);
  const peak = await sampler.stop();
  await d.context().close();
  return { growthMiB: (peak - sampler.baseline) / MiB, mbPerSecond: length / 1e6 / seconds };
}

/** A process spinning one core, as other work on a busy machine would. */
function burnCpu(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}
