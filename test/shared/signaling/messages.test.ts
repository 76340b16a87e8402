import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.js';
import { ErrorCode, isTabswarmError } from '../../../shared/errors.js';
import {
  MAX_FRAME_BYTES,
  MAX_RETRY_AFTER_MS,
  MAX_SIGNAL_DATA_BYTES,
  checkClientMessage,
  decodeClientMessage,
  encodeMessage,
  parseClientMessage,
  parseServerMessage,
  type ServerMessage,
} from '../../../shared/signaling/messages.js';

const ID = 'ab'.repeat(20);
const HASH = 'cd'.repeat(20);

/** The SIGNAL_INVALID message thrown for `text`. */
function refusal(text: string): string {
  try {
    parseClientMessage(text);
  } catch (err) {
    expect(isTabswarmError(err, ErrorCode.SignalInvalid)).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseClientMessage', () => {
  it('accepts each client message type', () => {
    expect(parseClientMessage(JSON.stringify({ type: 'register', peerId: ID, rid: 1 }))).toEqual({
      type: 'register',
      peerId: ID,
      rid: 1,
    });
    expect(
      parseClientMessage(
        JSON.stringify({ type: 'announce', infoHash: HASH, event: 'completed', numWant: 5 }),
      ),
    ).toEqual({ type: 'announce', infoHash: HASH, event: 'completed', numWant: 5 });
    const data = { sdp: 'v=0\r\n', type: 'offer' };
    expect(parseClientMessage(JSON.stringify({ type: 'signal', to: ID, data, rid: 'x' }))).toEqual({
      type: 'signal',
      to: ID,
      data,
      rid: 'x',
    });
  });

  it('normalises hex ids to lower case and ignores unknown fields', () => {
    const m = parseClientMessage(JSON.stringify({ type: 'register', peerId: ID.toUpperCase(), extra: true }));
    expect(m).toEqual({ type: 'register', peerId: ID });
  });

  it('refuses malformed JSON and non-objects', () => {
    expect(refusal('{"type": "register"')).toMatch(/not valid JSON/);
    expect(refusal('[1,2]')).toMatch(/JSON object/);
    expect(refusal('null')).toMatch(/JSON object/);
    expect(refusal('"register"')).toMatch(/JSON object/);
  });

  it('names the field at fault', () => {
    expect(refusal('{}')).toBe('type: is required');
    expect(refusal('{"type": 3}')).toBe('type: must be a string');
    expect(refusal('{"type": "hello"}')).toMatch(/^type: unknown message type "hello"/);
    expect(refusal('{"type": "__proto__"}')).toMatch(/^type: unknown message type/);
    expect(refusal('{"type": "register"}')).toBe('peerId: is required');
    expect(refusal('{"type": "register", "peerId": 12}')).toBe('peerId: must be a string');
    expect(refusal(JSON.stringify({ type: 'register', peerId: 'zz'.repeat(20) }))).toMatch(
      /^peerId: must be 40 hex/,
    );
    expect(refusal(JSON.stringify({ type: 'register', peerId: ID + '00' }))).toMatch(
      /^peerId: must be 40 hex/,
    );
    expect(refusal(JSON.stringify({ type: 'announce', infoHash: HASH, event: 'paused' }))).toMatch(
      /^event: must be one of/,
    );
    expect(refusal(JSON.stringify({ type: 'announce', infoHash: HASH, numWant: -1 }))).toMatch(/^numWant:/);
    expect(refusal(JSON.stringify({ type: 'signal', to: ID }))).toBe('data: is required');
    expect(refusal(JSON.stringify({ type: 'register', peerId: ID, rid: 1.5 }))).toMatch(/^rid:/);
    expect(refusal(JSON.stringify({ type: 'register', peerId: ID, rid: 'r'.repeat(65) }))).toMatch(/^rid:/);
  });

  it('caps signal data and whole frames', () => {
    const justFits = 'x'.repeat(MAX_SIGNAL_DATA_BYTES - 2); // plus the two quotes
    expect(parseClientMessage(JSON.stringify({ type: 'signal', to: ID, data: justFits })).type).toBe(
      'signal',
    );
    const tooBig = 'x'.repeat(MAX_SIGNAL_DATA_BYTES - 1);
    expect(refusal(JSON.stringify({ type: 'signal', to: ID, data: tooBig }))).toMatch(
      /^data: is \d+ bytes of JSON/,
    );
    // Multi-byte characters count as UTF-8 bytes, not characters.
    const wide = '\u20ac'.repeat(Math.ceil(MAX_SIGNAL_DATA_BYTES / 3));
    expect(refusal(JSON.stringify({ type: 'signal', to: ID, data: wide }))).toMatch(/^data: is \d+ bytes/);
    expect(refusal(' '.repeat(MAX_FRAME_BYTES + 1))).toMatch(/limit/);
  });

  it('caps a frame at MAX_FRAME_BYTES of UTF-8, not characters', () => {
    // A frame of 3-byte characters is a third as many characters as bytes: counting characters
    // let one three times the cap through, which the server (counting bytes) refuses.
    const frame = (pad: string): string => JSON.stringify({ type: 'register', peerId: ID, pad });
    const room = MAX_FRAME_BYTES - utf8(frame('')).length;
    const fits = '\u20ac'.repeat(Math.floor(room / 3)) + 'x'.repeat(room % 3);
    expect(utf8(frame(fits)).length).toBe(MAX_FRAME_BYTES);
    expect(frame(fits).length).toBeLessThan(MAX_FRAME_BYTES / 2);
    expect(parseClientMessage(frame(fits)).type).toBe('register');
    expect(refusal(frame(fits + 'x'))).toMatch(/limit/);
    expect(refusal(frame('\u20ac'.repeat(MAX_FRAME_BYTES / 3 + 1)))).toMatch(/limit/);
  });

  it('reports the rid and field of a refused message so the server can echo them', () => {
    const r = decodeClientMessage(JSON.stringify({ type: 'announce', infoHash: 'nope', rid: 'q7' }));
    expect(r).toEqual({
      ok: false,
      problem: {
        message: 'infoHash: must be 40 hex characters (a 20-byte id)',
        field: 'infoHash',
        rid: 'q7',
      },
    });
    const bad = checkClientMessage({ type: 'announce', infoHash: 'nope', rid: { no: 1 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem.rid).toBeUndefined();
  });

  it('never throws anything but SIGNAL_INVALID, even on deep nesting', () => {
    // Small enough for the data cap, deep enough to overflow a recursive JSON.stringify.
    const deep = '['.repeat(15000) + ']'.repeat(15000);
    const text = `{"type":"signal","to":"${ID}","data":${deep}}`;
    expect(() => decodeClientMessage(text)).not.toThrow();
    expect(() => parseClientMessage(text)).toThrow(/^data: must be encodable as JSON/);
  });
});

describe('parseServerMessage', () => {
  it('accepts each server message type and round-trips encodeMessage', () => {
    const messages = [
      {
        type: 'registered',
        peerId: ID,
        peers: [HASH],
        iceServers: [{ urls: 'stun:stun.example.org' }],
        rid: 1,
      },
      { type: 'announced', infoHash: HASH, peers: [], complete: 1, incomplete: 0 },
      { type: 'signal', from: ID, data: { candidate: 'c' } },
      { type: 'error', code: 'UNKNOWN_PEER', message: 'peer x is not connected', ref: ID, rid: 'r' },
    ] satisfies ServerMessage[];
    for (const m of messages) expect(parseServerMessage(encodeMessage(m))).toEqual(m);
  });

  it('refuses unknown error codes and bad peer lists', () => {
    expect(() => parseServerMessage('{"type":"error","code":"NOPE","message":"x"}')).toThrow(/^code:/);
    expect(() =>
      parseServerMessage(JSON.stringify({ type: 'registered', peerId: ID, peers: ['x'], iceServers: [] })),
    ).toThrow(/^peers\.0: must be 40 hex/);
  });
});

describe('identity fields', () => {
  const KEY = 'ef'.repeat(32);
  const SIG = '12'.repeat(64);
  const NONCE = '34'.repeat(32);

  it('register carries a public key and signature, normalised to lower case', () => {
    const m = parseClientMessage(
      JSON.stringify({ type: 'register', peerId: ID, publicKey: KEY.toUpperCase(), signature: SIG }),
    );
    expect(m).toEqual({ type: 'register', peerId: ID, publicKey: KEY, signature: SIG });
  });

  it('refuses a public key or signature of the wrong length, naming the field', () => {
    expect(refusal(JSON.stringify({ type: 'register', peerId: ID, publicKey: 'ef' }))).toMatch(
      /^publicKey: must be 64 hex characters/,
    );
    expect(refusal(JSON.stringify({ type: 'register', peerId: ID, publicKey: KEY, signature: KEY }))).toMatch(
      /^signature: must be 128 hex characters/,
    );
  });

  it('the server’s challenge and a registered reply with retryAfterMs parse; bad ones do not', () => {
    expect(parseServerMessage(JSON.stringify({ type: 'challenge', nonce: NONCE }))).toEqual({
      type: 'challenge',
      nonce: NONCE,
    });
    expect(() => parseServerMessage(JSON.stringify({ type: 'challenge', nonce: 'ab' }))).toThrow(/^nonce:/);
    const registered = { type: 'registered', peerId: ID, peers: [], iceServers: [], retryAfterMs: 60_000 };
    expect(parseServerMessage(JSON.stringify(registered))).toEqual(registered);
    const tooLong = { ...registered, retryAfterMs: MAX_RETRY_AFTER_MS + 1 };
    expect(() => parseServerMessage(JSON.stringify(tooLong))).toThrow(/^retryAfterMs:/);
  });

  it('the identity error codes are known to the schema', () => {
    for (const code of [ErrorCode.PeerIdUnproven, ErrorCode.PeerIdSuperseded]) {
      const error = { type: 'error', code, message: 'm', ref: ID };
      expect(parseServerMessage(JSON.stringify(error))).toEqual(error);
    }
  });
});
