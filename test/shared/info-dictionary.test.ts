import { describe, expect, it } from 'vitest';
import { MAX_BENCODE_INT, bdecode, bdecodePrefix, bencode, isDict } from '../../shared/bencode.js';
import type { BEncodable } from '../../shared/bencode.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../shared/bytes.js';
import { ErrorCode, isTabswarmError } from '../../shared/errors.js';
import {
  choosePieceLength,
  createInfoDictionary,
  infoHashOf,
  parseInfoDictionary,
  pieceHash,
  pieceSize,
} from '../../shared/info-dictionary.js';
import { sha1 } from '../../shared/sha1.js';

/**
 * Known vector: "leaves.torrent" (Leaves of Grass by Walt Whitman, created by uTorrent/3300),
 * the whole .torrent file as base64, from the WebTorrent fixtures: repository
 * substrate-system/webtorrent-fixtures, path src/base64.ts (`fixtures.leaves.torrent`), a port
 * of webtorrent/webtorrent-fixtures fixtures/leaves.torrent. Its published info-hash
 * (webtorrent/webtorrent-fixtures fixtures/leaves-parsed.js, and the parse-torrent / magnet-uri
 * READMEs) is d2474e86c95b19b8bcfdb92bc12c9d44667cfa36, and its piece hashes are listed there.
 */
const LEAVES_TORRENT_BASE64 =
  'ZDEwOmNyZWF0ZWQgYnkxMzp1VG9ycmVudC8zMzAwMTM6Y3JlYXRpb24gZGF0ZWkxMzc1MzYzNjY2ZTg6ZW5jb2Rpbmc1OlVURi04NDppbmZvZDY6bGVuZ3RoaTM2MjAxN2U0Om5hbWUzNjpMZWF2ZXMgb2YgR3Jhc3MgYnkgV2FsdCBXaGl0bWFuLmVwdWIxMjpwaWVjZSBsZW5ndGhpMTYzODRlNjpwaWVjZXM0NjA6H5w/Wb7sB5cV7FMyS96FaeSgtOvsQjB9TOVVe105ZMXvVdNUz0puzHvxvK950R+l4L4GWTyPqvwMK6LPdtccWwFSayMAf56ZKb6vxRUeZREJMaG0TCG/Hmi5E4+QSV5pDbxV9XLkwpRMus8m5rOuinIp2IqvoF9h6q5qvz8Hy225Z3zGre1N05heRYYnVn+nY58GX3GxiVQwSspjZnKeC0dz13roDKqWpSSATf5Lm9PervmZyd1RAnRnUZ1eslYa4swBRn3l9kMKYLy6JHl2ku+odw0j3wqDDZHLNbNAeoi6oFkNyMmqahIPJ0Nn3Nhn6I6DOMVyoG48gBsp9RnfUys+dvZwz2ruUxB/PTk3hIP2nPgPpWix6sU7UGFZ6YjYvBaSLRJdd9gD1lLDyjBwwW7tkXKrUG0g5SLqPxq2dLP5I9dv6PRP8y43LDs3ZWTG+18NvlIWTwNin9EyJja6uywBS32uWC2kE2OWUmHmzhK0NwHwqMntFSCnDroARACiZ3ZfbT3Vx761vTx1898qVFYKYYARR/pOx89WjnA6ywTlYQpNVtzCQtAyk+lEbPXkV9jrPZWI/ZDGmN6bDa2SmAkGwCbYwUCPoI/k7GVl';
const LEAVES_INFO_HASH = 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36';
const LEAVES_PIECES = [
  '1f9c3f59beec079715ec53324bde8569e4a0b4eb',
  'ec42307d4ce5557b5d3964c5ef55d354cf4a6ecc',
  '7bf1bcaf79d11fa5e0be06593c8faafc0c2ba2cf',
  '76d71c5b01526b23007f9e9929beafc5151e6511',
  '0931a1b44c21bf1e68b9138f90495e690dbc55f5',
  '72e4c2944cbacf26e6b3ae8a7229d88aafa05f61',
  'eaae6abf3f07cb6db9677cc6aded4dd3985e4586',
  '27567fa7639f065f71b18954304aca6366729e0b',
  '4773d77ae80caa96a524804dfe4b9bd3deaef999',
  'c9dd51027467519d5eb2561ae2cc01467de5f643',
  '0a60bcba24797692efa8770d23df0a830d91cb35',
  'b3407a88baa0590dc8c9aa6a120f274367dcd867',
  'e88e8338c572a06e3c801b29f519df532b3e76f6',
  '70cf6aee53107f3d39378483f69cf80fa568b1ea',
  'c53b506159e988d8bc16922d125d77d803d652c3',
  'ca3070c16eed9172ab506d20e522ea3f1ab674b3',
  'f923d76fe8f44ff32e372c3b376564c6fb5f0dbe',
  '52164f03629fd1322636babb2c014b7dae582da4',
  '1363965261e6ce12b43701f0a8c9ed1520a70eba',
  '004400a267765f6d3dd5c7beb5bd3c75f3df2a54',
  '560a61801147fa4ec7cf568e703acb04e5610a4d',
  '56dcc242d03293e9446cf5e457d8eb3d9588fd90',
  'c698de9b0dad92980906c026d8c1408fa08fe4ec',
];

