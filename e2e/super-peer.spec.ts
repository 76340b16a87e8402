import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { createNodePeer, type NodePeer } from '../node-peer/create-node-peer.js';
import { SUPER_PEER_OPTIONS } from '../node-peer/super-peer.js';
import { unlinkedPair } from '../harness/tabs.js';
import { expect, infoHashOf, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';

/** Tabs keep very few DHT links and use no tracker: whatever they find, they find through relays. */
const SPARSE =
  '?tracker=off&dht.maxConnections=4&dht.targetConnections=2&dht.nearConnections=2&dht.bucketConnections=1';
const TABS = 10;

test('a super-peer keeps a sparse overlay of tabs together: server gone, half the tabs closed, the rest still find each other', async ({
  person,
  server,
}) => {
  test.setTimeout(240_000);
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-super-'));
  let peer: NodePeer | undefined;
  try {
    // A Node super-peer (real WebRTC through @roamhq/wrtc), up before the tabs.
    peer = await createNodePeer({
      server: server.wsUrl,
      stateDir: dir,
      useTracker: false,
      ...SUPER_PEER_OPTIONS,
    });
    await peer.node.ready;
    const superId = peer.node.peerId;
    const tabs: Page[] = [];
    for (let i = 0; i < TABS; i++) tabs.push(await (await person()).open(SPARSE));
    for (const tab of tabs)
      await expect
        .poll(() => tab.evaluate(() => window.tabswarm.status().dht.joined), { timeout: 60_000 })
        .toBe(true);
    // Most tabs have a link to the super-peer: it wants links across the whole id space.
    await expect
      .poll(async () => (await Promise.all(tabs.map((t) => linkedTo(t, superId)))).filter(Boolean).length, {
        timeout: 60_000,
      })
      .toBeGreaterThanOrEqual(TABS / 2);

    await server.close();
    // Half the tabs go away; the rest keep at most a few links, the super-peer among them.
    const closing = tabs.splice(0, TABS / 2);
    for (const tab of closing) await tab.context().close();
    // Two remaining tabs with no link between them, both linked to the super-peer if the overlay
    // gets there (tabs that lost links open new ones, signaled through what is left of it).
    const viaSuper = async (): Promise<[Page, Page] | undefined> => {
      const stayed: Page[] = [];
      for (const tab of tabs) if (await linkedTo(tab, superId)) stayed.push(tab);
      return unlinkedPair(stayed);
    };
    let pair: [Page, Page] | undefined;
    await expect
      .poll(async () => (pair = await viaSuper()) !== undefined, { timeout: 30_000 })
      .toBe(true)
      .catch(() => undefined);
    // Each tab keeps at most 4 DHT links, one of them mostly to the super-peer: some two tabs are not linked.
    pair ??= await unlinkedPair(tabs);
    if (pair === undefined) throw new Error('no two remaining tabs without a link between them');
    const [x, y] = pair;
    const relayedBefore = peer.node.status().dht.counters.relayed;
    const data = randomFile(256 * 1024);
    const magnet = await shareFile(x, 'via-super.bin', data);
    await y.getByTestId('link-input').fill(magnet);
    await y.getByTestId('open-link').click();
    await waitForComplete(y, 'via-super.bin', 120_000);
    expect(await y.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(data));
    // The lookups and the WebRTC signals between them went through the super-peer.
    expect(peer.node.status().dht.counters.relayed).toBeGreaterThan(relayedBefore);
  } finally {
    await peer?.node.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});

function linkedTo(tab: Page, id: string): Promise<boolean> {
  return tab.evaluate((id) => window.tabswarm.status().links.some((l) => l.open && l.remoteId === id), id);
}
