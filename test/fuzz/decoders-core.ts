import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_BENCODE_INT, bdecode, bdecodePrefix, bencode } from '../../shared/bencode.js';
import type { BEncodable } from '../../shared/bencode.js';
import { bytesEqual, toHex, utf8 } from '../../shared/bytes.js';
import { ErrorCode } from '../../shared/errors.js';
import {
  MAX_INFO_BYTES,
  MAX_PIECE_LENGTH,
  MIN_PIECE_LENGTH,
  createInfoDictionary,
  parseInfoDictionary,
} from '../../shared/info-dictionary.js';
import { MAX_MAGNET_LENGTH, createMagnet, isTrackerUrl, parseMagnet } from '../../shared/magnet.js';
import { sha1 } from '../../shared/sha1.js';
import {
  CREATED_BY,
  MAX_TORRENT_TRACKERS,
  createTorrentFile,
  parseTorrentFile,
} from '../../shared/torrent-file.js';
import { bencodeValue, hostileBytes, idBytes20, mutatedText, safeInt, text } from './arbitraries.js';
import { check, decodeOrError } from './outcome.js';
import { byteStrings, depthOf, plain } from './plain.js';
import { defineProperty } from './registry.js';
import type { FuzzProperty } from './registry.js';

/** Bytes of one SHA-1 piece hash. */
const HASH_BYTES = sha1(new Uint8Array(0)).length;

/** Lists nested `n` deep, and dictionaries nested `n` deep: the depth limit's inputs. */
const deepNesting = fc
  .tuple(fc.integer({ min: 0, max: 48 }), fc.boolean())
  .map(([n, dict]) =>
    utf8(dict ? `${'d1:k'.repeat(n)}i0e${'e'.repeat(n)}` : `${'l'.repeat(n)}${'e'.repeat(n)}`),
  );

const bencodeInput = hostileBytes(fc.oneof(bencodeValue().map(bencode), deepNesting));

// ---- bencode -----------------------------------------------------------------------------------

const bencodeHostile = defineProperty(
  {
    name: 'bencode.decode-hostile',
    target: 'shared/bencode.ts bdecode / bdecodePrefix',
    claim:
      'throws only BENCODE_INVALID; a value keeps within maxDepth and its byte strings are views of the input',
    ciRuns: 300,
  },
  () =>
    fc.property(bencodeInput, fc.integer({ min: 1, max: 40 }), (data, maxDepth) => {
      const whole = decodeOrError(() => bdecode(data, { maxDepth }), [ErrorCode.BencodeInvalid]);
      const prefix = decodeOrError(() => bdecodePrefix(data, { maxDepth }), [ErrorCode.BencodeInvalid]);
      if (prefix.ok) {
        check(prefix.value.end > 0 && prefix.value.end <= data.length, 'prefix end outside the input');
        check(depthOf(prefix.value.value) <= maxDepth, 'value nested deeper than maxDepth');
        for (const s of byteStrings(prefix.value.value))
          check(s.buffer === data.buffer, 'a byte string was copied instead of viewed');
      }
      // bdecode is bdecodePrefix plus "nothing after it".
      check(
        whole.ok === (prefix.ok && prefix.value.end === data.length),
        'bdecode disagrees with bdecodePrefix',
      );
    }),
);

/** An integer somewhere in `v` that bencode does not carry (more digits than the decoder reads). */
function hasHugeInt(v: BEncodable | undefined): boolean {
  if (typeof v === 'number') return Math.abs(v) > MAX_BENCODE_INT;
  if (v === undefined || typeof v === 'string' || v instanceof Uint8Array) return false;
  return Object.values(v).some(hasHugeInt);
}

const bencodeRoundTrip = defineProperty(
  {
    name: 'bencode.round-trip',
    target: 'shared/bencode.ts bencode, bdecode',
    claim:
      'decode(encode(v)) = v and encode(decode(x)) = x for canonical x; integers the decoder cannot read refused with BENCODE_INVALID',
    ciRuns: 300,
  },
  () =>
    fc.property(bencodeValue(undefined, safeInt), (value) => {
      const r = decodeOrError(() => bencode(value), [ErrorCode.BencodeInvalid]);
      check(r.ok !== hasHugeInt(value), () =>
        r.ok ? 'encoded an integer the decoder cannot read' : r.error.message,
      );
      if (!r.ok) return;
      const encoded = r.value;
      const decoded = bdecode(encoded);
      assert.deepStrictEqual(plain(decoded), plain(value));
      check(bytesEqual(bencode(decoded), encoded), 'encode(decode(x)) differs from canonical x');
    }),
);

