import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { seededRandom } from '../../../shared/random.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import {
  WebSocketSignalingSocketFactory,
  type WebSocketConstructor,
} from '../../../client/src/adapters/websocket-signaling-socket.js';
import { Connections } from '../../../client/src/app/connections.js';
import { DEFAULT_CONNECTION_BUDGET } from '../../../client/src/app/tab-node.js';
import { WebTorrentTrackers } from '../../../client/src/app/webtorrent-trackers.js';
import { startServer, type RunningServer } from '../../../signaling-server/server.js';
import { waitFor } from '../wait-for.js';

const INFO_HASH = 'c'.repeat(40);
const OTHER_HASH = 'd'.repeat(40);

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterAll(() => server.close());

/** A tab's connections and tracker clients, over real sockets to the server and memory links. */
function tab(id: string) {
  const connections = new Connections(
    id,
    new MemoryPeerLinkFactory(),
    seededRandom(id.charCodeAt(0)),
    DEFAULT_CONNECTION_BUDGET,
    () => [],
    (_from, purpose) => purpose.infoHash === INFO_HASH,
  );
  const sockets = new WebSocketSignalingSocketFactory({
    WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
  });
  const trackers = new WebTorrentTrackers({
    peerId: id,
    random: seededRandom(id.charCodeAt(1)),
    connections,
    sockets,
    warn: () => {},
  });
  return { id, connections, trackers };
}

describe('WebTorrentTrackers', () => {
  it('links two peers of a swarm through a WebSocket tracker, as WebTorrent links without DHT', async () => {
    const seed = tab('a1'.repeat(20));
    const leech = tab('b2'.repeat(20));
    try {
      seed.trackers.announce(INFO_HASH, [server.wsUrl, 'udp://ignored.example:1'], {
        complete: true,
        want: 8,
      });
      await waitFor('the seed announced', () => server.stats().webtorrentPeers === 1);
      leech.trackers.announce(INFO_HASH, [server.wsUrl], { complete: false, want: 8 });
      expect(leech.trackers.urls).toEqual([server.wsUrl]);
      const open = (t: ReturnType<typeof tab>, remote: string) =>
        t.connections.all().find((l) => l.open && l.remoteId === remote);
      await waitFor(
        'a link both ways',
        () => open(leech, seed.id) !== undefined && open(seed, leech.id) !== undefined,
      );
      for (const [t, remote] of [
        [leech, seed.id],
        [seed, leech.id],
      ] as const) {
        const link = open(t, remote);
        expect(link?.purpose).toEqual({ infoHash: INFO_HASH, webtorrent: true });
        expect(link?.link.send('dht', new Uint8Array([1]))).toBe(false);
        expect(link?.link.send('wire', new Uint8Array([1]))).toBe(true);
      }
      expect(server.stats()).toMatchObject({ webtorrentOffersRelayed: 1, webtorrentAnswersRelayed: 1 });
    } finally {
      seed.trackers.stop();
      leech.trackers.stop();
      seed.connections.closeAll();
      leech.connections.closeAll();
    }
  });

  it('does not answer offers for a swarm the tab does not have', async () => {
    const stranger = tab('e3'.repeat(20));
    const asker = tab('f4'.repeat(20));
    try {
      // The stranger announces OTHER_HASH too but only keeps INFO_HASH: its admission refuses.
      stranger.trackers.announce(OTHER_HASH, [server.wsUrl], { complete: true, want: 8 });
      await waitFor('the stranger announced', () => server.stats().webtorrentPeers >= 1);
      const { webtorrentOffersRelayed: relayed, webtorrentAnswersRelayed: answered } = server.stats();
      asker.trackers.announce(OTHER_HASH, [server.wsUrl], { complete: false, want: 8 });
      await waitFor('an offer relayed', () => server.stats().webtorrentOffersRelayed > relayed);
      await new Promise((r) => setTimeout(r, 300));
      expect(stranger.connections.size).toBe(0);
      expect(server.stats().webtorrentAnswersRelayed).toBe(answered);
    } finally {
      stranger.trackers.stop();
      asker.trackers.stop();
      stranger.connections.closeAll();
      asker.connections.closeAll();
    }
  });
});
