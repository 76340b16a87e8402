import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { createNodePeer, type NodePeer } from '../node-peer/create-node-peer.js';
import { SUPER_PEER_OPTIONS } from '../node-peer/super-peer.js';
import { SPARSE, unlinkedPair } from '../harness/tabs.js';
import { expect, infoHashOf, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';

const TABS = 10;

test('a super-peer keeps a sparse overlay of tabs together: server gone, half the tabs closed, the rest still find each other', async ({
  person,
  server,
}) => {
  test.setTimeout(240_000);
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-super-'));
  let peer: NodePeer | undefined;
  const tabs: Page[] = [];
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
    for (let i = 0; i < TABS; i++) tabs.push(await (await person()).open(SPARSE));
    // Every tab keeps one link to the super-peer, its anchor, however few links it keeps.
    await expect
      .poll(async () => (await Promise.all(tabs.map((t) => anchoredTo(t, superId)))).filter(Boolean).length, {
        timeout: 120_000,
      })
      .toBe(TABS)
      .catch(async (err: unknown) => {
        for (const tab of tabs) console.log('[overlay]', await overlayOf(tab));
        const s = peer!.node.status();
        console.log(
          '[super]',
          JSON.stringify({
            live: s.dht.connections.live.map((x) => x.slice(0, 8)),
            pending: s.dht.connections.pending.map((x) => x.slice(0, 8)),
            contacts: s.dht.buckets.flatMap((b) =>
              b.contacts.map((c) => `${c.id.slice(0, 8)}:${c.routeLength ?? '-'}:${c.failures}`),
            ),
            c: s.dht.counters,
            opened: s.dht.connections.openedTotal,
          }),
        );
        throw err;
      });

    await server.close();
    // Half the tabs go away; the rest lose their links to them, not their anchors.
    const closing = tabs.splice(0, TABS / 2);
    for (const tab of closing) await tab.context().close();
    for (const tab of tabs) expect(await anchoredTo(tab, superId)).toBe(true);
    // Each tab keeps at most 4 links, one of them its anchor: some two of the five are not linked.
    const pair = await unlinkedPair(tabs);
    if (pair === undefined) throw new Error('no two remaining tabs without a link between them');
    const [x, y] = pair;
    const relayedBefore = peer.node.status().dht.counters.relayed;
    const data = randomFile(256 * 1024);
    const magnet = await shareFile(x, 'via-super.bin', data);
    await y.getByTestId('link-input').fill(magnet);
    await y.getByTestId('open-link').click();
    await waitForComplete(y, 'via-super.bin', 120_000).catch(async (err: unknown) => {
      for (const tab of tabs) console.log('[overlay]', await overlayOf(tab));
      throw err;
    });
    expect(await y.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(data));
    // The lookups and the WebRTC signals between them went through the super-peer.
    expect(peer.node.status().dht.counters.relayed).toBeGreaterThan(relayedBefore);
  } finally {
    await peer?.node.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});

function anchoredTo(tab: Page, id: string): Promise<boolean> {
  return tab.evaluate((id) => window.tabswarm.status().dht.connections.anchors.includes(id), id);
}

/** One line per tab for a failure: its links, anchors and what it is downloading. */
function overlayOf(tab: Page): Promise<string> {
  return tab.evaluate(() => {
    const s = window.tabswarm.status();
    const short = (id: string): string => id.slice(0, 8);
    return JSON.stringify({
      id: short(s.peerId),
      links: s.links.map((l) => `${short(l.remoteId)}${l.open ? '' : '?'}${l.infoHash ? '+swarm' : ''}`),
      anchors: s.dht.connections.anchors.map(short),
      live: s.dht.connections.live.map(short),
      pending: s.dht.connections.pending.map(short),
      opened: s.dht.connections.openedTotal,
      routes: s.dht.buckets.flatMap((b) => b.contacts.map((c) => `${short(c.id)}:${c.routeLength ?? '-'}`)),
      transfers: s.transfers.map((t) => `${t.state} ${t.peers.length} peers`),
    });
  });
}
