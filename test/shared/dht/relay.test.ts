import { describe, expect, it } from 'vitest';
import { bencode } from '../../../shared/bencode.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../../shared/bytes.js';
import { isTabswarmError } from '../../../shared/errors.js';
import { seededRandom } from '../../../shared/random.js';
import { decodeFrame, encodeEnvelope, relayStep, wrapForRoute } from '../../../shared/dht/relay.js';
import type { Envelope, RelayDecision } from '../../../shared/dht/relay.js';
import { testSeed } from './helpers/seed.js';

const random = seededRandom(testSeed('relay', 51));
const [o, r1, r2, r3, d, x] = Array.from({ length: 6 }, () => toHex(random.bytes(20))) as string[] as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const message = utf8('d1:t2:aa1:y1:q1:q4:ping1:ad2:id20:xxxxxxxxxxxxxxxxxxxxee');

function envelopeOf(data: Uint8Array, max = 4): Envelope {
  const frame = decodeFrame(data, max);
  if (frame.kind !== 'envelope') throw new Error('not an envelope');
  return frame.envelope;
}

describe('relay envelopes', () => {
  it('sends a one-hop route bare and wraps longer routes', () => {
    expect(wrapForRoute(o, [d], message)).toEqual({ to: d, data: message });
    const { to, data } = wrapForRoute(o, [r1, d], message);
    expect(to).toBe(r1);
    expect(envelopeOf(data)).toEqual({ path: [o, r1, d], hop: 1, message });
    expect(decodeFrame(message).kind).toBe('direct');
  });

  it('encodes envelopes and notices exactly as canonical bencode', () => {
    const bytesOf = (id: string): Uint8Array => fromHex(id) as Uint8Array;
    const pathBytes = (ids: string[]): Uint8Array => concatBytes(ids.map(bytesOf));
    const big = random.bytes(5000);
    for (const env of [
      { path: [o, r1, d], hop: 1, message },
      { path: [o, r1, r2, r3, d], hop: 3, message: big },
      { path: [r2, r1, o], hop: 1, unreachable: r3, destination: d },
    ] as Envelope[]) {
      const rl: Record<string, Uint8Array | number | undefined> = { p: pathBytes(env.path), h: env.hop };
      if (env.message) rl['m'] = env.message;
      if (env.unreachable) rl['u'] = bytesOf(env.unreachable);
      if (env.destination) rl['d'] = bytesOf(env.destination);
      expect(encodeEnvelope(env)).toEqual(bencode({ rl }));
      expect(envelopeOf(encodeEnvelope(env), 8)).toEqual(env);
    }
  });

  it('forwards hop by hop and delivers with the reversed route for the answer', () => {
    const live = new Map<string, Set<string>>([
      [r1, new Set([o, r2])],
      [r2, new Set([r1, r3])],
      [r3, new Set([r2, d])],
      [d, new Set([r3])],
    ]);
    let { to, data } = wrapForRoute(o, [r1, r2, r3, d], message);
    let from = o;
    let decision: RelayDecision | undefined;
    for (let hops = 0; hops < 5; hops++) {
      decision = relayStep(to, from, envelopeOf(data), (id) => live.get(to)?.has(id) ?? false);
      if (decision.type !== 'forward') break;
      from = to;
      to = decision.to;
      data = decision.data;
    }
    expect(decision).toEqual({ type: 'deliver', origin: o, replyRoute: [r3, r2, r1, o], message });
  });

  it('bounds the path length and refuses loops', () => {
    const long = wrapForRoute(o, [r1, r2, r3, x, d], message);
    expect(() => decodeFrame(long.data, 4)).toThrow(/path of 6 ids/);
    expect(() => decodeFrame(long.data, 5)).not.toThrow();
    expect(() => wrapForRoute(o, [], message)).toThrow();
    const loop = encodeEnvelope({ path: [o, r1, o, d], hop: 1, message });
    expect(() => decodeFrame(loop)).toThrow(/twice/);
  });

  it('rejects malformed envelopes', () => {
    const bad = [
      bencode({ rl: 'x' }),
      bencode({ rl: { p: new Uint8Array(30), h: 1, m: message } }),
      bencode({ rl: { p: new Uint8Array(20), h: 1, m: message } }), // one id
      bencode({ rl: { p: utf8(o + r1).subarray(0, 40), h: 5, m: message } }),
      bencode({ rl: { p: new Uint8Array(60).map((_, i) => i), h: 0, m: message } }),
      bencode({ rl: { p: new Uint8Array(60).map((_, i) => i), h: 1 } }), // neither m nor u
      bencode({ rl: { p: new Uint8Array(60).map((_, i) => i), h: 1, u: new Uint8Array(20) } }), // u without d
      utf8('d2:rld1:pi1eee'),
    ];
    for (const data of bad) {
      let err: unknown;
      try {
        decodeFrame(data);
      } catch (e) {
        err = e;
      }
      expect(isTabswarmError(err)).toBe(true);
    }
    expect(() => decodeFrame(new Uint8Array(64 * 1024 + 1))).toThrow(/bytes/);
  });

  it('bounces a notice to the origin when the next hop has no live link', () => {
    const { data } = wrapForRoute(o, [r1, r2, d], message);
    const atR1 = relayStep(r1, o, envelopeOf(data), (id) => id === o || id === r2);
    expect(atR1.type).toBe('forward');
    if (atR1.type !== 'forward') return;
    const atR2 = relayStep(r2, r1, envelopeOf(atR1.data), (id) => id === r1); // no link to d
    expect(atR2).toMatchObject({ type: 'forward', to: r1, bounced: true });
    if (atR2.type !== 'forward') return;
    const back = relayStep(r1, r2, envelopeOf(atR2.data), (id) => id === o || id === r2);
    expect(back).toMatchObject({ type: 'forward', to: o, bounced: true });
    if (back.type !== 'forward') return;
    expect(relayStep(o, r1, envelopeOf(back.data), () => true)).toEqual({
      type: 'notice',
      destination: d,
      unreachable: d,
      reporter: r2,
      path: [r2, r1, o],
    });
  });

  it('drops envelopes not addressed to us or arriving over the wrong link', () => {
    const { data } = wrapForRoute(o, [r1, d], message);
    const env = envelopeOf(data);
    expect(relayStep(r2, o, env, () => true).type).toBe('drop');
    expect(relayStep(r1, x, env, () => true).type).toBe('drop');
    expect(relayStep(r1, o, env, () => true).type).toBe('forward');
  });
});
