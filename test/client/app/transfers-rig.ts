import { toHex } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { MemoryFileReader } from '../../../client/src/adapters/memory-file-reader.js';
import { MemoryFileSaver } from '../../../client/src/adapters/memory-file-saver.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import { createPieceHasher, type PieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import { Connections } from '../../../client/src/app/connections.js';
import { Notices } from '../../../client/src/app/notices.js';
import type { TorrentHost } from '../../../client/src/app/torrent-host.js';
import { Transfers } from '../../../client/src/app/transfers.js';

/** One tab's transfers over in-memory adapters, with what they asked of the tab recorded. */
export interface Rig {
  id: string;
  transfers: Transfers;
  connections: Connections;
  notices: Notices;
  store: MemoryPieceStore;
  reader: MemoryFileReader;
  saver: MemoryFileSaver;
  wantedPeers: TorrentHost[];
  completed: TorrentHost[];
}

const rigs: Rig[] = [];
let seed = 1;

export function rig(
  opts: { store?: MemoryPieceStore; metadataPatienceMs?: number; hasher?: PieceHasher } = {},
): Rig {
  const random = seededRandom(seed++);
  const peerId = random.bytes(20);
  const id = toHex(peerId);
  const notices = new Notices();
  const store = opts.store ?? new MemoryPieceStore();
  const reader = new MemoryFileReader();
  const saver = new MemoryFileSaver();
  const wantedPeers: TorrentHost[] = [];
  const completed: TorrentHost[] = [];
  const connections: Connections = new Connections(
    id,
    new MemoryPeerLinkFactory(),
    random,
    8,
    () => [],
    (_from, purpose): boolean => purpose.infoHash !== undefined && transfers.has(purpose.infoHash),
  );
  const transfers: Transfers = new Transfers({
    peerId,
    random,
    trackers: [],
    store,
    hasher: opts.hasher ?? createPieceHasher(),
    reader,
    saver,
    connections,
    notices,
    now: () => Date.now(),
    ...(opts.metadataPatienceMs ? { metadataPatienceMs: opts.metadataPatienceMs } : {}),
    changed: () => {},
    findPeers: (host) => wantedPeers.push(host),
    completed: (host) => completed.push(host),
  });
  const r = { id, transfers, connections, notices, store, reader, saver, wantedPeers, completed };
  rigs.push(r);
  return r;
}

/** Carries each side's link signals to the other, as the server or the overlay would. */
export function relay(a: Rig, b: Rig): void {
  a.connections.on('signal', (to, env) => to === b.id && b.connections.receiveSignal(a.id, env));
  b.connections.on('signal', (to, env) => to === a.id && a.connections.receiveSignal(b.id, env));
}

export const TRACKER = 'wss://tracker.example/announce';

export function fileOf(bytes: number): { blob: Blob; data: Uint8Array } {
  const data = seededRandom(bytes).bytes(bytes);
  return { blob: new Blob([data as Uint8Array<ArrayBuffer>]), data };
}

/** Stops every rig made so far (after each test), once their verified pieces are stored. */
export async function closeRigs(): Promise<void> {
  const stopped = rigs.splice(0).map((r) => {
    const written = r.transfers.stop();
    r.connections.closeAll();
    return written;
  });
  await Promise.all(stopped);
}
