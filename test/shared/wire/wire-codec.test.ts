import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, utf8 } from '../../../shared/bytes.js';
import { ErrorCode, isTabswarmError } from '../../../shared/errors.js';
import {
  HANDSHAKE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_REQUEST_LENGTH,
  WireDecoder,
  encodeHandshake,
  encodeMessage,
  parseHandshake,
} from '../../../shared/wire/wire-codec.js';
import type { DecodedFrame, WireMessage } from '../../../shared/wire/wire-codec.js';

const infoHash = new Uint8Array(20).fill(0xab);
const peerId = utf8('-TS0001-abcdefghijkl');

const block = new Uint8Array(16384).map((_, i) => (i * 7) & 0xff);
const messages: WireMessage[] = [
  { type: 'keep-alive' },
  { type: 'choke' },
  { type: 'unchoke' },
  { type: 'interested' },
  { type: 'not-interested' },
  { type: 'have', index: 0xfffffffe },
  { type: 'bitfield', bits: new Uint8Array([0b10100000, 0xff, 0x01]) },
  { type: 'request', index: 3, begin: 16384, length: 16384 },
  { type: 'piece', index: 3, begin: 16384, block },
  { type: 'cancel', index: 3, begin: 16384, length: 16384 },
  { type: 'port', port: 6881 },
  { type: 'extended', id: 0, payload: utf8('d1:md11:ut_metadatai3eee') },
];