// ---- info dictionary ---------------------------------------------------------------------------

/** A name a parser accepts: not empty, not . or .., no separator or NUL. */
const fileName = text(24, 1).filter((s) => s !== '.' && s !== '..' && !/[/\\\0]/.test(s));

/** Mostly powers of two (what tabswarm creates), sometimes any length in range (other clients). */
const pieceLength = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: Math.log2(MIN_PIECE_LENGTH), max: Math.log2(MAX_PIECE_LENGTH) })
      .map((e) => 2 ** e),
  },
  { weight: 1, arbitrary: fc.integer({ min: MIN_PIECE_LENGTH, max: MAX_PIECE_LENGTH }) },
);

/** Options of a single-file torrent with at most `maxPieces` pieces. */
const torrentOptions = (maxPieces: number) =>
  fc
    .record({ name: fileName, pieceLength, pieces: fc.integer({ min: 1, max: maxPieces }), tail: fc.nat() })
    .chain(({ name, pieceLength, pieces, tail }) => {
      const length = (pieces - 1) * pieceLength + 1 + (tail % pieceLength);
      return fc
        .uint8Array({ minLength: HASH_BYTES * pieces, maxLength: HASH_BYTES * pieces })
        .map((pieceHashes) => ({ name, length, pieceLength, pieceHashes }));
    });

