import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesEqual, concatBytes } from '../../shared/bytes.js';
import { ErrorCode, isTabswarmError } from '../../shared/errors.js';
import type { ErrorCode as Code } from '../../shared/errors.js';
import { encodeExtensionHandshake, parseExtensionHandshake } from '../../shared/wire/extension-handshake.js';
import type { ExtensionHandshake } from '../../shared/wire/extension-handshake.js';
import {
  MAX_METADATA_SIZE,
  METADATA_PIECE_SIZE,
  encodeUtMetadata,
  metadataPieceCount,
  metadataPieceLength,
  parseUtMetadata,
} from '../../shared/wire/ut-metadata.js';
import type { UtMetadataMessage } from '../../shared/wire/ut-metadata.js';
import {
  HANDSHAKE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_PIECES,
  MAX_REQUEST_LENGTH,
  WireDecoder,
  decodeMessageBody,
  encodeHandshake,
  encodeMessage,
  parseHandshake,
} from '../../shared/wire/wire-codec.js';
import type { DecodedFrame, WireMessage } from '../../shared/wire/wire-codec.js';
import { hostileBytes, idBytes20, mutated, text } from './arbitraries.js';
import { check, decodeOrError } from './outcome.js';
import { defineProperty } from './registry.js';
import type { FuzzProperty } from './registry.js';

const MAX_BITFIELD_BYTES = Math.ceil(MAX_PIECES / 8);
/** Records with Object.prototype, as decoders build them (deepStrictEqual compares prototypes). */
const plainObject = { noNullPrototype: true } as const;
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const bytesOf = (length: fc.Arbitrary<number>) =>
  length.chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

/** Any message the codec encodes and accepts back, payloads now and then at their caps. */
function messages(): fc.Arbitrary<WireMessage> {
  const sized = (max: number) =>
    fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 0, max: 64 }) },
      { weight: 1, arbitrary: fc.constant(max) },
    );
  return fc.oneof(
    fc.constantFrom<WireMessage>(
      { type: 'keep-alive' },
      { type: 'choke' },
      { type: 'unchoke' },
      { type: 'interested' },
      { type: 'not-interested' },
      { type: 'have-all' },
      { type: 'have-none' },
    ),
    fc.record(
      { type: fc.constantFrom('have' as const, 'suggest' as const, 'allowed-fast' as const), index: uint32 },
      plainObject,
    ),
    fc.record(
      { type: fc.constant('bitfield' as const), bits: bytesOf(sized(MAX_BITFIELD_BYTES)) },
      plainObject,
    ),
    fc.record(
      {
        type: fc.constantFrom('request' as const, 'cancel' as const, 'reject' as const),
        index: uint32,
        begin: uint32,
        length: uint32,
      },
      plainObject,
    ),
    fc.record(
      {
        type: fc.constant('piece' as const),
        index: uint32,
        begin: uint32,
        block: bytesOf(sized(MAX_REQUEST_LENGTH)),
      },
      plainObject,
    ),
    fc.record({ type: fc.constant('port' as const), port: fc.integer({ min: 0, max: 0xffff }) }, plainObject),
    fc.record(
      {
        type: fc.constant('extended' as const),
        id: fc.integer({ min: 0, max: 255 }),
        payload: fc.uint8Array({ maxLength: 64 }),
      },
      plainObject,
    ),
  );
}

/** Messages with payloads up to their caps (bitfield, piece block). */
export const wireMessage = messages();

const body = (msg: WireMessage): Uint8Array => encodeMessage(msg).subarray(4);

/** A sender's side of a connection: handshake, then messages. */
const streamOf = (message: fc.Arbitrary<WireMessage>) =>
  fc
    .tuple(idBytes20, idBytes20, fc.boolean(), fc.boolean(), fc.array(message, { maxLength: 8 }))
    .map(([infoHash, peerId, ext, fast, msgs]) =>
      concatBytes([encodeHandshake(infoHash, peerId, ext, fast), ...msgs.map(encodeMessage)]),
    );
const validStream = streamOf(wireMessage);

