import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex, utf8 } from '../../shared/bytes.js';
import { ErrorCode } from '../../shared/errors.js';
import {
  ANNOUNCE_EVENTS,
  MAX_FRAME_BYTES,
  MAX_NUM_WANT,
  MAX_RID_LENGTH,
  MAX_SIGNAL_DATA_BYTES,
  checkClientMessage,
  checkServerMessage,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  parseClientMessage,
  parseServerMessage,
} from '../../shared/signaling/messages.js';
import type { CheckResult, ClientMessage, ServerMessage } from '../../shared/signaling/messages.js';
import { idBytes20, mutatedText } from './arbitraries.js';
import { check, decodeOrError } from './outcome.js';
import { defineProperty } from './registry.js';
import type { FuzzProperty } from './registry.js';

const hex40 = idBytes20.map(toHex);
const rid = fc.oneof(
  fc.string({ maxLength: MAX_RID_LENGTH }),
  fc.maxSafeInteger(),
  fc.integer({ min: -10, max: 10 }),
);
const numWant = fc.integer({ min: 0, max: MAX_NUM_WANT });
/** Opaque signal data: JSON values well under the size cap, built as JSON.parse builds them. */
const signalData = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

const optional = { requiredKeys: [] as never[], noNullPrototype: true };
/** fc.record with Object.prototype, as JSON.parse builds objects (deepStrictEqual compares prototypes). */
function plainRecord<T>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(fields, { noNullPrototype: true }) as fc.Arbitrary<T>;
}
function withOptional<R extends object, O extends object>(
  required: fc.Arbitrary<R>,
  extra: { [K in keyof O]: fc.Arbitrary<O[K]> },
): fc.Arbitrary<R & Partial<O>> {
  return fc
    .tuple(required, fc.record(extra, optional) as fc.Arbitrary<Partial<O>>)
    .map(([r, o]) => ({ ...r, ...o }));
}

/** Every message a tab may send the server. */
export const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  withOptional(plainRecord({ type: fc.constant('register' as const), peerId: hex40 }), { numWant, rid }),
  withOptional(plainRecord({ type: fc.constant('announce' as const), infoHash: hex40 }), {
    event: fc.constantFrom(...ANNOUNCE_EVENTS),
    numWant,
    rid,
  }),
  withOptional(plainRecord({ type: fc.constant('signal' as const), to: hex40, data: signalData }), { rid }),
);

const iceServer = withOptional(
  plainRecord({ urls: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })) }),
  { username: fc.string(), credential: fc.string() },
);

/** Every message the server may send a tab. */
export const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  withOptional(
    plainRecord({
      type: fc.constant('registered' as const),
      peerId: hex40,
      peers: fc.array(hex40, { maxLength: 4 }),
      iceServers: fc.array(iceServer, { maxLength: 2 }),
    }),
    { rid },
  ),
  withOptional(
    plainRecord({
      type: fc.constant('announced' as const),
      infoHash: hex40,
      peers: fc.array(hex40, { maxLength: 4 }),
      complete: fc.nat(),
      incomplete: fc.nat(),
    }),
    { rid },
  ),
  plainRecord({ type: fc.constant('signal' as const), from: hex40, data: signalData }),
  withOptional(
    plainRecord({
      type: fc.constant('error' as const),
      code: fc.constantFrom(...Object.values(ErrorCode)),
      message: fc.string(),
    }),
    { ref: fc.string(), rid },
  ),
);

const encoded = (arb: fc.Arbitrary<ClientMessage | ServerMessage>) => arb.map((m) => encodeMessage(m));

