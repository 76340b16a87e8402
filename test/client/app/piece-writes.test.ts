import { afterEach, describe, expect, it, vi } from 'vitest';
import { concatBytes, toHex } from '../../../shared/bytes.js';
import { ErrorCode, type TabswarmError } from '../../../shared/errors.js';
import { createInfoDictionary } from '../../../shared/info-dictionary.js';
import { seededRandom } from '../../../shared/random.js';
import { sha1 } from '../../../shared/sha1.js';
import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import { createPieceHasher, type PieceHasher } from '../../../client/src/adapters/piece-hasher.js';
import type { PieceStore, PieceWrite } from '../../../client/src/adapters/piece-store.js';
import { PieceWrites } from '../../../client/src/app/piece-writes.js';

const PIECE = 16 * 1024;
const COUNT = 10;
const bytes = seededRandom(5).bytes(COUNT * PIECE);
const piece = (i: number): Uint8Array => bytes.subarray(i * PIECE, (i + 1) * PIECE);
const made = createInfoDictionary({
  name: 'w.bin',
  length: bytes.length,
  pieceLength: PIECE,
  pieceHashes: concatBytes(Array.from({ length: COUNT }, (_, i) => sha1(piece(i)))),
});
const { info } = made;
const hex = toHex(made.infoHash);

/** A promise a test lets go of when it wants. */
function gate(): { passed: Promise<void>; open: () => void } {
  let open = (): void => {};
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/** PieceWrites over `store`, with what it told its transfer recorded. */
function writesTo(store: PieceStore, hasher: PieceHasher = createPieceHasher()) {
  const told = { stored: [] as number[], failed: [] as number[], errors: [] as TabswarmError[] };
  const writes = new PieceWrites({
    store,
    hasher,
    infoHashHex: hex,
    rejected: () => {},
    verified: () => {},
    stored: (indices) => told.stored.push(...indices),
    failed: (indices, err) => {
      told.failed.push(...indices);
      told.errors.push(err);
    },
  });
  return { writes, told };
}

const verify = (writes: PieceWrites, indices: number[]): Promise<void[]> =>
  Promise.all(indices.map((i) => writes.verify(info, i, piece(i))));

/**
 * The batch timer is faked where a test looks at what is queued and not yet written: hashing
 * (WebCrypto) takes real time, and on a loaded machine three hashes can outlast the 20 ms delay.
 */
const holdBatchTimer = (): void => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

describe('PieceWrites', () => {
  afterEach(() => void vi.useRealTimers());

  it('writes verified pieces in one batch after a short delay', async () => {
    holdBatchTimer();
    const store = new MemoryPieceStore();
    const { writes, told } = writesTo(store);
    await verify(writes, [0, 1, 2]);
    expect(await store.listPieces(hex)).toEqual([]);
    await vi.runAllTimersAsync();
    expect(told.stored.sort((x, y) => x - y)).toEqual([0, 1, 2]); // hashes finish in any order
    expect(await store.listPieces(hex)).toEqual([0, 1, 2]);
  });

  it('a clean stop (keep) writes the verified pieces still queued, and resolves once they are stored', async () => {
    holdBatchTimer();
    const store = new MemoryPieceStore();
    const { writes } = writesTo(store);
    await verify(writes, [0, 1, 2]);
    expect(await store.listPieces(hex)).toEqual([]); // queued, not written yet
    await writes.close({ keep: true });
    expect(await store.listPieces(hex)).toEqual([0, 1, 2]);
  });

  it('a clean stop waits for a write in flight and for a piece still being hashed', async () => {
    const writing = gate();
    const hashing = gate();
    const store = new (class extends MemoryPieceStore {
      private first = true;
      override async putPieces(infoHash: string, pieces: readonly PieceWrite[]): Promise<void> {
        if (this.first) {
          this.first = false;
          await writing.passed;
        }
        return super.putPieces(infoHash, pieces);
      }
    })();
    const real = createPieceHasher();
    let slow = false;
    const hasher: PieceHasher = {
      native: real.native,
      hash: async (data) => {
        const digest = await real.hash(data);
        if (slow) await hashing.passed;
        return digest;
      },
    };
    const { writes } = writesTo(store, hasher);
    await verify(writes, [0, 1, 2, 3, 4, 5, 6, 7]); // a full batch: its write starts at once
    slow = true;
    void writes.verify(info, 8, piece(8));
    // Both are let go only after the stop has begun.
    setTimeout(() => {
      hashing.open();
      setTimeout(() => writing.open(), 10);
    }, 10);
    await writes.close({ keep: true });
    expect(await store.listPieces(hex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a failed last write is told through `failed`, and the stop still resolves', async () => {
    holdBatchTimer();
    const store = new MemoryPieceStore({ quotaBytes: PIECE });
    const { writes, told } = writesTo(store);
    await verify(writes, [0, 1, 2]);
    await writes.close({ keep: true }); // resolves: the failure is told, not thrown
    expect(told.failed.sort((x, y) => x - y)).toEqual([0, 1, 2]);
    expect(told.errors.map((e) => e.code)).toEqual([ErrorCode.StorageFull]);
    expect(await store.listPieces(hex)).toEqual([]);
  });

  it('close without keep (a remove) drops the queued pieces: nothing is written, even later', async () => {
    holdBatchTimer();
    const store = new MemoryPieceStore();
    const { writes, told } = writesTo(store);
    await verify(writes, [0, 1, 2]);
    await writes.close();
    await verify(writes, [3]);
    await vi.runAllTimersAsync();
    expect(await store.listPieces(hex)).toEqual([]);
    expect(told.stored).toEqual([]);
  });
});