/** Cut points (fractions of the length) that split a stream into chunks. */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });
function split(data: Uint8Array, at: readonly number[]): Uint8Array[] {
  const points = [...new Set(at.map((f) => Math.floor(f * data.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, data.length]) {
    chunks.push(data.subarray(last, p));
    last = p;
  }
  return chunks;
}

const STREAM_CODES: readonly Code[] = [
  ErrorCode.HandshakeInvalid,
  ErrorCode.MessageTooLarge,
  ErrorCode.ProtocolViolation,
];

/** Feeds `chunks` to a decoder; checks the buffer bound after each push; stops at the first error. */
function decodeStream(
  chunks: readonly Uint8Array[],
  maxMessageLength: number,
): { frames: DecodedFrame[]; error?: Code } {
  const decoder = new WireDecoder({ maxMessageLength });
  const frames: DecodedFrame[] = [];
  for (const chunk of chunks) {
    try {
      frames.push(...decoder.push(chunk));
    } catch (err) {
      if (isTabswarmError(err) && STREAM_CODES.includes(err.code)) return { frames, error: err.code };
      throw err;
    }
    // What stays buffered is less than one frame: the handshake, or one capped message.
    check(
      decoder.bufferedBytes < Math.max(HANDSHAKE_LENGTH, 4 + maxMessageLength),
      () => `${decoder.bufferedBytes} bytes buffered`,
    );
  }
  return { frames };
}

/** A frame as bytes again, to compare frames (bodies are views into different buffers). */
function frameBytes(f: DecodedFrame): Uint8Array {
  if (f.type !== 'handshake') return encodeMessage(f);
  const h = f.handshake;
  const out = encodeHandshake(h.infoHash, h.peerId, false);
  out.set(h.reserved, 20);
  return out;
}
const sameFrames = (a: readonly DecodedFrame[], b: readonly DecodedFrame[]): boolean =>
  a.length === b.length && a.every((f, i) => bytesEqual(frameBytes(f), frameBytes(b[i] as DecodedFrame)));

const wireBody = defineProperty(
  {
    name: 'wire.decode-body-hostile',
    target: 'shared/wire/wire-codec.ts decodeMessageBody',
    claim: 'throws only PROTOCOL_VIOLATION; bitfields and blocks within their caps; encode(decode(x)) = x',
    ciRuns: 300,
  },
  () =>
    fc.property(hostileBytes(wireMessage.map(body)), (data) => {
      const r = decodeOrError(() => decodeMessageBody(data), [ErrorCode.ProtocolViolation]);
      if (!r.ok) return;
      const msg = r.value;
      if (msg.type === 'bitfield') check(msg.bits.length <= MAX_BITFIELD_BYTES, 'bitfield over its cap');
      if (msg.type === 'piece')
        check(msg.block.length <= MAX_REQUEST_LENGTH, 'block over MAX_REQUEST_LENGTH');
      check(bytesEqual(body(msg), data), 'encode(decode(x)) differs from x');
    }),
);

const wireRoundTrip = defineProperty(
  {
    name: 'wire.message-round-trip',
    target: 'shared/wire/wire-codec.ts encodeMessage / decodeMessageBody, handshakes',
    claim: 'decode(encode(m)) = m for every message and handshake',
    ciRuns: 200,
  },
  () =>
    fc.property(
      wireMessage,
      idBytes20,
      idBytes20,
      fc.boolean(),
      fc.boolean(),
      (msg, infoHash, peerId, ext, fast) => {
        const encoded = encodeMessage(msg);
        check(new DataView(encoded.buffer).getUint32(0) === encoded.length - 4, 'wrong length prefix');
        assert.deepStrictEqual(decodeMessageBody(encoded.subarray(4)), msg);
        const h = parseHandshake(encodeHandshake(infoHash, peerId, ext, fast), infoHash);
        check(
          bytesEqual(h.infoHash, infoHash) &&
            bytesEqual(h.peerId, peerId) &&
            h.extensions === ext &&
            h.fast === fast,
          'handshake changed',
        );
      },
    ),
);

const wireChunks = defineProperty(
  {
    name: 'wire.stream-chunking',
    target: 'shared/wire/wire-codec.ts WireDecoder',
    claim: 'any split of a valid stream gives the same frames; the buffer holds less than a frame',
    ciRuns: 100,
  },
  () =>
    fc.property(validStream, cuts, (stream, at) => {
      const whole = decodeStream([stream], MAX_MESSAGE_LENGTH);
      const parts = decodeStream(split(stream, at), MAX_MESSAGE_LENGTH);
      check(whole.error === undefined && parts.error === undefined, 'a valid stream was refused');
      check(sameFrames(whole.frames, parts.frames), 'chunking changed the frames');
    }),
);

const wireStreamHostile = defineProperty(
  {
    name: 'wire.stream-hostile',
    target: 'shared/wire/wire-codec.ts WireDecoder',
    claim:
      'throws only its three codes, at the same frame however the stream is split; length prefixes over the cap refused',
    ciRuns: 200,
  },
  () =>
    fc.property(
      fc.oneof(validStream, mutated(validStream), fc.uint8Array({ maxLength: 200 })),
      cuts,
      fc.oneof(fc.constant(MAX_MESSAGE_LENGTH), fc.integer({ min: 0, max: 64 })),
      (stream, at, cap) => {
        const bytewise = decodeStream(
          split(
            stream,
            Array.from(stream, (_, i) => i / stream.length),
          ),
          cap,
        );
        const parts = decodeStream(split(stream, at), cap);
        check(parts.error === bytewise.error, `error ${parts.error} split, ${bytewise.error} byte by byte`);
        check(
          sameFrames(parts.frames, bytewise.frames.slice(0, parts.frames.length)),
          'frames differ from byte-by-byte',
        );
        if (parts.error === undefined) check(parts.frames.length === bytewise.frames.length, 'frames lost');
        for (const f of parts.frames)
          if (f.type !== 'handshake') check(encodeMessage(f).length - 4 <= cap, 'message over the cap');
      },
    ),
);

const handshakeHostile = defineProperty(
  {
    name: 'wire.handshake-hostile',
    target: 'shared/wire/wire-codec.ts parseHandshake',
    claim: 'throws only HANDSHAKE_INVALID; accepts only the expected info-hash',
    ciRuns: 200,
  },
  () =>
    fc.property(
      hostileBytes(
        fc
          .tuple(idBytes20, idBytes20, fc.boolean(), fc.boolean())
          .map(([i, p, e, f]) => encodeHandshake(i, p, e, f)),
        80,
      ),
      fc.option(idBytes20),
      (data, expected) => {
        const r = decodeOrError(
          () => parseHandshake(data, expected ?? undefined),
          [ErrorCode.HandshakeInvalid],
        );
        if (!r.ok) return;
        check(data.length === HANDSHAKE_LENGTH, 'accepted a handshake of the wrong length');
        if (expected) check(bytesEqual(r.value.infoHash, expected), 'accepted another info-hash');
      },
    ),
);

// ---- BEP 10 extension handshake ----------------------------------------------------------------

const extensionHandshake: fc.Arbitrary<ExtensionHandshake> = fc
  .record(
    {
      m: fc.array(fc.tuple(text(12), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
      metadataSize: fc.integer({ min: 1, max: MAX_METADATA_SIZE }),
      client: text(16),
      reqq: fc.integer({ min: 1, max: 0x7fffffff }),
    },
    { requiredKeys: ['m'] },
  )
  .map(({ m, ...rest }) => {
    const map = Object.create(null) as Record<string, number>;
    for (const [name, id] of m) map[name] = id;
    return { m: map, ...rest };
  });

const extensionHostile = defineProperty(
  {
    name: 'ext.parse-hostile',
    target: 'shared/wire/extension-handshake.ts parseExtensionHandshake',
    claim: 'throws only PROTOCOL_VIOLATION; ids in 1..255, metadata_size within the cap',
    ciRuns: 300,
  },
  () =>
    fc.property(hostileBytes(extensionHandshake.map(encodeExtensionHandshake)), (data) => {
      const r = decodeOrError(() => parseExtensionHandshake(data), [ErrorCode.ProtocolViolation]);
      if (!r.ok) return;
      const h = r.value;
      check(Object.getPrototypeOf(h.m) === null, 'm has a prototype');
      for (const id of Object.values(h.m)) check(Number.isInteger(id) && id >= 1 && id <= 255, `id ${id}`);
      if (h.metadataSize !== undefined)
        check(h.metadataSize >= 1 && h.metadataSize <= MAX_METADATA_SIZE, 'metadata_size');
      if (h.reqq !== undefined) check(Number.isSafeInteger(h.reqq) && h.reqq > 0, 'reqq');
    }),
);

const extensionRoundTrip = defineProperty(
  {
    name: 'ext.round-trip',
    target: 'shared/wire/extension-handshake.ts encode / parse',
    claim: 'parse(encode(h)) = h and encode(parse(x)) = x',
    ciRuns: 300,
  },
  () =>
    fc.property(extensionHandshake, (h) => {
      const encoded = encodeExtensionHandshake(h);
      const parsed = parseExtensionHandshake(encoded);
      assert.deepStrictEqual(parsed, h);
      check(bytesEqual(encodeExtensionHandshake(parsed), encoded), 'encode(parse(x)) differs from x');
    }),
);

// ---- BEP 9 ut_metadata -------------------------------------------------------------------------

const MAX_PIECE_INDEX = MAX_METADATA_SIZE / METADATA_PIECE_SIZE - 1;

const utMetadata: fc.Arbitrary<UtMetadataMessage> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('request' as const, 'reject' as const),
      piece: fc.integer({ min: 0, max: MAX_PIECE_INDEX }),
    },
    plainObject,
  ),
  fc
    .tuple(fc.integer({ min: 1, max: MAX_METADATA_SIZE }), fc.nat(), fc.boolean())
    .chain(([totalSize, pick, last]) => {
      const count = metadataPieceCount(totalSize);
      const piece = last ? count - 1 : pick % count;
      const length = metadataPieceLength(totalSize, piece);
      return fc
        .uint8Array({ minLength: length, maxLength: length })
        .map((data) => ({ type: 'data' as const, piece, totalSize, data }));
    }),
);

const utMetadataHostile = defineProperty(
  {
    name: 'ut_metadata.parse-hostile',
    target: 'shared/wire/ut-metadata.ts parseUtMetadata',
    claim: 'throws only PROTOCOL_VIOLATION; pieces within the 8 MiB cap, data exactly one piece, a view',
    ciRuns: 150,
  },
  () =>
    fc.property(hostileBytes(utMetadata.map(encodeUtMetadata)), (data) => {
      const r = decodeOrError(() => parseUtMetadata(data), [ErrorCode.ProtocolViolation]);
      if (!r.ok) return;
      const msg = r.value;
      check(msg.piece >= 0 && msg.piece <= MAX_PIECE_INDEX, 'piece past the cap');
      if (msg.type !== 'data') return;
      check(msg.totalSize >= 1 && msg.totalSize <= MAX_METADATA_SIZE, 'total_size over the cap');
      check(msg.piece < metadataPieceCount(msg.totalSize), 'piece past total_size');
      check(msg.data.length === metadataPieceLength(msg.totalSize, msg.piece), 'data is not one piece');
      check(msg.data.buffer === data.buffer, 'data was copied');
    }),
);

const utMetadataRoundTrip = defineProperty(
  {
    name: 'ut_metadata.round-trip',
    target: 'shared/wire/ut-metadata.ts encode / parse',
    claim: 'parse(encode(m)) = m and encode(parse(x)) = x',
    ciRuns: 100,
  },
  () =>
    fc.property(utMetadata, (msg) => {
      const encoded = encodeUtMetadata(msg);
      const parsed = parseUtMetadata(encoded);
      assert.deepStrictEqual({ ...parsed, ...('data' in parsed ? { data: parsed.data.slice() } : {}) }, msg);
      check(bytesEqual(encodeUtMetadata(parsed), encoded), 'encode(parse(x)) differs from x');
    }),
);

export const wireProperties: FuzzProperty[] = [
  wireBody,
  wireRoundTrip,
  wireChunks,
  wireStreamHostile,
  handshakeHostile,
  extensionHostile,
  extensionRoundTrip,
  utMetadataHostile,
  utMetadataRoundTrip,
];