/** Text of about `bytes` bytes of JSON (give or take 40 characters), of characters of 1 to 4 UTF-8 bytes. */
const textAround = (bytes: number) =>
  fc
    .tuple(
      fc.array(fc.constantFrom('a', '\u00e9', '\u20ac', '\u{1F600}', '"', '\n'), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.integer({ min: -40, max: 40 }),
    )
    .map(([alphabet, delta]) => {
      const unitBytes =
        alphabet.reduce((s, c) => s + utf8(JSON.stringify(c)).length - 2, 0) / alphabet.length;
      const count = Math.max(0, Math.round(bytes / unitBytes) + delta);
      let out = '';
      for (let i = 0; out.length < count; i++) out += alphabet[i % alphabet.length];
      return out;
    });

/** Frames: valid ones, mutated ones, arbitrary text and JSON, and frames around the cap. */
const frameText = fc.oneof(
  { weight: 4, arbitrary: encoded(fc.oneof(clientMessage, serverMessage)) },
  { weight: 4, arbitrary: mutatedText(encoded(fc.oneof(clientMessage, serverMessage))) },
  { weight: 2, arbitrary: fc.json() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(hex40, fc.integer({ min: -64, max: 64 }))
      .map(([to, d]) => encodeMessage({ type: 'signal', to, data: 'x'.repeat(MAX_FRAME_BYTES + d) })),
  },
  {
    // Frames around the cap in bytes, of fewer characters than bytes.
    weight: 1,
    arbitrary: fc
      .tuple(hex40, textAround(MAX_FRAME_BYTES))
      .map(([peerId, pad]) => JSON.stringify({ type: 'register', peerId, pad })),
  },
);

/** Checks an accepted message stays within the protocol's caps. */
function withinCaps(text: string, m: ClientMessage | ServerMessage): void {
  const bytes = utf8(text).length;
  check(bytes <= MAX_FRAME_BYTES, `accepted a frame of ${bytes} bytes`);
  for (const [key, value] of Object.entries(m)) {
    if (['peerId', 'infoHash', 'to', 'from'].includes(key))
      check(/^[0-9a-f]{40}$/.test(value as string), `${key} is not lower-case hex`);
  }
  if ('numWant' in m && m.numWant !== undefined)
    check(m.numWant >= 0 && m.numWant <= MAX_NUM_WANT, 'numWant');
  if (m.type === 'signal')
    check(utf8(JSON.stringify(m.data)).length <= MAX_SIGNAL_DATA_BYTES, 'signal data over its cap');
  if ('rid' in m && typeof m.rid === 'string') check(m.rid.length <= MAX_RID_LENGTH, 'rid too long');
}

const signalingHostile = defineProperty(
  {
    name: 'signaling.decode-hostile',
    target: 'shared/signaling/messages.ts decode/parse Client/ServerMessage',
    claim:
      'decode* never throws, parse* throws only SIGNAL_INVALID, both agree; a message is within the caps',
    ciRuns: 300,
  },
  () =>
    fc.property(frameText, (text) => {
      const decoded: [CheckResult<ClientMessage | ServerMessage>, () => ClientMessage | ServerMessage][] = [
        [decodeClientMessage(text), () => parseClientMessage(text)],
        [decodeServerMessage(text), () => parseServerMessage(text)],
      ];
      for (const [result, parse] of decoded) {
        const parsed = decodeOrError(parse, [ErrorCode.SignalInvalid]);
        check(parsed.ok === result.ok, 'parse and decode disagree');
        if (!result.ok) {
          check(
            typeof result.problem.message === 'string' && result.problem.message.length > 0,
            'no reason given',
          );
          continue;
        }
        withinCaps(text, result.message);
      }
    }),
);

const signalingAnything = defineProperty(
  {
    name: 'signaling.check-anything',
    target: 'shared/signaling/messages.ts checkClientMessage / checkServerMessage',
    claim: 'any JavaScript value is answered, never thrown on',
    ciRuns: 300,
  },
  () =>
    fc.property(
      fc.oneof(
        fc.anything({
          withBigInt: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withTypedArray: true,
        }),
        fc
          .tuple(
            fc.constantFrom(
              'register',
              'announce',
              'signal',
              'registered',
              'announced',
              'error',
              '__proto__',
              'constructor',
            ),
            fc.dictionary(fc.string(), fc.anything()),
          )
          .map(([type, rest]) => ({ ...rest, type })),
      ),
      (value) => {
        const results = [checkClientMessage(value), checkServerMessage(value)];
        for (const r of results) check(typeof r.ok === 'boolean', 'no verdict');
      },
    ),
);

const signalingRoundTrip = defineProperty(
  {
    name: 'signaling.round-trip',
    target: 'shared/signaling/messages.ts encodeMessage / parse*',
    claim: 'parse(encode(m)) = m and encode(parse(x)) = x',
    ciRuns: 300,
  },
  () =>
    fc.property(clientMessage, serverMessage, (c, s) => {
      const ct = encodeMessage(c);
      const st = encodeMessage(s);
      assert.deepStrictEqual(parseClientMessage(ct), c);
      assert.deepStrictEqual(parseServerMessage(st), s);
      check(encodeMessage(parseClientMessage(ct)) === ct, 'encode(parse(x)) differs from x');
      check(encodeMessage(parseServerMessage(st)) === st, 'encode(parse(x)) differs from x');
    }),
);

const signalingCap = defineProperty(
  {
    name: 'signaling.signal-cap',
    target: 'shared/signaling/messages.ts signal data cap',
    claim: 'signal data is accepted exactly when its JSON is at most MAX_SIGNAL_DATA_BYTES of UTF-8',
    ciRuns: 100,
  },
  () =>
    fc.property(hex40, textAround(MAX_SIGNAL_DATA_BYTES), (to, data) => {
      const r = checkClientMessage({ type: 'signal', to, data });
      const bytes = utf8(JSON.stringify(data)).length;
      check(
        r.ok === bytes <= MAX_SIGNAL_DATA_BYTES,
        () => `${bytes} bytes of JSON ${r.ok ? 'accepted' : 'refused'}`,
      );
    }),
);

export const signalingProperties: FuzzProperty[] = [
  signalingHostile,
  signalingAnything,
  signalingRoundTrip,
  signalingCap,
];
