import { describe, expect, it } from 'vitest';
import { bencode } from '../../../shared/bencode.js';
import { concatBytes, fromUtf8, utf8 } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import {
  MAX_METADATA_SIZE,
  METADATA_PIECE_SIZE,
  encodeUtMetadata,
  metadataPiece,
  metadataPieceCount,
  parseUtMetadata,
} from '../../../shared/wire/ut-metadata.js';
import type { UtMetadataMessage } from '../../../shared/wire/ut-metadata.js';

function violation(payload: Uint8Array): void {
  try {
    parseUtMetadata(payload);
  } catch (err) {
    expect(err).toBeInstanceOf(TabswarmError);
    expect((err as TabswarmError).code).toBe(ErrorCode.ProtocolViolation);
    return;
  }
  throw new Error(`expected ${fromUtf8(payload.subarray(0, 80))} to be rejected`);
}

describe('ut_metadata messages (BEP 9)', () => {
  it('encodes the BEP 9 examples byte for byte', () => {
    expect(fromUtf8(encodeUtMetadata({ type: 'request', piece: 0 }))).toBe('d8:msg_typei0e5:piecei0ee');
    expect(fromUtf8(encodeUtMetadata({ type: 'reject', piece: 0 }))).toBe('d8:msg_typei2e5:piecei0ee');
    const data = new Uint8Array(34256 - 2 * METADATA_PIECE_SIZE).fill(0x78);
    const encoded = encodeUtMetadata({ type: 'data', piece: 2, totalSize: 34256, data });
    expect(fromUtf8(encoded.subarray(0, 45))).toBe('d8:msg_typei1e5:piecei2e10:total_sizei34256ee');
    expect(encoded.length).toBe(45 + data.length);
  });

  const messages: UtMetadataMessage[] = [
    { type: 'request', piece: 0 },
    { type: 'request', piece: 511 },
    { type: 'reject', piece: 7 },
    { type: 'data', piece: 0, totalSize: 40000, data: new Uint8Array(16384).map((_, i) => i & 0xff) },
    { type: 'data', piece: 2, totalSize: 40000, data: new Uint8Array(40000 - 32768).fill(9) },
    { type: 'data', piece: 0, totalSize: 1, data: new Uint8Array([0x64]) },
  ];
  it.each(messages)('round-trips $type piece $piece', (msg) => {
    expect(parseUtMetadata(encodeUtMetadata(msg))).toEqual(msg);
  });

  it('accepts data that starts with bytes that look like bencode', () => {
    const data = utf8('d4:name3:abce'); // metadata itself is a bencoded dict
    const msg = parseUtMetadata(encodeUtMetadata({ type: 'data', piece: 0, totalSize: data.length, data }));
    expect(msg.type === 'data' && fromUtf8(msg.data)).toBe('d4:name3:abce');
  });

  it('ignores unknown keys in the dictionary', () => {
    expect(parseUtMetadata(bencode({ msg_type: 2, piece: 1, total_size: 5, x: 'y' }))).toEqual({
      type: 'reject',
      piece: 1,
    });
  });

  const dataHeader = (piece: number, totalSize: number): Uint8Array =>
    bencode({ msg_type: 1, piece, total_size: totalSize });
  const bad: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['truncated dictionary', utf8('d8:msg_typei0e5:piece')],
    ['truncated integer', utf8('d8:msg_typei0e5:piecei')],
    ['not a dictionary', utf8('i0e')],
    ['missing msg_type', bencode({ piece: 0 })],
    ['msg_type 3', bencode({ msg_type: 3, piece: 0 })],
    ['msg_type -1', bencode({ msg_type: -1, piece: 0 })],
    ['msg_type a string', bencode({ msg_type: 'request', piece: 0 })],
    ['missing piece', bencode({ msg_type: 0 })],
    ['negative piece', bencode({ msg_type: 0, piece: -1 })],
    ['piece past 8 MiB', bencode({ msg_type: 0, piece: 512 })],
    ['trailing bytes after request', concatBytes([bencode({ msg_type: 0, piece: 0 }), utf8('x')])],
    ['trailing bytes after reject', concatBytes([bencode({ msg_type: 2, piece: 0 }), utf8('x')])],
    ['data without total_size', concatBytes([bencode({ msg_type: 1, piece: 0 }), new Uint8Array(10)])],
    ['data with total_size 0', concatBytes([dataHeader(0, 0), new Uint8Array(0)])],
    [
      'data with total_size over 8 MiB',
      concatBytes([dataHeader(0, MAX_METADATA_SIZE + 1), new Uint8Array(16384)]),
    ],
    ['data longer than 16 KiB', concatBytes([dataHeader(0, 100_000), new Uint8Array(16385)])],
    ['data shorter than its piece', concatBytes([dataHeader(0, 100_000), new Uint8Array(16383)])],
    ['last piece of wrong size', concatBytes([dataHeader(1, 20_000), new Uint8Array(3617)])],
    ['piece past total_size', concatBytes([dataHeader(2, 20_000), new Uint8Array(16)])],
    ['data missing entirely', dataHeader(0, 100)],
  ];
  it.each(bad)('rejects %s with PROTOCOL_VIOLATION', (_label, payload) => violation(payload));
});

describe('metadata pieces', () => {
  it('counts pieces', () => {
    expect(metadataPieceCount(1)).toBe(1);
    expect(metadataPieceCount(16384)).toBe(1);
    expect(metadataPieceCount(16385)).toBe(2);
    expect(metadataPieceCount(MAX_METADATA_SIZE)).toBe(512);
  });

  it('slices what to serve, and refuses pieces past the end', () => {
    const info = new Uint8Array(40000).map((_, i) => i % 251);
    expect(metadataPiece(info, 0)).toEqual(info.subarray(0, 16384));
    expect(metadataPiece(info, 2)).toEqual(info.subarray(32768));
    expect(metadataPiece(info, 2).length).toBe(40000 - 32768);
    expect(concatBytes([0, 1, 2].map((p) => metadataPiece(info, p)))).toEqual(info);
    expect(() => metadataPiece(info, 3)).toThrow(TabswarmError);
    expect(() => metadataPiece(info, -1)).toThrow(TabswarmError);
  });
});
