import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../../shared/identity/index.js';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesEqual, toHex } from '../../shared/bytes.js';
import { bencode } from '../../shared/bencode.js';
import {
  MAX_DHT_MESSAGE,
  MAX_NODES_IN_RESPONSE,
  MAX_SIGNAL_BYTES,
  MAX_VALUES_IN_RESPONSE,
  MAX_VALUE_BENCODED,
  bencodedValueLength,
  decodeKrpc,
  encodeKrpc,
  responseBody,
} from '../../shared/dht/krpc.js';
import { OriginAuth } from '../../shared/dht/origin-proof.js';
import { seededRandom } from '../../shared/random.js';
import { simKey, simVerifier } from '../../sim/sim-signer.js';
import type { KrpcMessage } from '../../shared/dht/krpc.js';
import { ID_BYTES } from '../../shared/dht/node-id.js';
import { DEFAULT_MAX_ROUTE_LENGTH, decodeFrame, encodeEnvelope, relayStep } from '../../shared/dht/relay.js';
import type { Envelope } from '../../shared/dht/relay.js';
import { ErrorCode } from '../../shared/errors.js';
import { distinctIds, hostileBytes, idBytes20 } from './arbitraries.js';
import { check, decodeOrError } from './outcome.js';
import { defineProperty } from './registry.js';
import type { FuzzProperty } from './registry.js';

const DHT_CODES = [ErrorCode.MessageTooLarge, ErrorCode.DhtInvalid, ErrorCode.BencodeInvalid];
const plainObject = { noNullPrototype: true } as const;

/** Transaction ids as the node sends them (4 bytes) and up to the 16 bytes a reply may echo. */
const tid = fc.uint8Array({ minLength: 1, maxLength: 16 });
const token = fc.uint8Array({ maxLength: 64 });
/** A stored value: at most MAX_VALUE_BENCODED bytes once bencoded. */
const storedValue = fc
  .uint8Array({ maxLength: MAX_VALUE_BENCODED })
  .map((v) => v.subarray(0, v.length - Math.max(0, bencodedValueLength(v) - MAX_VALUE_BENCODED)));
/** A proof of origin or of a ping answer, present or not (a node without a verifier takes none). */
const originProof = fc.option(
  fc.record({
    k: fc.uint8Array({ minLength: PUBLIC_KEY_BYTES, maxLength: PUBLIC_KEY_BYTES }),
    sig: fc.uint8Array({ minLength: SIGNATURE_BYTES, maxLength: SIGNATURE_BYTES }),
  }),
  { nil: undefined },
);
const KNOWN_METHODS = ['ping', 'find_node', 'get_peers', 'announce_peer', 'put', 'get', 'signal'];
/** ASCII names only: an error's text and a method name are decoded leniently (lossy for broken UTF-8). */
const asciiName = fc.string({ minLength: 1, maxLength: 32 });