function expectError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isTabswarmError(caught), String(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

describe('wire codec', () => {
  it('round-trips the handshake with the BEP 10 bit', () => {
    const bytes = encodeHandshake(infoHash, peerId);
    expect(bytes.length).toBe(HANDSHAKE_LENGTH);
    expect(bytes[25]! & 0x10).toBe(0x10);
    const h = parseHandshake(bytes, infoHash);
    expect(h.infoHash).toEqual(infoHash);
    expect(h.peerId).toEqual(peerId);
    expect(h.extensions).toBe(true);
    expect(parseHandshake(encodeHandshake(infoHash, peerId, false)).extensions).toBe(false);
  });

  it('round-trips every message', () => {
    for (const msg of messages) {
      const decoder = new WireDecoder({ handshake: false });
      expect(decoder.push(encodeMessage(msg))).toEqual([msg]);
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it('decodes a stream split at every byte offset', () => {
    // A short block keeps this quadratic test fast; the 16 KiB block is covered below.
    const small = messages.map((m) => (m.type === 'piece' ? { ...m, block: block.subarray(0, 100) } : m));
    const stream = concatBytes([encodeHandshake(infoHash, peerId), ...small.map(encodeMessage)]);
    const expected: DecodedFrame[] = [
      { type: 'handshake', handshake: parseHandshake(stream.subarray(0, HANDSHAKE_LENGTH)) },
      ...small,
    ];
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new WireDecoder({ infoHash });
      const out = [...decoder.push(stream.slice(0, cut)), ...decoder.push(stream.slice(cut))];
      expect(out).toEqual(expected);
    }
  });

  it('decodes byte-by-byte and coalesced input', () => {
    const stream = concatBytes(messages.map(encodeMessage));
    const decoder = new WireDecoder({ handshake: false });
    const out: DecodedFrame[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(messages);
    expect(new WireDecoder({ handshake: false }).push(stream)).toEqual(messages);
  });

  it('reassembles a message sent one byte per chunk in time linear in its size', () => {
    // A peer may send a legal 128 KiB block one byte per data-channel message; reassembly was
    // O(n²) and held the thread for 22 s. Timed against a message 16× smaller, both one byte
    // per chunk, in the same run: linear work costs about 16×, quadratic 256×.
    const pieceOf = (length: number): WireMessage => ({
      type: 'piece',
      index: 1,
      begin: 0,
      block: new Uint8Array(length).map((_, i) => i & 0xff),
    });
    const feedByteByByte = (message: WireMessage): number => {
      const bytes = encodeMessage(message);
      const decoder = new WireDecoder({ handshake: false });
      const frames: DecodedFrame[] = [];
      const start = performance.now();
      for (let i = 0; i < bytes.length; i++) frames.push(...decoder.push(bytes.subarray(i, i + 1)));
      const elapsed = performance.now() - start;
      // Compared as bytes: a deep equality of a 128 KiB block, seven times, is slow.
      expect(frames).toHaveLength(1);
      expect(bytesEqual(encodeMessage(frames[0] as WireMessage), bytes)).toBe(true);
      expect(decoder.bufferedBytes).toBe(0);
      return elapsed;
    };
    const large = pieceOf(MAX_REQUEST_LENGTH);
    const small = pieceOf(MAX_REQUEST_LENGTH / 16);
    feedByteByByte(small); // warm up
    // The fastest of five runs each, so a pause of a loaded machine does not count.
    const fastest = (message: WireMessage): number =>
      Math.min(...[0, 1, 2, 3, 4].map(() => feedByteByByte(message)));
    const smallTime = fastest(small);
    const largeTime = fastest(large);
    expect(largeTime).toBeLessThan(64 * Math.max(smallTime, 1));
  });

  it('waits on truncated input', () => {
    const bytes = encodeMessage({ type: 'request', index: 1, begin: 2, length: 3 });
    const decoder = new WireDecoder({ handshake: false });
    expect(decoder.push(bytes.subarray(0, 3))).toEqual([]);
    expect(decoder.push(bytes.subarray(3, 16))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(12);
    expect(decoder.push(bytes.subarray(16))).toEqual([{ type: 'request', index: 1, begin: 2, length: 3 }]);
  });

  it('rejects an oversized length prefix before the body arrives', () => {
    const decoder = new WireDecoder({ handshake: false });
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, MAX_MESSAGE_LENGTH + 1);
    expectError(() => decoder.push(prefix), ErrorCode.MessageTooLarge);
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff, 7]);
    expectError(() => new WireDecoder({ handshake: false }).push(huge), ErrorCode.MessageTooLarge);
    // A length at the cap is accepted and simply waited for.
    new DataView(prefix.buffer).setUint32(0, MAX_MESSAGE_LENGTH);
    expect(new WireDecoder({ handshake: false }).push(prefix)).toEqual([]);
  });

  it('rejects a wrong handshake', () => {
    const bad = encodeHandshake(infoHash, peerId);
    bad[5] = 0x78;
    expectError(() => new WireDecoder().push(bad), ErrorCode.HandshakeInvalid);
    expectError(() => new WireDecoder().push(new Uint8Array([20])), ErrorCode.HandshakeInvalid);
    const other = encodeHandshake(new Uint8Array(20).fill(1), peerId);
    expectError(() => new WireDecoder({ infoHash }).push(other), ErrorCode.HandshakeInvalid);
    expectError(
      () => new WireDecoder().push(utf8('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
      ErrorCode.HandshakeInvalid,
    );
  });

  it('rejects unknown ids and wrong lengths', () => {
    const unknown = new Uint8Array([0, 0, 0, 1, 42]);
    expectError(() => new WireDecoder({ handshake: false }).push(unknown), ErrorCode.ProtocolViolation);
    const longChoke = new Uint8Array([0, 0, 0, 2, 0, 0]);
    expectError(() => new WireDecoder({ handshake: false }).push(longChoke), ErrorCode.ProtocolViolation);
    const shortHave = new Uint8Array([0, 0, 0, 3, 4, 0, 0]);
    expectError(() => new WireDecoder({ handshake: false }).push(shortHave), ErrorCode.ProtocolViolation);
    const shortPiece = new Uint8Array([0, 0, 0, 5, 7, 0, 0, 0, 0]);
    expectError(() => new WireDecoder({ handshake: false }).push(shortPiece), ErrorCode.ProtocolViolation);
    const bigPiece = encodeMessage({
      type: 'piece',
      index: 0,
      begin: 0,
      block: new Uint8Array(128 * 1024 + 1),
    });
    expectError(() => new WireDecoder({ handshake: false }).push(bigPiece), ErrorCode.ProtocolViolation);
    const emptyExtended = new Uint8Array([0, 0, 0, 1, 20]);
    expectError(() => new WireDecoder({ handshake: false }).push(emptyExtended), ErrorCode.ProtocolViolation);
  });
});
