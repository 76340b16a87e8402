import { bytesEqual } from '../../../shared/bytes.js';
import type { InfoDictionary } from '../../../shared/info-dictionary.js';
import { pieceHash } from '../../../shared/info-dictionary.js';
import type { PieceHasher } from '../adapters/piece-hasher.js';
import type { PieceStore } from '../adapters/piece-store.js';

const CHECK_CONCURRENCY = 4;

/**
 * Re-hashes the pieces the store lists for a transfer and returns those that still verify.
 * IndexedDB's default durability in Chromium is relaxed, so after a crash a piece can be listed
 * yet be missing or torn; what fails here is simply downloaded again.
 */
export async function checkStoredPieces(
  store: PieceStore,
  hasher: PieceHasher,
  infoHashHex: string,
  info: InfoDictionary,
  indices: readonly number[],
): Promise<number[]> {
  const good: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < indices.length) {
      const index = indices[next++] as number;
      if (index < 0 || index >= info.pieceCount) continue;
      const data = await store.getPiece(infoHashHex, index).catch(() => undefined);
      if (data && bytesEqual(await hasher.hash(data), pieceHash(info, index))) good.push(index);
    }
  };
  await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, worker));
  return good.sort((a, b) => a - b);
}

/** Stored piece indices as a have-array of `count` pieces (indices out of range are ignored). */
export function haveArray(count: number, stored: readonly number[]): boolean[] {
  const have = new Array<boolean>(count).fill(false);
  for (const i of stored) if (i >= 0 && i < count) have[i] = true;
  return have;
}