/** Every KRPC message the codec encodes and accepts back. */
export const krpcMessage: fc.Arbitrary<KrpcMessage> = fc.oneof(
  fc
    .record(
      { t: tid, id: idBytes20, ln: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }) },
      plainObject,
    )
    .map(({ t, id, ln }): KrpcMessage => ({
      y: 'q',
      t,
      q: 'ping',
      a: ln === undefined ? { id } : { id, ln },
    })),
  fc
    .record(
      { t: tid, id: idBytes20, target: idBytes20, q: fc.constantFrom('find_node' as const, 'get' as const) },
      plainObject,
    )
    .map(({ t, id, target, q }): KrpcMessage => ({ y: 'q', t, q, a: { id, target } })),
  fc
    .record({ t: tid, id: idBytes20, info_hash: idBytes20 }, plainObject)
    .map(({ t, ...a }): KrpcMessage => ({ y: 'q', t, q: 'get_peers', a })),
  fc
    .record(
      {
        t: tid,
        id: idBytes20,
        info_hash: idBytes20,
        token,
        peer: fc.option(idBytes20, { nil: undefined }),
        proof: originProof,
      },
      plainObject,
    )
    .map(({ t, peer, proof, ...a }): KrpcMessage => ({
      y: 'q',
      t,
      q: 'announce_peer',
      a: { ...(peer ? { ...a, peer } : a), ...proof },
    })),
  fc
    .record({ t: tid, id: idBytes20, v: storedValue, token, proof: originProof }, plainObject)
    .map(({ t, proof, ...a }): KrpcMessage => ({ y: 'q', t, q: 'put', a: { ...a, ...proof } })),
  fc
    .record(
      {
        t: tid,
        id: idBytes20,
        p: fc.uint8Array({ maxLength: 256 }),
        proof: originProof,
      },
      plainObject,
    )
    .map(({ t, proof, ...a }): KrpcMessage => ({ y: 'q', t, q: 'signal', a: { ...a, ...proof } })),
  fc
    .record(
      { t: tid, id: idBytes20, method: asciiName.filter((m) => !KNOWN_METHODS.includes(m)) },
      plainObject,
    )
    .map(({ t, id, method }): KrpcMessage => ({ y: 'q', t, q: 'unknown', method, a: { id } })),
  fc
    .record(
      {
        t: tid,
        id: idBytes20,
        nodes: fc.array(idBytes20, { maxLength: MAX_NODES_IN_RESPONSE }),
        token,
        values: fc.array(idBytes20, { maxLength: MAX_VALUES_IN_RESPONSE }),
        v: storedValue,
        proof: originProof,
      },
      { requiredKeys: ['t', 'id'], noNullPrototype: true },
    )
    // An answer through relays carries its responder's proof (optional: none over a link, or
    // from a node without a signer).
    .map(({ t, proof, ...r }): KrpcMessage => ({ y: 'r', t, r: { ...r, ...proof } })),
  fc
    .record(
      { t: tid, code: fc.integer({ min: -1e9, max: 1e9 }), text: fc.string({ maxLength: 256 }) },
      plainObject,
    )
    .map(({ t, code, text }): KrpcMessage => ({ y: 'e', t, e: [code, text] })),
);

let oversize: Uint8Array | undefined;
/** Frames just over MAX_DHT_MESSAGE: views of one shared buffer, so a case costs no allocation. */
const oversizeFrame = fc.integer({ min: 1, max: 64 }).map((extra) => {
  oversize ??= new Uint8Array(MAX_DHT_MESSAGE + 64).fill(0x64);
  return oversize.subarray(0, MAX_DHT_MESSAGE + extra);
});

const krpcInput = fc.oneof(
  { weight: 20, arbitrary: hostileBytes(krpcMessage.map(encodeKrpc), 512) },
  { weight: 1, arbitrary: oversizeFrame },
);

const krpcHostile = defineProperty(
  {
    name: 'krpc.decode-hostile',
    target: 'shared/dht/krpc.ts decodeKrpc',
    claim: 'throws only MESSAGE_TOO_LARGE / DHT_INVALID / BENCODE_INVALID; a message is within every cap',
    ciRuns: 300,
  },
  () =>
    fc.property(krpcInput, (data) => {
      const r = decodeOrError(() => decodeKrpc(data), DHT_CODES);
      if (data.length > MAX_DHT_MESSAGE)
        check(!r.ok && r.error.code === ErrorCode.MessageTooLarge, 'oversize accepted');
      if (!r.ok) return;
      const msg = r.value;
      check(msg.t.length > 0, 'empty transaction id');
      if (msg.y === 'q') {
        check(msg.a.id.length === ID_BYTES, 'query id is not 20 bytes');
        if (msg.q === 'signal') check(msg.a.p.length <= MAX_SIGNAL_BYTES, 'signal over MAX_SIGNAL_BYTES');
        if (msg.q === 'signal' || msg.q === 'announce_peer' || msg.q === 'put') {
          check((msg.a.k?.length ?? PUBLIC_KEY_BYTES) === PUBLIC_KEY_BYTES, 'proof key of the wrong size');
          check(
            (msg.a.sig?.length ?? SIGNATURE_BYTES) === SIGNATURE_BYTES,
            'proof signature of the wrong size',
          );
        }
        if (msg.q === 'put') check(bencodedValueLength(msg.a.v) <= MAX_VALUE_BENCODED, 'value over its cap');
      } else if (msg.y === 'r') {
        check(msg.r.id.length === ID_BYTES, 'responder id is not 20 bytes');
        check((msg.r.nodes?.length ?? 0) <= MAX_NODES_IN_RESPONSE, 'too many nodes');
        check((msg.r.values?.length ?? 0) <= MAX_VALUES_IN_RESPONSE, 'too many values');
        for (const id of [...(msg.r.nodes ?? []), ...(msg.r.values ?? [])])
          check(id.length === ID_BYTES, 'bad id');
        if (msg.r.v) check(bencodedValueLength(msg.r.v) <= MAX_VALUE_BENCODED, 'value over its cap');
      }
    }),
);

