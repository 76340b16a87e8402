import type { Browser, Page } from '@playwright/test';
import { startServer } from '../signaling-server/server.js';
import { median, table } from './bench-types.js';
import { SPARSE, unlinkedPair } from '../harness/tabs.js';
import { openTab, seedRandom } from './tabs.js';

/**
 * Milliseconds from opening a magnet link to having the (one-piece) file, between tabs with no
 * link yet: the DHT lookup for peers, the WebRTC setup, metadata and the piece.
 */
async function firstContact(tabs: Page[], count: number, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const pair = await unlinkedPair(tabs);
    if (!pair) break;
    const [x, y] = pair;
    const { magnet } = await seedRandom(x, 16 * 1024, `${tag}-${i}.bin`);
    out.push(
      await y.evaluate(async (m) => {
        const t0 = performance.now();
        const { infoHash } = await window.tabswarm.download(m);
        await window.tabswarm.waitForComplete(infoHash, 60_000);
        return performance.now() - t0;
      }, magnet),
    );
  }
  return out;
}

/**
 * Eight sparse tabs: a download between two tabs with no link, while the server is up (signals
 * through the server where the overlay has no path) and after it stopped (through the overlay).
 */
export async function overlayConnectBench(browser: Browser, quick: boolean, log: (l: string) => void) {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  const tabs: Page[] = [];
  try {
    for (let i = 0; i < 8; i++) tabs.push(await openTab(browser, server, SPARSE));
    await new Promise((r) => setTimeout(r, 3000));
    const n = quick ? 3 : 6;
    log('first contact with the server up');
    const withServer = await firstContact(tabs, n, 'up');
    await server.close();
    log('first contact with the server stopped');
    await new Promise((r) => setTimeout(r, 1000));
    const without = await firstContact(tabs, n, 'down');
    return table(
      ['download between unlinked tabs (8 tabs, <= 4 links each)', 'runs', 'median ms', 'max ms'],
      [
        ['server up', withServer.length, median(withServer).toFixed(0), Math.max(...withServer).toFixed(0)],
        [
          'server stopped: found and signalled through the overlay',
          without.length,
          median(without).toFixed(0),
          Math.max(...without).toFixed(0),
        ],
      ],
    );
  } finally {
    for (const t of tabs) await t.context().close();
    await server.close();
  }
}
