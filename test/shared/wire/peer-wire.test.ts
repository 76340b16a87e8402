import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { encodeExtensionHandshake } from '../../../shared/wire/extension-handshake.js';
import {
  HANDSHAKE_TIMEOUT,
  IDLE_TIMEOUT,
  KEEPALIVE_INTERVAL,
  PeerWire,
} from '../../../shared/wire/peer-wire.js';
import { encodeHandshake, encodeMessage } from '../../../shared/wire/wire-codec.js';

const infoHash = new Uint8Array(20).fill(9);
const idA = utf8('-TS0001-aaaaaaaaaaaa');
const idB = utf8('-TS0001-bbbbbbbbbbbb');

function pair(pieceCount?: number): { a: PeerWire; b: PeerWire } {
  const opts = pieceCount === undefined ? {} : { pieceCount };
  const a = new PeerWire({ infoHash, peerId: idA, now: 0, ...opts });
  const b = new PeerWire({ infoHash, peerId: idB, now: 0, ...opts });
  b.receive(a.handshake(0), 0);
  a.receive(b.handshake(0), 0);
  return { a, b };
}

describe('PeerWire', () => {
  it('exchanges handshakes and reports the remote peer', () => {
    const a = new PeerWire({ infoHash, peerId: idA, now: 0 });
    const b = new PeerWire({ infoHash, peerId: idB, now: 0 });
    expect(a.open).toBe(false);
    const events = a.receive(b.handshake(1), 1);
    expect(events[0]?.type).toBe('handshake');
    expect(a.open).toBe(true);
    expect(a.supportsExtensions).toBe(true);
    expect(a.remote?.peerId).toEqual(idB);
  });

  it('tracks choke and interest both ways', () => {
    const { a, b } = pair(10);
    expect([a.amChoking, a.peerChoking, a.amInterested, a.peerInterested]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    b.receive(a.encode({ type: 'interested' }, 1), 1);
    a.receive(b.encode({ type: 'unchoke' }, 1), 1);
    expect(a.amInterested).toBe(true);
    expect(b.peerInterested).toBe(true);
    expect(b.amChoking).toBe(false);
    expect(a.peerChoking).toBe(false);
    a.receive(b.encode({ type: 'choke' }, 2), 2);
    expect(a.peerChoking).toBe(true);
  });

  it('tracks bitfield and haves, reporting only new haves', () => {
    const { a } = pair(10);
    expect(
      a.receive(encodeMessage({ type: 'bitfield', bits: new Uint8Array([0b10000000, 0b01000000]) }), 1),
    ).toHaveLength(1);
    expect(a.peerPieces.has(0) && a.peerPieces.has(9)).toBe(true);
    expect(a.receive(encodeMessage({ type: 'have', index: 3 }), 1)).toHaveLength(1);
    expect(a.receive(encodeMessage({ type: 'have', index: 3 }), 1)).toHaveLength(0);
    expect(a.peerPieces.count).toBe(3);
  });

  it('rejects a bitfield after a have, spare bits, and out-of-range haves', () => {
    const { a } = pair(10);
    a.receive(encodeMessage({ type: 'have', index: 1 }), 1);
    expect(() => a.receive(encodeMessage({ type: 'bitfield', bits: new Uint8Array(2) }), 1)).toThrow(
      /bitfield/,
    );
    const { a: c } = pair(10);
    expect(() =>
      c.receive(encodeMessage({ type: 'bitfield', bits: new Uint8Array([0, 0b00100000]) }), 1),
    ).toThrow(expect.objectContaining({ code: ErrorCode.ProtocolViolation }));
    const { a: d } = pair(10);
    expect(() => d.receive(encodeMessage({ type: 'have', index: 10 }), 1)).toThrow(
      expect.objectContaining({ code: ErrorCode.ProtocolViolation }),
    );
  });

  it('keeps pieces announced before the piece count is known, then checks them', () => {
    const { a } = pair();
    a.receive(encodeMessage({ type: 'have', index: 12 }), 1);
    a.setPieceCount(13);
    expect(a.peerPieces.has(12)).toBe(true);
    const { a: b } = pair();
    b.receive(encodeMessage({ type: 'have', index: 40 }), 1);
    expect(() => b.setPieceCount(13)).toThrow(expect.objectContaining({ code: ErrorCode.ProtocolViolation }));
  });

  it('parses the extension handshake', () => {
    const { a } = pair();
    const payload = encodeExtensionHandshake({ m: { ut_metadata: 3 }, metadataSize: 1000, reqq: 50 });
    const events = a.receive(encodeMessage({ type: 'extended', id: 0, payload }), 1);
    expect(events[0]?.type).toBe('extension-handshake');
    expect(a.extensions?.m['ut_metadata']).toBe(3);
    expect(a.extensions?.metadataSize).toBe(1000);
  });

  it('rejects a connection to ourselves and extended messages without the BEP 10 bit', () => {
    const a = new PeerWire({ infoHash, peerId: idA, now: 0 });
    expect(() => a.receive(encodeHandshake(infoHash, idA), 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.HandshakeInvalid }),
    );
    const b = new PeerWire({ infoHash, peerId: idA, now: 0 });
    b.receive(encodeHandshake(infoHash, idB, false), 0);
    const payload = encodeExtensionHandshake({ m: {} });
    expect(() => b.receive(encodeMessage({ type: 'extended', id: 0, payload }), 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.ProtocolViolation }),
    );
  });

  it('sends keep-alives and times out idle or silent peers', () => {
    const silent = new PeerWire({ infoHash, peerId: idA, now: 0 });
    expect(silent.nextTimeout()).toBe(HANDSHAKE_TIMEOUT);
    expect(silent.handleTimeout(HANDSHAKE_TIMEOUT).close?.code).toBe(ErrorCode.Timeout);

    const { a } = pair(4);
    expect(a.nextTimeout()).toBe(KEEPALIVE_INTERVAL);
    expect(a.handleTimeout(KEEPALIVE_INTERVAL - 1)).toEqual({});
    expect(a.handleTimeout(KEEPALIVE_INTERVAL).send).toEqual(new Uint8Array(4));
    a.receive(new Uint8Array(4), 100_000); // keep-alive from the peer
    expect(a.handleTimeout(100_000 + IDLE_TIMEOUT - 1).close).toBeUndefined();
    expect(a.handleTimeout(100_000 + IDLE_TIMEOUT).close?.code).toBe(ErrorCode.Timeout);
  });

  it('negotiates Fast only when both set the bit, and applies a have-all made before the piece count', () => {
    const { a } = pair();
    expect(a.fast).toBe(true);
    a.receive(encodeMessage({ type: 'have-all' }), 1);
    expect(a.peerHasAll).toBe(true);
    a.setPieceCount(10);
    expect(a.peerPieces.count).toBe(10);
    expect(() => a.receive(encodeMessage({ type: 'have-none' }), 1)).toThrow(/after piece announcements/);

    const slow = new PeerWire({ infoHash, peerId: idA, now: 0, fast: false });
    slow.receive(new PeerWire({ infoHash, peerId: idB, now: 0 }).handshake(0), 0);
    expect(slow.fast).toBe(false);
    expect(() => slow.receive(encodeMessage({ type: 'suggest', index: 1 }), 1)).toThrow(
      expect.objectContaining({ code: ErrorCode.ProtocolViolation }),
    );
  });
});