const krpcRoundTrip = defineProperty(
  {
    name: 'krpc.round-trip',
    target: 'shared/dht/krpc.ts encodeKrpc / decodeKrpc',
    claim: 'decode(encode(m)) = m and encode(decode(x)) = x',
    ciRuns: 300,
  },
  () =>
    fc.property(krpcMessage, (msg) => {
      const encoded = encodeKrpc(msg);
      const decoded = decodeKrpc(encoded);
      // Decoded byte strings are views into the frame; compare their bytes.
      assert.deepStrictEqual(JSON.stringify(decoded, hexReplacer), JSON.stringify(msg, hexReplacer));
      check(bytesEqual(encodeKrpc(decoded), encoded), 'encode(decode(x)) differs from x');
    }),
);

/** A stand-in key (sim/sim-signer.ts: checked like Ed25519, far cheaper) for the responder. */
const responderKey = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((seed) => simKey(seededRandom(seed)));

const krpcAnswerProof = defineProperty(
  {
    name: 'krpc.answer-proof',
    target: 'shared/dht/krpc.ts responseBody, shared/dht/origin-proof.ts answer proofs',
    claim:
      'an answer proof made on the values sent checks on the values decoded (same body bytes); with a contact added, it does not',
    ciRuns: 200,
  },
  () =>
    fc.property(
      krpcMessage.filter((m) => m.y === 'r'),
      responderKey,
      idBytes20,
      (msg, key, asker) => {
        if (msg.y !== 'r') return;
        const r = { ...msg.r, id: key.id, k: undefined, sig: undefined };
        const proof = new OriginAuth(key.id, key.signer).proveAnswer(asker, msg.t, r);
        const decoded = decodeKrpc(encodeKrpc({ y: 'r', t: msg.t, r: { ...r, ...proof } }));
        if (decoded.y !== 'r') return check(false, 'a response decoded as something else');
        check(bytesEqual(responseBody(decoded.r), responseBody(r)), 'the body changed on the wire');
        const checker = new OriginAuth(asker, undefined, simVerifier);
        check(checker.answerProblem(msg.t, decoded.r) === undefined, 'a genuine answer does not check');
        const changed = { ...decoded.r, nodes: [...(decoded.r.nodes ?? []), new Uint8Array(ID_BYTES)] };
        check(checker.answerProblem(msg.t, changed) !== undefined, 'an answer with a contact added checks');
      },
    ),
);

function hexReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? `hex:${toHex(value)}` : value;
}

// ---- relay envelopes ---------------------------------------------------------------------------

const routeLength = fc.integer({ min: 1, max: 8 });

/** An envelope for a route bound of `max` ids after the origin. */
const envelopeFor = (max: number): fc.Arbitrary<Envelope> =>
  distinctIds(2, max + 1).chain((ids) => {
    const path = ids.map(toHex);
    return fc.oneof(
      fc
        .record(
          { hop: fc.integer({ min: 1, max: path.length - 1 }), message: fc.uint8Array({ maxLength: 64 }) },
          plainObject,
        )
        .map(({ hop, message }): Envelope => ({ path, hop, message })),
      fc
        .record(
          { hop: fc.integer({ min: 1, max: path.length - 1 }), u: idBytes20, d: idBytes20 },
          plainObject,
        )
        .map(({ hop, u, d }): Envelope => ({ path, hop, unreachable: toHex(u), destination: toHex(d) })),
    );
  });

/** Frames: envelopes, bare KRPC, and hand-built `rl` dictionaries with fields of the wrong kind. */
const frameInput = (max: number) =>
  fc.oneof(
    {
      weight: 20,
      arbitrary: hostileBytes(
        fc.oneof(envelopeFor(max).map(encodeEnvelope), krpcMessage.map(encodeKrpc)),
        512,
      ),
    },
    {
      weight: 4,
      arbitrary: fc
        .record(
          {
            p: fc.oneof(fc.uint8Array({ maxLength: 220 }), fc.integer()),
            h: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.uint8Array()),
            m: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }),
            u: fc.option(idBytes20, { nil: undefined }),
            d: fc.option(fc.uint8Array({ maxLength: 21 }), { nil: undefined }),
          },
          plainObject,
        )
        .map((rl) => bencode({ rl })),
    },
    { weight: 1, arbitrary: oversizeFrame },
  );

