import { bytesEqual, concatBytes } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import { infoHashOf, parseInfoDictionary } from '../info-dictionary.js';
import type { InfoDictionary } from '../info-dictionary.js';
import { MAX_METADATA_SIZE, metadataPieceCount, metadataPieceLength } from './ut-metadata.js';

/**
 * Collects the 16 KiB pieces of an info dictionary fetched over ut_metadata (BEP 9), in any
 * order and from any peers, and checks the whole against the info-hash from the magnet link.
 * It only keeps bytes; which peer to ask for what is the caller's decision.
 */
export class MetadataAssembler {
  readonly totalSize: number;
  private readonly infoHash: Uint8Array;
  private pieces: (Uint8Array | undefined)[];
  private received = 0;
  private receivedBytes = 0;
  private done: { infoBytes: Uint8Array; info: InfoDictionary } | undefined;

  /** Throws TabswarmError(METADATA_INVALID) if `totalSize` is not in 1..8 MiB. */
  constructor(infoHash: Uint8Array, totalSize: number) {
    if (infoHash.length !== 20) {
      throw new TabswarmError(
        ErrorCode.MetadataInvalid,
        `info-hash is ${infoHash.length} bytes, expected 20`,
      );
    }
    if (!Number.isSafeInteger(totalSize) || totalSize < 1 || totalSize > MAX_METADATA_SIZE) {
      throw new TabswarmError(
        ErrorCode.MetadataInvalid,
        `metadata size ${totalSize} out of range 1..${MAX_METADATA_SIZE}`,
      );
    }
    this.infoHash = infoHash.slice();
    this.totalSize = totalSize;
    this.pieces = new Array<Uint8Array | undefined>(metadataPieceCount(totalSize)).fill(undefined);
  }

  /** Bytes of pieces held (what this assembly costs in memory until it completes or fails). */
  get bufferedBytes(): number {
    return this.receivedBytes;
  }

  /** Indices of pieces not yet received, ascending (empty once complete). */
  missingPieces(): number[] {
    const out: number[] = [];
    this.pieces.forEach((p, i) => {
      if (p === undefined) out.push(i);
    });
    return out;
  }

  /**
   * Stores one piece (copied, so the caller may reuse its buffer). Returns 'invalid' for a
   * bad index or a size other than the piece's, or when the last piece completes metadata
   * whose SHA-1 is not the info-hash; in that case everything is dropped so it can be
   * fetched again (the caller cannot tell which peer lied). A duplicate piece replaces the
   * earlier copy; after 'complete', further pieces are ignored.
   *
   * Throws TabswarmError(INFO_INVALID) if the metadata matches the info-hash but is not a
   * usable info dictionary: the torrent itself is broken and fetching again cannot help.
   */
  add(piece: number, data: Uint8Array): 'incomplete' | 'complete' | 'invalid' {
    if (this.done) return 'complete';
    if (!Number.isInteger(piece) || piece < 0 || piece >= this.pieces.length) return 'invalid';
    if (data.length !== metadataPieceLength(this.totalSize, piece)) return 'invalid';
    if (this.pieces[piece] === undefined) {
      this.received++;
      this.receivedBytes += data.length;
    }
    this.pieces[piece] = data.slice();
    if (this.received < this.pieces.length) return 'incomplete';

    const infoBytes = concatBytes(this.pieces as Uint8Array[]);
    if (!bytesEqual(infoHashOf(infoBytes), this.infoHash)) {
      this.pieces.fill(undefined);
      this.received = 0;
      this.receivedBytes = 0;
      return 'invalid';
    }
    this.done = { infoBytes, info: parseInfoDictionary(infoBytes) };
    this.pieces = [];
    this.receivedBytes = 0;
    return 'complete';
  }

  /** The verified info dictionary, once add() has returned 'complete'. */
  result(): { infoBytes: Uint8Array; info: InfoDictionary } | undefined {
    return this.done;
  }
}