/** A multi-file info dictionary as bencoded bytes (tabswarm parses these, never creates them). */
const multiFileInfo = fc
  .record({
    name: fileName,
    pieceLength,
    files: fc.array(
      fc.record({
        path: fc.array(fileName, { minLength: 1, maxLength: 3 }),
        length: fc.nat({ max: 1 << 20 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .filter(({ files }) => files.some((f) => f.length > 0))
  .chain(({ name, pieceLength, files }) => {
    const total = files.reduce((s, f) => s + f.length, 0);
    const count = Math.ceil(total / pieceLength);
    return fc
      .uint8Array({ minLength: HASH_BYTES * count, maxLength: HASH_BYTES * count })
      .map((pieces) => bencode({ files, name, 'piece length': pieceLength, pieces }));
  });

const infoInput = hostileBytes(
  fc.oneof(
    torrentOptions(8).map((o) => createInfoDictionary(o).infoBytes),
    multiFileInfo,
  ),
  512,
);

let oversizeInfo: Uint8Array | undefined;

const infoHostile = defineProperty(
  {
    name: 'info.parse-hostile',
    target: 'shared/info-dictionary.ts parseInfoDictionary',
    claim: 'throws only INFO_INVALID (METADATA_INVALID with an info-hash); a result is within the caps',
    ciRuns: 300,
  },
  () =>
    fc.property(
      fc.oneof(
        { weight: 20, arbitrary: infoInput },
        // Over MAX_INFO_BYTES: a view of one shared buffer, so the case costs no allocation.
        {
          weight: 1,
          arbitrary: fc.integer({ min: 1, max: 64 }).map((extra) => {
            oversizeInfo ??= new Uint8Array(MAX_INFO_BYTES + 64).fill(0x64);
            return oversizeInfo.subarray(0, MAX_INFO_BYTES + extra);
          }),
        },
      ),
      fc.option(idBytes20),
      (bytes, expected) => {
        const codes = expected ? [ErrorCode.InfoInvalid, ErrorCode.MetadataInvalid] : [ErrorCode.InfoInvalid];
        const r = decodeOrError(() => parseInfoDictionary(bytes, expected ?? undefined), codes);
        if (bytes.length > MAX_INFO_BYTES) check(!r.ok, 'accepted an info dictionary over MAX_INFO_BYTES');
        if (!r.ok) return;
        const info = r.value;
        check(
          info.pieceLength >= MIN_PIECE_LENGTH && info.pieceLength <= MAX_PIECE_LENGTH,
          'piece length out of range',
        );
        check(Number.isSafeInteger(info.pieceLength), 'piece length is not a whole number');
        check(Number.isSafeInteger(info.length) && info.length > 0, 'length is not a positive integer');
        check(info.pieceCount === Math.ceil(info.length / info.pieceLength), 'piece count does not match');
        check(info.pieces.length === HASH_BYTES * info.pieceCount, 'pieces length does not match');
        for (const n of [info.name, ...(info.files ?? []).flatMap((f) => f.path)])
          check(
            n !== '' && n !== '.' && n !== '..' && !/[/\\\0]/.test(n),
            `unsafe name ${JSON.stringify(n)}`,
          );
      },
    ),
);

const infoRoundTrip = defineProperty(
  {
    name: 'info.round-trip',
    target: 'shared/info-dictionary.ts createInfoDictionary / parseInfoDictionary',
    claim: 'parse(create(o)) = o, and create(parse(bytes)) gives the same bytes and info-hash',
    ciRuns: 150,
  },
  () =>
    fc.property(torrentOptions(64), (opts) => {
      const created = createInfoDictionary(opts);
      const parsed = parseInfoDictionary(created.infoBytes, created.infoHash);
      assert.deepStrictEqual(parsed, created.info);
      const again = createInfoDictionary({ ...parsed, pieceHashes: parsed.pieces });
      check(bytesEqual(again.infoBytes, created.infoBytes), 'create(parse(x)) differs from x');
    }),
);

const infoMultiFile = defineProperty(
  {
    name: 'info.multi-file',
    target: 'shared/info-dictionary.ts parseInfoDictionary',
    claim: 'a valid multi-file dictionary parses, its length the sum of its files',
    ciRuns: 100,
  },
  () =>
    fc.property(multiFileInfo, (bytes) => {
      const info = parseInfoDictionary(bytes);
      check(info.files !== undefined, 'files lost');
      check(
        info.length === info.files.reduce((s, f) => s + f.length, 0),
        'length is not the sum of the files',
      );
    }),
);

// ---- magnet ------------------------------------------------------------------------------------

const TRACKER_SCHEMES = ['ws', 'wss', 'http', 'https', 'udp'];
const tracker = fc.webUrl({ validSchemes: TRACKER_SCHEMES, withQueryParameters: true });

const magnetLink = fc.record(
  {
    infoHash: idBytes20,
    name: text(24),
    length: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    trackers: fc.array(tracker, { maxLength: 3 }),
  },
  { requiredKeys: ['infoHash'] },
);

/** Base32 (RFC 4648) of 20 bytes: the other spelling of a btih. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

const magnetText = fc.oneof(
  magnetLink.map((l) => createMagnet(l)),
  magnetLink.map((l) => `http://host:8080/#${createMagnet(l)}`),
  magnetLink.map((l) => `x#${encodeURIComponent(createMagnet(l))}`),
  idBytes20.map((h) => `magnet:?xt=urn:btih:${base32(h)}&xt=urn:btih:${toHex(h)}&tr.1=udp%3A%2F%2Fa%3A1`),
);

const magnetInput = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  magnetText,
  mutatedText(magnetText),
  fc
    .integer({ min: 1, max: 64 })
    .map((extra) =>
      `magnet:?xt=urn:btih:${'0'.repeat(40)}&dn=${'a'.repeat(MAX_MAGNET_LENGTH)}`.slice(
        0,
        MAX_MAGNET_LENGTH + extra,
      ),
    ),
);

const magnetHostile = defineProperty(
  {
    name: 'magnet.parse-hostile',
    target: 'shared/magnet.ts parseMagnet',
    claim: 'throws only MAGNET_INVALID; a result has a 20-byte hash, usable trackers, input within the cap',
    ciRuns: 300,
  },
  () =>
    fc.property(magnetInput, (text) => {
      const r = decodeOrError(() => parseMagnet(text), [ErrorCode.MagnetInvalid]);
      if (!r.ok) return;
      const link = r.value;
      check(text.trim().length <= MAX_MAGNET_LENGTH, 'accepted a link over MAX_MAGNET_LENGTH');
      check(
        link.infoHash.length === HASH_BYTES && link.infoHashHex === toHex(link.infoHash),
        'bad info-hash',
      );
      check(new Set(link.trackers).size === link.trackers.length, 'duplicate trackers');
      for (const tr of link.trackers)
        check(
          TRACKER_SCHEMES.includes(new URL(tr).protocol.slice(0, -1)),
          `tracker ${tr} has another scheme`,
        );
      if (link.length !== undefined)
        check(Number.isSafeInteger(link.length) && link.length > 0, 'bad length');
    }),
);

const magnetRoundTrip = defineProperty(
  {
    name: 'magnet.round-trip',
    target: 'shared/magnet.ts createMagnet / parseMagnet',
    claim: 'parse(create(l)) = l and create(parse(x)) = x for canonical x',
    ciRuns: 200,
  },
  () =>
    fc.property(magnetLink, (link) => {
      const text = createMagnet(link);
      const parsed = parseMagnet(text);
      const expected: Record<string, unknown> = {
        infoHash: link.infoHash,
        infoHashHex: toHex(link.infoHash),
        trackers: [...new Set(link.trackers ?? [])],
      };
      if (link.name) expected['name'] = link.name;
      if (link.length !== undefined) expected['length'] = link.length;
      assert.deepStrictEqual({ ...parsed }, expected);
      check(createMagnet(parsed) === text, 'create(parse(x)) differs from x');
    }),
);

// ---- .torrent files ----------------------------------------------------------------------------

const torrentFile = fc
  .record({
    options: torrentOptions(8),
    trackers: fc.array(tracker, { maxLength: 3 }),
    creationDate: fc.nat({ max: 2 ** 40 }),
    comment: fc.option(text(24), { nil: undefined }),
  })
  .map(({ options, trackers, creationDate, comment }) => ({
    infoBytes: createInfoDictionary(options).infoBytes,
    trackers,
    creationDate,
    ...(comment === undefined ? {} : { comment }),
  }));

const torrentHostile = defineProperty(
  {
    name: 'torrent.parse-hostile',
    target: 'shared/torrent-file.ts parseTorrentFile',
    claim:
      'throws only TORRENT_INVALID / INFO_INVALID; the info-hash is SHA-1 of the info bytes as found; trackers are usable URLs within the caps',
    ciRuns: 300,
  },
  () =>
    fc.property(hostileBytes(torrentFile.map(createTorrentFile), 512), (bytes) => {
      const r = decodeOrError(
        () => parseTorrentFile(bytes),
        [ErrorCode.TorrentInvalid, ErrorCode.InfoInvalid],
      );
      if (!r.ok) return;
      const t = r.value;
      check(bytesEqual(t.infoHash, sha1(t.infoBytes)), 'info-hash is not SHA-1 of the info bytes');
      check(t.infoBytes.buffer === bytes.buffer, 'info bytes are not a view of the file');
      check(t.trackers.length <= MAX_TORRENT_TRACKERS, 'too many trackers');
      check(new Set(t.trackers).size === t.trackers.length, 'duplicate trackers');
      for (const url of t.trackers) check(isTrackerUrl(url), `kept tracker ${url}`);
    }),
);

const torrentRoundTrip = defineProperty(
  {
    name: 'torrent.round-trip',
    target: 'shared/torrent-file.ts createTorrentFile / parseTorrentFile',
    claim: 'parse(create(t)) keeps the info bytes, trackers, date and comment',
    ciRuns: 150,
  },
  () =>
    fc.property(torrentFile, (t) => {
      const parsed = parseTorrentFile(createTorrentFile(t));
      check(bytesEqual(parsed.infoBytes, t.infoBytes), 'info bytes changed');
      assert.deepStrictEqual(parsed.trackers, [...new Set(t.trackers)]);
      check(parsed.creationDate === t.creationDate, 'creation date changed');
      check(parsed.comment === t.comment, 'comment changed');
      check(parsed.createdBy === CREATED_BY, 'created by changed');
    }),
);

export const coreProperties: FuzzProperty[] = [
  bencodeHostile,
  bencodeRoundTrip,
  infoHostile,
  infoRoundTrip,
  infoMultiFile,
  magnetHostile,
  magnetRoundTrip,
  torrentHostile,
  torrentRoundTrip,
];
