import { sha1 } from '../../../shared/sha1.js';
import { blobFileReader, pieceCount, type ByteSource, type FilePieceReader } from './file-reader.js';

/** SHA-1 of file pieces. */
export interface PieceHasher {
  /** True while WebCrypto does the hashing; false on the pure fallback. */
  readonly native: boolean;
  /** The 20-byte SHA-1 of `data`. */
  hash(data: Uint8Array): Promise<Uint8Array>;
}

/** Options of {@link createPieceHasher}. */
export interface PieceHasherOptions {
  /** Defaults to `crypto.subtle`, which exists only in secure contexts; null forces the fallback. */
  subtle?: SubtleCrypto | null;
}

/**
 * Hashes with WebCrypto where the page has it (HTTPS, localhost): it runs off the main thread.
 * Plain-http LAN pages have no `crypto.subtle`, so they use shared/sha1 on the main thread.
 */
export function createPieceHasher(opts: PieceHasherOptions = {}): PieceHasher {
  let subtle: SubtleCrypto | null | undefined =
    opts.subtle === undefined ? globalThis.crypto?.subtle : opts.subtle;
  return {
    get native() {
      return Boolean(subtle);
    },
    async hash(data) {
      if (subtle) {
        try {
          return new Uint8Array(await subtle.digest('SHA-1', data as Uint8Array<ArrayBuffer>));
        } catch {
          subtle = null; // SHA-1 refused (policy or missing): fall back for good
        }
      }
      return sha1(data);
    },
  };
}

/** Options of {@link hashFile}. */
export interface HashFileOptions {
  hasher?: PieceHasher;
  /** Where pieces are read from; defaults to `Blob.slice`. */
  reader?: FilePieceReader;
  /** Pieces read and hashed at once; bounds memory to `concurrency * pieceLength`. Default 4. */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * The concatenated SHA-1 of every piece of `file` (BEP 3 `pieces`), reading one piece per
 * `File.slice` so a multi-gigabyte file never sits in memory. Several pieces are in flight so
 * reading and WebCrypto hashing overlap on both cores. `onProgress` gets cumulative bytes hashed.
 */
export async function hashFile(
  file: ByteSource,
  pieceLength: number,
  onProgress?: (hashedBytes: number, totalBytes: number) => void,
  opts: HashFileOptions = {},
): Promise<Uint8Array> {
  const count = pieceCount(file.size, pieceLength);
  const hasher = opts.hasher ?? createPieceHasher();
  const reader = opts.reader ?? blobFileReader;
  const out = new Uint8Array(count * 20);
  let next = 0;
  let hashed = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < count && !failed) {
      opts.signal?.throwIfAborted();
      const index = next++;
      try {
        const data = await reader.readPiece(file, index, pieceLength);
        out.set(await hasher.hash(data), index * 20);
        hashed += data.byteLength;
      } catch (err) {
        failed = true; // the other workers stop at their next piece
        throw err;
      }
      onProgress?.(hashed, file.size);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 4, count));
  await Promise.all(Array.from({ length: workers }, worker));
  opts.signal?.throwIfAborted();
  return out;
}
