import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { seededRandom } from '../../../shared/random.js';
import { LT_DONTHAVE_ID, Swarm, UT_METADATA_ID } from '../../../shared/swarm/swarm.js';
import type { SwarmOutput } from '../../../shared/swarm/swarm.js';
import { LT_DONTHAVE_LENGTH, encodeDonthave } from '../../../shared/swarm/lt-donthave.js';
import {
  encodeExtensionHandshake,
  parseExtensionHandshake,
} from '../../../shared/wire/extension-handshake.js';
import { EXTENDED_HANDSHAKE_ID } from '../../../shared/wire/peer-wire.js';
import { encodeMessage } from '../../../shared/wire/wire-codec.js';
import type { DecodedFrame } from '../../../shared/wire/wire-codec.js';
import { rawPeer } from './raw-peer.js';
import type { RawPeer } from './raw-peer.js';
import { makeTorrent } from './swarm-harness.js';

const torrent = makeTorrent(4 * 65536, 65536, 23);
const PEER_DONTHAVE_ID = 42;

function swarm(seed: boolean): Swarm {
  return new Swarm({
    infoHash: torrent.infoHash,
    peerId: utf8(seed ? '-TS0001-seedseedseed' : '-TS0001-leechleechle'),
    random: seededRandom(5),
    info: torrent.info,
    infoBytes: torrent.infoBytes,
    ...(seed ? { have: new Array<boolean>(torrent.info.pieceCount).fill(true), initialSeeding: false } : {}),
  });
}

/** A scripted peer that has done both handshakes, advertising `m`. */
function connected(s: Swarm, key: string, m: Record<string, number>): RawPeer {
  const peer = rawPeer(s, key);
  peer.handshake(torrent.infoHash, key);
  peer.send(
    encodeMessage({ type: 'extended', id: EXTENDED_HANDSHAKE_ID, payload: encodeExtensionHandshake({ m }) }),
  );
  return peer;
}

function extended(frames: DecodedFrame[], id: number): Uint8Array[] {
  return frames.flatMap((f) => (f.type === 'extended' && f.id === id ? [f.payload] : []));
}

describe('lt_donthave', () => {
  it('is advertised in our extension handshake next to ut_metadata', () => {
    const peer = connected(swarm(true), 'p', {});
    const [payload] = extended(peer.state.frames, EXTENDED_HANDSHAKE_ID);
    const ours = parseExtensionHandshake(payload!);
    expect(ours.m['lt_donthave']).toBe(LT_DONTHAVE_ID);
    expect(ours.m['ut_metadata']).toBe(UT_METADATA_ID);
    expect(ours.metadataSize).toBe(torrent.infoBytes.length);
  });

  it("drops the piece from the peer's pieces, availability, interest and our requests", () => {
    const leech = swarm(false);
    const peer = connected(leech, 'p', { lt_donthave: PEER_DONTHAVE_ID });
    peer.send(encodeMessage({ type: 'have', index: 2 }));
    expect(peer.state.frames.some((f) => f.type === 'interested')).toBe(true);
    peer.send(encodeMessage({ type: 'unchoke' }));
    const requested = peer.state.frames.filter((f) => f.type === 'request');
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.every((f) => f.type === 'request' && f.index === 2)).toBe(true);
    expect(leech.status(0).availability[2]).toBe(1);

    peer.send(encodeMessage({ type: 'extended', id: LT_DONTHAVE_ID, payload: encodeDonthave(2) }));
    const status = leech.status(0);
    expect(status.availability[2]).toBe(0);
    expect(status.peers[0]!.pieces).toBe(0);
    expect(status.peers[0]!.requestsOut).toBe(0);
    expect(peer.state.frames.at(-1)?.type).toBe('not-interested');
    expect(peer.state.closed).toBeUndefined();

    // A piece it never had changes nothing.
    peer.send(encodeMessage({ type: 'extended', id: LT_DONTHAVE_ID, payload: encodeDonthave(1) }));
    expect(peer.state.closed).toBeUndefined();
  });

  it('closes a peer that sends a malformed lt_donthave', () => {
    for (const payload of [new Uint8Array(LT_DONTHAVE_LENGTH - 1), encodeDonthave(torrent.info.pieceCount)]) {
      const peer = connected(swarm(false), 'p', { lt_donthave: PEER_DONTHAVE_ID });
      peer.send(encodeMessage({ type: 'extended', id: LT_DONTHAVE_ID, payload }));
      expect(peer.state.closed?.code).toBe(ErrorCode.ProtocolViolation);
    }
  });

  it('is sent, on the id each peer chose, to peers that advertised it when storage loses a piece', () => {
    const seed = swarm(true);
    const group = new Map<string, RawPeer>();
    const taker = rawPeer(seed, 'taker', 0, group);
    taker.handshake(torrent.infoHash, 'taker');
    const ext = { lt_donthave: PEER_DONTHAVE_ID };
    taker.send(encodeMessage({ type: 'extended', id: 0, payload: encodeExtensionHandshake({ m: ext }) }));
    const plain = rawPeer(seed, 'plain', 0, group);
    plain.handshake(torrent.infoHash, 'plain');
    taker.send(encodeMessage({ type: 'interested' }));
    taker.send(encodeMessage({ type: 'request', index: 3, begin: 0, length: 16384 }));
    const read = taker.state.actions.find(
      (a): a is Extract<SwarmOutput, { type: 'read' }> => a.type === 'read',
    );
    expect(read?.index).toBe(3);

    taker.apply(() => seed.pieceData(3, undefined, 0));
    expect(taker.state.actions.some((a) => a.type === 'event' && a.event.type === 'piece-lost')).toBe(true);
    expect(extended(taker.state.frames, PEER_DONTHAVE_ID)).toEqual([encodeDonthave(3)]);
    expect(plain.state.frames.some((f) => f.type === 'extended' && f.id !== EXTENDED_HANDSHAKE_ID)).toBe(
      false,
    );
    expect(seed.status(0).pieces[3]).toBe('missing');
  });
});
