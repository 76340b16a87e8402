import { afterEach, describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, toHex } from '../../../shared/bytes.js';
import { DEFAULT_PIECE_LENGTH } from '../../../shared/info-dictionary.js';
import { seededRandom } from '../../../shared/random.js';
import { RECEIVE_BUFFER_BUDGET } from '../../../shared/swarm/swarm.js';
import { MemoryFileReader } from '../../../client/src/adapters/memory-file-reader.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import type { PieceWrite } from '../../../client/src/adapters/piece-store.js';
import { createPieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import { Connections } from '../../../client/src/app/connections.js';
import { Notices } from '../../../client/src/app/notices.js';
import { Transfers } from '../../../client/src/app/transfers.js';
import { waitFor } from '../wait-for.js';

/** Each write takes this long: a store far slower than the in-memory links (a busy phone's disk). */
const WRITE_DELAY_MS = 100;

/**
 * The in-memory store, slowed down: one write at a time (as a disk), each taking WRITE_DELAY_MS.
 * Counts the bytes handed to it and not yet written.
 */
class SlowPieceStore extends MemoryPieceStore {
  pending = 0;
  peakPending = 0;
  private tail: Promise<void> = Promise.resolve();

  override async putPieces(infoHash: string, pieces: readonly PieceWrite[]): Promise<void> {
    const bytes = pieces.reduce((n, p) => n + p.data.length, 0);
    this.pending += bytes;
    this.peakPending = Math.max(this.peakPending, this.pending);
    const turn = this.tail.then(() => new Promise<void>((r) => setTimeout(r, WRITE_DELAY_MS)));
    this.tail = turn;
    await turn;
    try {
      await super.putPieces(infoHash, pieces);
    } finally {
      this.pending -= bytes;
    }
  }
}

interface Tab {
  id: string;
  transfers: Transfers;
  connections: Connections;
}

const tabs: Tab[] = [];

function tab(store: MemoryPieceStore, seed: number): Tab {
  const random = seededRandom(seed);
  const peerId = random.bytes(20);
  const id = toHex(peerId);
  const connections: Connections = new Connections(
    id,
    new MemoryPeerLinkFactory(),
    random,
    8,
    () => [],
    () => true,
  );
  const transfers = new Transfers({
    peerId,
    random,
    trackers: [],
    store,
    hasher: createPieceHasher(),
    reader: new MemoryFileReader(),
    saver: new MemoryFileSaver(),
    connections,
    notices: new Notices(),
    now: () => Date.now(),
    changed: () => {},
    findPeers: () => {},
    completed: () => {},
  });
  const t = { id, transfers, connections };
  tabs.push(t);
  return t;
}

afterEach(() => {
  for (const t of tabs.splice(0)) {
    void t.transfers.stop();
    t.connections.closeAll();
  }
});

describe('receive budget with a slow store', () => {
  it('keeps the pieces waiting in memory under RECEIVE_BUFFER_BUDGET while the download completes', async () => {
    const a = tab(new MemoryPieceStore(), 21);
    const slow = new SlowPieceStore();
    const b = tab(slow, 22);
    a.connections.on('signal', (to, env) => to === b.id && b.connections.receiveSignal(a.id, env));
    b.connections.on('signal', (to, env) => to === a.id && a.connections.receiveSignal(b.id, env));
    const data = seededRandom(23).bytes(3 * RECEIVE_BUFFER_BUDGET + 1000);
    const { infoHash, magnet } = await a.transfers.seed(
      new Blob([data as Uint8Array<ArrayBuffer>]),
      'big.bin',
    );
    await b.transfers.download(magnet);
    b.connections.connect(a.id, { infoHash });
    let peakBuffered = 0;
    const sampler = setInterval(() => {
      peakBuffered = Math.max(peakBuffered, b.transfers.view(infoHash)?.receiveBuffered ?? 0);
    }, 5);
    try {
      await waitFor('the download to complete', () => b.transfers.view(infoHash)?.state === 'seeding', {
        timeoutMs: 60_000,
      });
    } finally {
      clearInterval(sampler);
    }
    console.log(
      `peak held ${(peakBuffered / 2 ** 20).toFixed(1)} MiB, peak waiting for the store ${(slow.peakPending / 2 ** 20).toFixed(1)} MiB, budget ${RECEIVE_BUFFER_BUDGET / 2 ** 20} MiB`,
    );
    expect(peakBuffered).toBeLessThanOrEqual(RECEIVE_BUFFER_BUDGET);
    expect(slow.peakPending).toBeLessThanOrEqual(RECEIVE_BUFFER_BUDGET);
    // The store was the bottleneck: without the budget the backlog would have grown past it.
    expect(slow.peakPending).toBeGreaterThanOrEqual(RECEIVE_BUFFER_BUDGET / 2);
    const pieces = Math.ceil(data.length / DEFAULT_PIECE_LENGTH);
    const stored = await Promise.all(Array.from({ length: pieces }, (_, i) => slow.getPiece(infoHash, i)));
    expect(bytesEqual(concatBytes(stored as Uint8Array[]), data)).toBe(true);
  });
});
