import { describe, expect, it } from 'vitest';
import { bencode } from '../../../shared/bencode.js';
import { toHex } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { createInfoDictionary } from '../../../shared/info-dictionary.js';
import { seededRandom, shuffle } from '../../../shared/random.js';
import { sha1 } from '../../../shared/sha1.js';
import { MetadataAssembler } from '../../../shared/wire/metadata-assembler.js';
import { MAX_METADATA_SIZE, metadataPiece, metadataPieceCount } from '../../../shared/wire/ut-metadata.js';

/** A real-shaped info dictionary of about 60 KB (3000 pieces), so it spans four metadata pieces. */
function bigTorrent(): { infoBytes: Uint8Array; infoHash: Uint8Array } {
  const pieceHashes = seededRandom(7).bytes(20 * 3000);
  const { infoBytes, infoHash } = createInfoDictionary({
    name: 'big.iso',
    length: 3000 * 16384,
    pieceLength: 16384,
    pieceHashes,
  });
  return { infoBytes, infoHash };
}

describe('MetadataAssembler', () => {
  it('assembles pieces arriving out of order and verifies them', () => {
    const seed = 20240611;
    console.log(`metadata-assembler shuffle seed ${seed}`);
    const { infoBytes, infoHash } = bigTorrent();
    const count = metadataPieceCount(infoBytes.length);
    expect(count).toBe(4);
    const asm = new MetadataAssembler(infoHash, infoBytes.length);
    expect(asm.totalSize).toBe(infoBytes.length);
    expect(asm.missingPieces()).toEqual([0, 1, 2, 3]);
    const order = shuffle([0, 1, 2, 3], seededRandom(seed));
    order.forEach((piece, i) => {
      const status = asm.add(piece, metadataPiece(infoBytes, piece));
      expect(status).toBe(i === count - 1 ? 'complete' : 'incomplete');
      if (i < count - 1) expect(asm.result()).toBeUndefined();
    });
    expect(asm.missingPieces()).toEqual([]);
    const result = asm.result();
    expect(result && toHex(result.infoBytes)).toBe(toHex(infoBytes));
    expect(result?.info.name).toBe('big.iso');
    expect(result?.info.pieceCount).toBe(3000);
  });

  it('copies what it is given, so callers may reuse buffers', () => {
    const { infoBytes, infoHash } = bigTorrent();
    const asm = new MetadataAssembler(infoHash, infoBytes.length);
    const scratch = metadataPiece(infoBytes, 0).slice();
    asm.add(0, scratch);
    scratch.fill(0);
    for (const p of [1, 2, 3]) asm.add(p, metadataPiece(infoBytes, p));
    expect(asm.result()).toBeDefined();
  });

  it('handles a single-piece dictionary', () => {
    const { infoBytes, infoHash } = createInfoDictionary({
      name: 'a',
      length: 5,
      pieceLength: 16384,
      pieceHashes: sha1(new Uint8Array(5)),
    });
    const asm = new MetadataAssembler(infoHash, infoBytes.length);
    expect(asm.add(0, infoBytes)).toBe('complete');
    expect(asm.add(0, infoBytes)).toBe('complete');
    expect(asm.result()?.info.length).toBe(5);
  });

  it('resets to empty when the assembled bytes do not match the info-hash', () => {
    const { infoBytes, infoHash } = bigTorrent();
    const asm = new MetadataAssembler(infoHash, infoBytes.length);
    expect(asm.add(0, metadataPiece(infoBytes, 0))).toBe('incomplete');
    const corrupt = metadataPiece(infoBytes, 1).slice();
    corrupt[100] = (corrupt[100] as number) ^ 0xff;
    expect(asm.add(1, corrupt)).toBe('incomplete');
    expect(asm.add(3, metadataPiece(infoBytes, 3))).toBe('incomplete');
    expect(asm.missingPieces()).toEqual([2]);
    expect(asm.add(2, metadataPiece(infoBytes, 2))).toBe('invalid');
    expect(asm.missingPieces()).toEqual([0, 1, 2, 3]);
    expect(asm.result()).toBeUndefined();
    for (const p of [3, 2, 1]) expect(asm.add(p, metadataPiece(infoBytes, p))).toBe('incomplete');
    expect(asm.add(0, metadataPiece(infoBytes, 0))).toBe('complete');
    expect(asm.result()).toBeDefined();
  });

  it('lets a later copy of a piece replace an earlier one', () => {
    const { infoBytes, infoHash } = bigTorrent();
    const asm = new MetadataAssembler(infoHash, infoBytes.length);
    asm.add(0, new Uint8Array(16384));
    expect(asm.add(0, metadataPiece(infoBytes, 0))).toBe('incomplete');
    for (const p of [1, 2]) asm.add(p, metadataPiece(infoBytes, p));
    expect(asm.add(3, metadataPiece(infoBytes, 3))).toBe('complete');
  });

  it('rejects bad indices and sizes without changing state', () => {
    const { infoBytes, infoHash } = bigTorrent();
    const asm = new MetadataAssembler(infoHash, infoBytes.length);
    expect(asm.add(-1, new Uint8Array(16384))).toBe('invalid');
    expect(asm.add(4, new Uint8Array(16384))).toBe('invalid');
    expect(asm.add(1.5, new Uint8Array(16384))).toBe('invalid');
    expect(asm.add(0, new Uint8Array(16383))).toBe('invalid');
    expect(asm.add(0, new Uint8Array(16385))).toBe('invalid');
    expect(asm.add(3, new Uint8Array(16384))).toBe('invalid'); // the last piece is shorter
    expect(asm.missingPieces()).toEqual([0, 1, 2, 3]);
  });

  it('refuses sizes out of range with METADATA_INVALID', () => {
    const hash = new Uint8Array(20);
    for (const size of [0, -1, 1.5, MAX_METADATA_SIZE + 1, Number.NaN]) {
      try {
        new MetadataAssembler(hash, size);
        throw new Error(`size ${size} accepted`);
      } catch (err) {
        expect(err).toBeInstanceOf(TabswarmError);
        expect((err as TabswarmError).code).toBe(ErrorCode.MetadataInvalid);
      }
    }
    expect(new MetadataAssembler(hash, MAX_METADATA_SIZE).missingPieces().length).toBe(512);
  });

  it('throws INFO_INVALID when bytes match the hash but are not a usable dictionary', () => {
    const bogus = bencode({
      name: '../escape',
      length: 1,
      'piece length': 16384,
      pieces: new Uint8Array(20),
    });
    const asm = new MetadataAssembler(sha1(bogus), bogus.length);
    try {
      asm.add(0, bogus);
      throw new Error('accepted');
    } catch (err) {
      expect((err as TabswarmError).code).toBe(ErrorCode.InfoInvalid);
    }
    expect(asm.result()).toBeUndefined();
  });
});