const relayHostile = defineProperty(
  {
    name: 'relay.decode-hostile',
    target: 'shared/dht/relay.ts decodeFrame',
    claim:
      'throws only MESSAGE_TOO_LARGE / DHT_INVALID / BENCODE_INVALID; an envelope has a short loop-free path and a valid hop',
    ciRuns: 300,
  },
  () =>
    fc.property(
      routeLength.chain((max) => fc.tuple(fc.constant(max), frameInput(max))),
      ([max, data]) => {
        const r = decodeOrError(() => decodeFrame(data, max), DHT_CODES);
        if (data.length > MAX_DHT_MESSAGE)
          check(!r.ok && r.error.code === ErrorCode.MessageTooLarge, 'oversize accepted');
        if (!r.ok || r.value.kind !== 'envelope') return;
        const { path, hop, message, unreachable, destination } = r.value.envelope;
        check(path.length >= 2 && path.length <= max + 1, `path of ${path.length} ids, max ${max + 1}`);
        check(new Set(path).size === path.length, 'path visits a node twice');
        check(Number.isInteger(hop) && hop >= 1 && hop < path.length, `hop ${hop}`);
        check(
          (message !== undefined) !== (unreachable !== undefined && destination !== undefined),
          'neither message nor notice',
        );
      },
    ),
);

const relayRoundTrip = defineProperty(
  {
    name: 'relay.round-trip',
    target: 'shared/dht/relay.ts encodeEnvelope / decodeFrame',
    claim: 'decode(encode(e)) = e and encode(decode(x)) = x',
    ciRuns: 300,
  },
  () =>
    fc.property(envelopeFor(DEFAULT_MAX_ROUTE_LENGTH), (env) => {
      const encoded = encodeEnvelope(env);
      const frame = decodeFrame(encoded);
      check(frame.kind === 'envelope', 'an envelope decoded as a bare message');
      assert.deepStrictEqual(JSON.stringify(frame.envelope, hexReplacer), JSON.stringify(env, hexReplacer));
      check(bytesEqual(encodeEnvelope(frame.envelope), encoded), 'encode(decode(x)) differs from x');
    }),
);

const relayStepProperty = defineProperty(
  {
    name: 'relay.step',
    target: 'shared/dht/relay.ts relayStep',
    claim:
      'never throws; forwards only over a live link, with hop + 1, to a frame that decodes; delivers along the reversed path',
    ciRuns: 300,
  },
  () =>
    fc.property(
      envelopeFor(DEFAULT_MAX_ROUTE_LENGTH),
      fc.nat(),
      fc.nat(),
      fc.func(fc.boolean()),
      (env, selfPick, fromPick, linked) => {
        // Mostly the node the envelope is addressed to, arriving from the right link.
        const self = env.path[selfPick % 3 === 0 ? selfPick % env.path.length : env.hop] as string;
        const at = env.path.indexOf(self);
        const from = env.path[
          fromPick % 3 === 0 ? fromPick % env.path.length : Math.max(0, at - 1)
        ] as string;
        // The frame arrived over the link from `from`: that one is live.
        const hasLink = (id: string): boolean => id === from || linked(id);
        const decision = relayStep(self, from, env, hasLink);
        const last = env.hop === env.path.length - 1;
        switch (decision.type) {
          case 'drop':
            return;
          case 'forward': {
            check(hasLink(decision.to), 'forwarded over a link it does not have');
            const next = decodeFrame(decision.data);
            check(next.kind === 'envelope', 'forwarded a bare message');
            const e = next.envelope;
            check(
              e.path[e.hop] === decision.to && e.path[e.hop - 1] === self,
              'the next hop is not the receiver',
            );
            if (!decision.bounced)
              check(e.hop === env.hop + 1 && e.path.join() === env.path.join(), 'path or hop changed');
            return;
          }
          case 'deliver':
            check(
              last && env.message !== undefined && env.unreachable === undefined,
              'delivered a frame not for us',
            );
            check(decision.origin === env.path[0], 'wrong origin');
            check(
              decision.replyRoute.join() === env.path.slice(0, -1).reverse().join(),
              'reply route is not the reversed path',
            );
            return;
          case 'notice':
            check(last && env.unreachable !== undefined, 'a notice that was not one');
            return;
        }
      },
    ),
);

export const dhtDecoderProperties: FuzzProperty[] = [
  krpcHostile,
  krpcRoundTrip,
  krpcAnswerProof,
  relayHostile,
  relayRoundTrip,
  relayStepProperty,
];
