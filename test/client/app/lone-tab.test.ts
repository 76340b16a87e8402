import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SECRET_KEY_BYTES, identityFromSecretKey } from '../../../shared/identity/index.js';
import { seededRandom } from '../../../shared/random.js';
import { BOOTSTRAP_BACKOFF } from '../../../shared/signaling/bootstrap-backoff.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import { MemoryFileReader } from '../../../client/src/adapters/memory-file-reader.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import { createPieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import type { SignalingSocketFactory } from '../../../client/src/adapters/signaling-socket.js';
import { WebSocketSignalingSocketFactory } from '../../../client/src/adapters/websocket-signaling-socket.js';
import { TabNode } from '../../../client/src/app/tab-node.js';
import { startServer, type RunningServer } from '../../../signaling-server/server.js';

/**
 * A tab alone on a server (the real SignalingClient, DHT host and server over loopback, links
 * in memory): the DHT has nobody, and every empty answer made it ask again at once, about a
 * hundred `register`s a second. Now its asks back off from BOOTSTRAP_BACKOFF.minMs.
 */
const WATCH_MS = 3000;
let server: RunningServer;
let node: TabNode | undefined;

beforeEach(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  node?.stop();
  await server.close();
});

/** Wraps a socket factory to record the type of every message the tab sends. */
function recording(factory: SignalingSocketFactory, sent: string[]): SignalingSocketFactory {
  return {
    connect(url) {
      const socket = factory.connect(url);
      const send = socket.send.bind(socket);
      socket.send = (message: unknown) => {
        sent.push((message as { type: string }).type);
        return send(message);
      };
      return socket;
    },
  };
}

describe('a lone tab', () => {
  it(`sends a handful of registers and announces in ${WATCH_MS / 1000} s, not one per round trip`, async () => {
    const random = seededRandom(1);
    const sent: string[] = [];
    const sockets = new WebSocketSignalingSocketFactory({
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    node = new TabNode({
      identity: identityFromSecretKey(random.bytes(SECRET_KEY_BYTES)),
      random,
      serverUrl: server.wsUrl,
      trackers: [server.wsUrl],
      store: new MemoryPieceStore(),
      hasher: createPieceHasher(),
      links: new MemoryPeerLinkFactory(),
      reader: new MemoryFileReader(),
      saver: new MemoryFileSaver(),
      sockets: recording(sockets, sent),
    });
    await node.start();
    await node.seed(new Blob([random.bytes(1000) as Uint8Array<ArrayBuffer>]), 'alone.bin');
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const count = (type: string): number => sent.filter((t) => t === type).length;
    // The register that connects, at most one early ask, then the server's retryAfterMs.
    expect(count('register')).toBeLessThanOrEqual(1 + Math.ceil(WATCH_MS / BOOTSTRAP_BACKOFF.minMs));
    // The seed's own announce and its quick looks for peers (1 s, 2 s ...), none per reply.
    expect(count('announce')).toBeLessThanOrEqual(4);
    expect(node.signaling.state).toBe('online');
    expect(server.stats().messagesDropped).toBe(0);
  });
});