/** The exact bytes of the `info` value inside the .torrent, as a peer would send them. */
function leavesInfoBytes(): Uint8Array {
  const torrent = new Uint8Array(Buffer.from(LEAVES_TORRENT_BASE64, 'base64'));
  expect(isDict(bdecode(torrent))).toBe(true);
  const marker = utf8('4:infod');
  const at = Buffer.from(torrent).indexOf(Buffer.from(marker));
  expect(at).toBeGreaterThan(0);
  const start = at + 6;
  const { end } = bdecodePrefix(torrent.subarray(start));
  return torrent.subarray(start, start + end);
}

const KiB = 1024;
const MiB = 1024 * KiB;

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(isTabswarmError(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected a TabswarmError ${code}`);
}

describe('info dictionary: known vector (leaves.torrent)', () => {
  it('hashes the info bytes to the published info-hash', () => {
    const infoBytes = leavesInfoBytes();
    expect(infoBytes.length).toBe(557);
    expect(toHex(infoHashOf(infoBytes))).toBe(LEAVES_INFO_HASH);
  });

  it('parses the real info dictionary', () => {
    const info = parseInfoDictionary(leavesInfoBytes(), fromHex(LEAVES_INFO_HASH));
    expect(info.name).toBe('Leaves of Grass by Walt Whitman.epub');
    expect(info.length).toBe(362017);
    expect(info.pieceLength).toBe(16384);
    expect(info.pieceCount).toBe(23);
    expect(info.files).toBeUndefined();
    expect(LEAVES_PIECES.map((_, i) => toHex(pieceHash(info, i)))).toEqual(LEAVES_PIECES);
    expect(pieceSize(info, 0)).toBe(16384);
    expect(pieceSize(info, 22)).toBe(1569);
  });

  it('creates byte-identical info from name, length, piece length and piece hashes', () => {
    const pieceHashes = concatBytes(LEAVES_PIECES.map((h) => fromHex(h) as Uint8Array));
    const { info, infoBytes, infoHash } = createInfoDictionary({
      name: 'Leaves of Grass by Walt Whitman.epub',
      length: 362017,
      pieceLength: 16384,
      pieceHashes,
    });
    expect(toHex(infoHash)).toBe(LEAVES_INFO_HASH);
    expect(toHex(infoBytes)).toBe(toHex(leavesInfoBytes()));
    expect(info.pieceCount).toBe(23);
  });

  it('rejects the real bytes under another info-hash with METADATA_INVALID', () => {
    const wrong = fromHex(LEAVES_INFO_HASH) as Uint8Array;
    wrong[0] = (wrong[0] as number) ^ 1;
    expectCode(() => parseInfoDictionary(leavesInfoBytes(), wrong), ErrorCode.MetadataInvalid);
  });
});

describe('info dictionary: round trips and helpers', () => {
  function hashesFor(content: Uint8Array, pieceLength: number): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let o = 0; o < content.length; o += pieceLength)
      parts.push(sha1(content.subarray(o, o + pieceLength)));
    return concatBytes(parts);
  }

  it('round-trips a created dictionary through parse', () => {
    const content = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    const pieceHashes = hashesFor(content, 16 * KiB);
    const created = createInfoDictionary({
      name: 'café notes.txt',
      length: content.length,
      pieceLength: 16 * KiB,
      pieceHashes,
    });
    const parsed = parseInfoDictionary(created.infoBytes, created.infoHash);
    expect(parsed).toEqual(created.info);
    expect(parsed.pieceCount).toBe(7);
    expect(pieceSize(parsed, 6)).toBe(100_000 - 6 * 16 * KiB);
    expect(toHex(pieceHash(parsed, 3))).toBe(toHex(sha1(content.subarray(3 * 16 * KiB, 4 * 16 * KiB))));
  });

  it('round-trips a created multi-file dictionary through parse, pieces across file ends', () => {
    const files = [
      { path: ['photos', 'a.jpg'], length: 20_000 },
      { path: ['empty.txt'], length: 0 },
      { path: ['photos', 'raw', 'b.cr2'], length: 30_001 },
    ];
    const content = new Uint8Array(50_001).map((_, i) => (i * 13) & 0xff);
    const created = createInfoDictionary({
      name: 'Holiday',
      length: content.length,
      pieceLength: 16 * KiB,
      pieceHashes: hashesFor(content, 16 * KiB),
      files,
    });
    const parsed = parseInfoDictionary(created.infoBytes, created.infoHash);
    expect(parsed).toEqual(created.info);
    expect(parsed.files).toEqual(files);
    expect(parsed.name).toBe('Holiday');
    const raw = bdecode(created.infoBytes) as Record<string, unknown>;
    expect(raw['length']).toBeUndefined();
    expect(toHex(pieceHash(parsed, 1))).toBe(toHex(sha1(content.subarray(16 * KiB, 32 * KiB))));
  });

  it('refuses to create a multi-file dictionary whose files do not add up or have bad paths', () => {
    const base = { name: 'top', length: 10, pieceLength: 16 * KiB, pieceHashes: new Uint8Array(20) };
    const code = { code: ErrorCode.InfoInvalid };
    expect(() => createInfoDictionary({ ...base, files: [{ path: ['a'], length: 9 }] })).toThrow(
      expect.objectContaining(code),
    );
    expect(() => createInfoDictionary({ ...base, files: [{ path: ['..'], length: 10 }] })).toThrow(
      expect.objectContaining(code),
    );
    expect(() => createInfoDictionary({ ...base, files: [{ path: [], length: 10 }] })).toThrow(
      expect.objectContaining(code),
    );
    expect(() => createInfoDictionary({ ...base, files: [] })).toThrow(expect.objectContaining(code));
  });

  it('keeps a leading U+FEFF in a name, as other clients read it', () => {
    const created = createInfoDictionary({
      name: '\uFEFFx',
      length: 100,
      pieceLength: 16 * KiB,
      pieceHashes: new Uint8Array(20),
    });
    expect(parseInfoDictionary(created.infoBytes, created.infoHash).name).toBe('\uFEFFx');
  });

  it('handles a length that is an exact multiple of the piece length', () => {
    const created = createInfoDictionary({
      name: 'x',
      length: 32 * KiB,
      pieceLength: 16 * KiB,
      pieceHashes: new Uint8Array(40),
    });
    expect(created.info.pieceCount).toBe(2);
    expect(pieceSize(created.info, 1)).toBe(16 * KiB);
  });

  it('is deterministic: same inputs, same info-hash', () => {
    const opts = {
      name: 'a.bin',
      length: 1,
      pieceLength: 256 * KiB,
      pieceHashes: new Uint8Array(20).fill(3),
    };
    expect(toHex(createInfoDictionary(opts).infoHash)).toBe(toHex(createInfoDictionary(opts).infoHash));
  });

  it('rejects out-of-range piece indices', () => {
    const { info } = createInfoDictionary({
      name: 'x',
      length: 10,
      pieceLength: 16 * KiB,
      pieceHashes: new Uint8Array(20),
    });
    expectCode(() => pieceSize(info, 1), ErrorCode.ProtocolViolation);
    expectCode(() => pieceHash(info, -1), ErrorCode.ProtocolViolation);
    expectCode(() => pieceSize(info, 0.5), ErrorCode.ProtocolViolation);
  });

  it('parses a multi-file dictionary', () => {
    const infoBytes = bencode({
      files: [
        { length: 1, path: ['1.txt'] },
        { length: 0, path: ['empty'] },
        { length: 20_000, path: ['sub', 'dir', 'big.bin'] },
      ],
      name: 'numbers',
      'piece length': 16 * KiB,
      pieces: new Uint8Array(40),
      private: 1,
    });
    const info = parseInfoDictionary(infoBytes);
    expect(info.name).toBe('numbers');
    expect(info.length).toBe(20_001);
    expect(info.pieceCount).toBe(2);
    expect(info.files).toEqual([
      { path: ['1.txt'], length: 1 },
      { path: ['empty'], length: 0 },
      { path: ['sub', 'dir', 'big.bin'], length: 20_000 },
    ]);
  });
});

describe('choosePieceLength', () => {
  it.each([
    ['1 KB', 1000, 256 * KiB],
    ['3 MB', 3_000_000, 256 * KiB],
    ['64 MB', 64 * MiB, 256 * KiB],
    ['1 GB', 1_000_000_000, 512 * KiB],
    ['1 GiB', 1024 * MiB, 1 * MiB],
    ['10 GB', 10_000_000_000, 8 * MiB],
    ['1 TB', 1e12, 16 * MiB],
  ])('%s -> %i', (_label, length, expected) => {
    const pieceLength = choosePieceLength(length);
    expect(pieceLength).toBe(expected);
    expect(pieceLength & (pieceLength - 1)).toBe(0);
    if (expected < 16 * MiB) expect(Math.ceil(length / pieceLength)).toBeLessThanOrEqual(2000);
  });
});

describe('info dictionary: malformed input is INFO_INVALID', () => {
  const good: Record<string, BEncodable> = {
    length: 100,
    name: 'file.bin',
    'piece length': 16 * KiB,
    pieces: new Uint8Array(20),
  };
  const cases: [string, Record<string, BEncodable | undefined>][] = [
    ['missing name', { name: undefined }],
    ['empty name', { name: '' }],
    ['name with a slash', { name: 'a/b' }],
    ['name with a backslash', { name: 'a\\b' }],
    ['name ..', { name: '..' }],
    ['name .', { name: '.' }],
    ['name not UTF-8', { name: new Uint8Array([0x66, 0xff, 0xfe]) }],
    ['name is an integer', { name: 5 }],
    ['missing length', { length: undefined }],
    ['zero length', { length: 0 }],
    ['negative length', { length: -5 }],
    ['length as a string', { length: '100' }],
    ['piece length over 16 MiB', { 'piece length': 16 * MiB + 1 }],
    ['piece length below 16 KiB', { 'piece length': 8192 }],
    ['piece length above 16 MiB', { 'piece length': 32 * MiB }],
    ['missing piece length', { 'piece length': undefined }],
    ['missing pieces', { pieces: undefined }],
    ['pieces one byte short', { pieces: new Uint8Array(19) }],
    ['pieces for two pieces when there is one', { pieces: new Uint8Array(40) }],
    ['pieces is a list', { pieces: [new Uint8Array(20)] }],
    ['both length and files', { files: [{ length: 100, path: ['a'] }] }],
    ['files empty', { length: undefined, files: [] }],
    ['files entry with .. in path', { length: undefined, files: [{ length: 100, path: ['..', 'etc'] }] }],
    ['files entry with empty path', { length: undefined, files: [{ length: 100, path: [] }] }],
    ['files entry with negative length', { length: undefined, files: [{ length: -1, path: ['a'] }] }],
    ['files totalling zero', { length: undefined, files: [{ length: 0, path: ['a'] }] }],
  ];
  it.each(cases)('%s', (_label, change) => {
    const dict: Record<string, BEncodable | undefined> = { ...good, ...change };
    expectCode(() => parseInfoDictionary(bencode(dict)), ErrorCode.InfoInvalid);
  });

  it('rejects bytes that are not a bencoded dictionary', () => {
    expectCode(() => parseInfoDictionary(utf8('d4:name')), ErrorCode.InfoInvalid);
    expectCode(() => parseInfoDictionary(utf8('li1ee')), ErrorCode.InfoInvalid);
    expectCode(() => parseInfoDictionary(new Uint8Array(0)), ErrorCode.InfoInvalid);
    expectCode(() => parseInfoDictionary(concatBytes([bencode(good), utf8('x')])), ErrorCode.InfoInvalid);
  });

  it('rejects oversized info bytes before decoding them', () => {
    expectCode(() => parseInfoDictionary(new Uint8Array(8 * MiB + 1)), ErrorCode.InfoInvalid);
  });

  it('refuses to create what it would refuse to parse', () => {
    const base = { name: 'ok', length: 100, pieceLength: 16 * KiB, pieceHashes: new Uint8Array(20) };
    expectCode(() => createInfoDictionary({ ...base, name: '../x' }), ErrorCode.InfoInvalid);
    expectCode(() => createInfoDictionary({ ...base, length: 0 }), ErrorCode.InfoInvalid);
    expectCode(() => createInfoDictionary({ ...base, length: 1.5 }), ErrorCode.InfoInvalid);
    expect(() => createInfoDictionary({ ...base, length: MAX_BENCODE_INT + 1 })).toThrow(
      /the most bencode carries/,
    );
    expectCode(() => createInfoDictionary({ ...base, pieceLength: 1000 }), ErrorCode.InfoInvalid);
    expectCode(
      () => createInfoDictionary({ ...base, pieceHashes: new Uint8Array(21) }),
      ErrorCode.InfoInvalid,
    );
  });
});
