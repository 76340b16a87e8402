import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, utf8 } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { seededRandom } from '../../../shared/random.js';
import {
  MAX_QUEUED_REQUESTS,
  METADATA_REQUEST_TIMEOUT,
  METADATA_RETRY_AFTER,
  MIN_PIPELINE,
  MIN_UPLOAD_WINDOW,
  SNUB_TIMEOUT,
  Swarm,
  UPLOAD_SLOTS,
  UPLOAD_WINDOW,
  UT_METADATA_ID,
} from '../../../shared/swarm/swarm.js';
import type { SwarmOutput } from '../../../shared/swarm/swarm.js';
import { encodeExtensionHandshake } from '../../../shared/wire/extension-handshake.js';
import { encodeUtMetadata, metadataPiece, parseUtMetadata } from '../../../shared/wire/ut-metadata.js';
import { encodeMessage } from '../../../shared/wire/wire-codec.js';
import { rawPeer } from './raw-peer.js';
import { Harness, makeTorrent } from './swarm-harness.js';

describe('Swarm', () => {
  it('transfers a multi-piece file from a seed to a leecher', () => {
    const torrent = makeTorrent(5 * 65536 + 1234, 65536, 7);
    const h = new Harness();
    h.add('seed', torrent, { seed: true });
    const leech = h.add('leech', torrent);
    h.connect('seed', 'leech');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    const got = h.assembled('leech');
    expect(got && bytesEqual(got, torrent.data)).toBe(true);
    const status = leech.swarm.status(h.now);
    expect(status.complete).toBe(true);
    expect(status.haveCount).toBe(torrent.info.pieceCount);
    expect(status.downloaded).toBe(torrent.data.length);
    expect(h.node('seed').closes).toEqual([]);
    expect(leech.closes).toEqual([]);
  });
});

describe('Swarm metadata and multi-peer', () => {
  it('a leecher with only the magnet gets the metadata over ut_metadata, then the file', () => {
    // Enough pieces that the info dictionary spans several 16 KiB metadata pieces.
    const torrent = makeTorrent(1200 * 16384, 16384, 3);
    expect(torrent.infoBytes.length).toBeGreaterThan(16384);
    const h = new Harness();
    h.add('seed', torrent, { seed: true });
    const leech = h.add('leech', torrent, { magnet: true });
    expect(leech.swarm.status(0).metadata).toBe(false);
    h.connect('seed', 'leech');
    expect(h.run(() => leech.info !== undefined)).toBe(true);
    expect(leech.info?.pieceCount).toBe(torrent.info.pieceCount);
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    const got = h.assembled('leech');
    expect(got && bytesEqual(got, torrent.data)).toBe(true);
  });

  it('1 seed + 2 leechers: the second leecher receives pieces from both', () => {
    const torrent = makeTorrent(40 * 32768, 32768, 5);
    const h = new Harness();
    h.add('seed', torrent, { seed: true });
    const a = h.add('a', torrent);
    const b = h.add('b', torrent);
    h.connect('seed', 'a');
    h.connect('a', 'b');
    h.connect('seed', 'b');
    expect(h.run(() => a.swarm.status(h.now).complete && b.swarm.status(h.now).complete)).toBe(true);
    for (const name of ['a', 'b']) {
      const got = h.assembled(name);
      expect(got && bytesEqual(got, torrent.data)).toBe(true);
    }
    const fromA = b.swarm.status(h.now).peers.find((p) => p.peer === 'a');
    const fromSeed = b.swarm.status(h.now).peers.find((p) => p.peer === 'seed');
    expect(fromA?.downloaded).toBeGreaterThan(0);
    expect(fromSeed?.downloaded).toBeGreaterThan(0);
  });
});

describe('Swarm against hostile peers', () => {
  const torrent = makeTorrent(8 * 65536, 65536, 11);
  const seedSwarm = (): Swarm =>
    new Swarm({
      infoHash: torrent.infoHash,
      peerId: utf8('-TS0001-seedseedseed'),
      random: seededRandom(1),
      info: torrent.info,
      infoBytes: torrent.infoBytes,
      have: new Array<boolean>(torrent.info.pieceCount).fill(true),
    });

  it('closes a peer sending garbage, with a reason, without throwing', () => {
    const swarm = seedSwarm();
    const garbage = rawPeer(swarm, 'g');
    garbage.send(utf8('GET / HTTP/1.1\r\n\r\n'));
    expect(garbage.state.closed?.code).toBe(ErrorCode.HandshakeInvalid);
    expect(garbage.state.closed?.reason).toMatch(/BitTorrent protocol/);
    // Bytes after the close are ignored.
    garbage.send(new Uint8Array(100));
    expect(swarm.status(0).peers).toEqual([]);

    const wrongTorrent = rawPeer(swarm, 'w');
    wrongTorrent.handshake(new Uint8Array(20).fill(7));
    expect(wrongTorrent.state.closed?.code).toBe(ErrorCode.HandshakeInvalid);

    const badMessage = rawPeer(swarm, 'b');
    badMessage.handshake(torrent.infoHash);
    expect(badMessage.state.closed).toBeUndefined();
    badMessage.send(new Uint8Array([0, 0, 0, 1, 99]));
    expect(badMessage.state.closed?.code).toBe(ErrorCode.ProtocolViolation);

    const huge = rawPeer(swarm, 'h');
    huge.handshake(torrent.infoHash);
    huge.send(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
    expect(huge.state.closed?.code).toBe(ErrorCode.MessageTooLarge);

    const badRequest = rawPeer(swarm, 'r');
    badRequest.handshake(torrent.infoHash);
    badRequest.send(encodeMessage({ type: 'request', index: 99, begin: 0, length: 16384 }));
    expect(badRequest.state.closed?.code).toBe(ErrorCode.ProtocolViolation);
  });

  it('survives random bytes after a valid handshake (fuzz)', () => {
    const seed = 20260101;
    console.log(`fuzz seed ${seed}`);
    const random = seededRandom(seed);
    for (let round = 0; round < 300; round++) {
      const swarm = seedSwarm();
      const peer = rawPeer(swarm, 'f');
      peer.handshake(torrent.infoHash);
      for (let i = 0; i < 20 && !peer.state.closed; i++) {
        // Mostly well-framed messages with random ids and bodies, some raw noise.
        const body = random.bytes(random.int(40));
        if (body.length > 0 && random.next() < 0.8) body[0] = random.int(22);
        const framed = random.next() < 0.9;
        const bytes = framed
          ? concatBytes([new Uint8Array([0, 0, 0, body.length]), body])
          : random.bytes(random.int(30));
        expect(() => peer.send(bytes, i * 1000)).not.toThrow();
      }
      expect(() => swarm.handleTimeout(1_000_000)).not.toThrow();
    }
  });

  it('bounds a request flood: queue and unacknowledged upload bytes', () => {
    const swarm = seedSwarm();
    const flooder = rawPeer(swarm, 'f');
    flooder.handshake(torrent.infoHash);
    flooder.send(encodeMessage({ type: 'interested' }));
    expect(flooder.state.frames.some((f) => f.type === 'unchoke')).toBe(true);
    const requests: Uint8Array[] = [];
    for (let n = 0; n < 20_000; n++) {
      const index = n % torrent.info.pieceCount;
      requests.push(encodeMessage({ type: 'request', index, begin: (n % 4) * 16384, length: 16384 }));
    }
    flooder.send(concatBytes(requests));
    // Answer the storage reads the swarm asked for.
    for (let round = 0; round < 20; round++) {
      const reads = flooder.state.actions.filter(
        (a): a is Extract<SwarmOutput, { type: 'read' }> => a.type === 'read',
      );
      flooder.state.actions.length = 0;
      for (const r of reads) {
        const start = r.index * torrent.info.pieceLength;
        flooder.apply(() =>
          swarm.pieceData(r.index, torrent.data.slice(start, start + torrent.info.pieceLength), 0),
        );
      }
    }
    const status = swarm.status(0);
    const peer = status.peers[0]!;
    expect(peer.requestsIn).toBeLessThanOrEqual(MAX_QUEUED_REQUESTS);
    // Without a drained report, no more than the (still unmeasured, so smallest) window went out.
    expect(status.uploaded).toBeLessThanOrEqual(MIN_UPLOAD_WINDOW + 16384);
    expect(flooder.state.sentBytes).toBeLessThan(MIN_UPLOAD_WINDOW + 64 * 1024);
    // After the host reports the channel drained, the next window goes out; the queue stays bounded.
    flooder.apply(() => swarm.drained('f', 1));
    const after = swarm.status(1);
    expect(after.uploaded).toBeGreaterThan(status.uploaded);
    expect(after.uploaded).toBeLessThanOrEqual(UPLOAD_WINDOW);
    expect(after.peers[0]!.requestsIn).toBeLessThanOrEqual(MAX_QUEUED_REQUESTS);
    expect(flooder.state.closed).toBeUndefined();
  });

  it('serves requests up to 128 KiB and closes on larger ones', () => {
    const big = makeTorrent(2 * 262144, 262144, 41);
    const swarm = new Swarm({
      infoHash: big.infoHash,
      peerId: utf8('-TS0001-seedseedseed'),
      random: seededRandom(1),
      info: big.info,
      have: [true, true],
    });
    const peer = rawPeer(swarm, 'p');
    peer.handshake(big.infoHash);
    peer.send(encodeMessage({ type: 'interested' }));
    peer.send(encodeMessage({ type: 'request', index: 1, begin: 65536, length: 131072 }));
    const read = peer.state.actions.find((a) => a.type === 'read');
    expect(read).toEqual({ type: 'read', index: 1 });
    peer.apply(() => swarm.pieceData(1, big.data.slice(262144), 0));
    const piece = peer.state.frames.find((f) => f.type === 'piece');
    expect(
      piece &&
        piece.type === 'piece' &&
        bytesEqual(piece.block, big.data.subarray(262144 + 65536, 262144 + 196608)),
    ).toBe(true);
    peer.send(encodeMessage({ type: 'request', index: 0, begin: 0, length: 131073 }));
    expect(peer.state.closed?.code).toBe(ErrorCode.ProtocolViolation);
  });

  it('rejects ut_metadata requests when it has no metadata, serves them when it has', () => {
    const magnet = new Swarm({
      infoHash: torrent.infoHash,
      peerId: utf8('-TS0001-magnetmagnet'),
      random: seededRandom(2),
    });
    for (const [swarm, expected] of [
      [magnet, 'reject'],
      [seedSwarm(), 'data'],
    ] as const) {
      const peer = rawPeer(swarm, 'm');
      peer.handshake(torrent.infoHash);
      const ext = encodeExtensionHandshake({ m: { ut_metadata: 7 } });
      peer.send(encodeMessage({ type: 'extended', id: 0, payload: ext }));
      peer.send(
        encodeMessage({
          type: 'extended',
          id: UT_METADATA_ID,
          payload: encodeUtMetadata({ type: 'request', piece: 0 }),
        }),
      );
      const reply = peer.state.frames.find((f) => f.type === 'extended' && f.id === 7);
      expect(reply && reply.type === 'extended' && parseUtMetadata(reply.payload).type).toBe(expected);
    }
  });
});

describe('Swarm metadata requests', () => {
  it('asks a silent metadata source again after a backoff', () => {
    const torrent = makeTorrent(900 * 16384, 16384, 31);
    const size = torrent.infoBytes.length;
    const leech = new Swarm({
      infoHash: torrent.infoHash,
      peerId: utf8('-TS0001-leechleechle'),
      random: seededRandom(3),
    });
    const mute = rawPeer(leech, 'mute');
    mute.handshake(torrent.infoHash);
    const ext = encodeExtensionHandshake({ m: { ut_metadata: 5 }, metadataSize: size });
    mute.send(encodeMessage({ type: 'extended', id: 0, payload: ext }));
    const requests = (): number[] =>
      mute.state.frames.flatMap((f) => {
        if (f.type !== 'extended' || f.id !== 5) return [];
        const m = parseUtMetadata(f.payload);
        return m.type === 'request' ? [m.piece] : [];
      });
    expect(requests()).toHaveLength(2);
    expect(leech.nextTimeout()).toBe(METADATA_REQUEST_TIMEOUT);
    mute.apply(() => leech.handleTimeout(METADATA_REQUEST_TIMEOUT));
    expect(requests()).toHaveLength(2);
    const retry = leech.nextTimeout()!;
    expect(retry).toBe(METADATA_REQUEST_TIMEOUT + METADATA_RETRY_AFTER);
    mute.apply(() => leech.handleTimeout(retry));
    expect(requests()).toHaveLength(4);
    // Then it answers (the metadata is two pieces): the leecher has the info dictionary.
    for (const piece of requests().slice(2)) {
      const data = metadataPiece(torrent.infoBytes, piece);
      const payload = encodeUtMetadata({ type: 'data', piece, totalSize: size, data });
      mute.send(encodeMessage({ type: 'extended', id: UT_METADATA_ID, payload }), retry);
    }
    expect(mute.state.actions.some((a) => a.type === 'metadata')).toBe(true);
    expect(leech.status(retry).metadata).toBe(true);
    expect(mute.state.closed).toBeUndefined();
  });
});

describe('Swarm snubbing', () => {
  it('hands the requests of a peer that unchokes but never delivers to others', () => {
    const torrent = makeTorrent(32 * 65536, 65536, 37);
    const leech = new Swarm({
      infoHash: torrent.infoHash,
      peerId: utf8('-TS0001-leechleechle'),
      random: seededRandom(4),
      info: torrent.info,
    });
    const stingy = rawPeer(leech, 'stingy');
    stingy.handshake(torrent.infoHash);
    stingy.send(
      concatBytes([
        encodeMessage({ type: 'bitfield', bits: new Uint8Array(4).fill(0xff) }),
        encodeMessage({ type: 'unchoke' }),
      ]),
    );
    expect(stingy.state.frames.some((f) => f.type === 'interested')).toBe(true);
    const out = leech.status(0).peers[0]!;
    expect(out.requestsOut).toBe(MIN_PIPELINE);
    expect(leech.nextTimeout()).toBe(SNUB_TIMEOUT);
    stingy.apply(() => leech.handleTimeout(SNUB_TIMEOUT));
    const after = leech.status(SNUB_TIMEOUT).peers[0]!;
    expect(after.snubbed).toBe(true);
    expect(after.requestsOut).toBe(1); // one probe request at a time until it delivers
  });
});

describe('Swarm downloads', () => {
  it('bans a peer serving corrupt data; honest peers are never banned', () => {
    const torrent = makeTorrent(24 * 32768, 32768, 13);
    const h = new Harness();
    h.add('honest', torrent, { seed: true });
    const liar = h.add('liar', torrent, { seed: true });
    for (const [i, piece] of liar.store) {
      const bad = piece.slice();
      bad[i % piece.length] = (bad[i % piece.length]! ^ 0xff) & 0xff;
      liar.store.set(i, bad);
    }
    const leech = h.add('leech', torrent);
    h.connect('leech', 'liar');
    h.connect('leech', 'honest');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    const got = h.assembled('leech');
    expect(got && bytesEqual(got, torrent.data)).toBe(true);
    expect(leech.events.some((e) => e.type === 'piece-failed')).toBe(true);
    expect(
      leech.events.filter((e) => e.type === 'peer-banned').map((e) => e.type === 'peer-banned' && e.peer),
    ).toEqual(['liar']);
    expect(leech.closes.map((c) => [c.peer, c.code])).toEqual([['liar', ErrorCode.PeerBanned]]);
    expect(leech.swarm.status(h.now).banned).toEqual(['liar']);
    // A banned peer is refused on reconnect.
    leech.swarm.addPeer('liar', h.now);
    expect(leech.swarm.poll()).toEqual([
      { type: 'close', peer: 'liar', code: ErrorCode.PeerBanned, reason: 'banned from this swarm' },
    ]);
  });

  it('bans a peer whose block differed once a good copy verifies (mixed piece)', () => {
    const torrent = makeTorrent(4 * 65536, 65536, 17);
    const h = new Harness();
    h.add('honest', torrent, { seed: true });
    const liar = h.add('liar', torrent, { seed: true });
    // Only one block of one piece is wrong.
    const piece = liar.store.get(2)!.slice();
    piece[20000] = (piece[20000]! + 1) & 0xff;
    liar.store.set(2, piece);
    const leech = h.add('leech', torrent, { extra: { requestPipeline: 2 } });
    h.connect('leech', 'liar');
    h.connect('leech', 'honest');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    const failed = leech.events.flatMap((e) => (e.type === 'piece-failed' ? [e] : []));
    // Small pipelines make both peers share pieces: the first failure has both as suppliers.
    expect(failed[0]?.peers.sort()).toEqual(['honest', 'liar']);
    expect(failed.every((e) => e.index === 2)).toBe(true);
    expect(leech.swarm.status(h.now).banned).toEqual(['liar']);
    expect(leech.closes.filter((c) => c.peer === 'honest')).toEqual([]);
    const got = h.assembled('leech');
    expect(got && bytesEqual(got, torrent.data)).toBe(true);
  });

  it('resumes: stored pieces are never requested again', () => {
    const torrent = makeTorrent(10 * 32768, 32768, 19);
    const h = new Harness(true);
    h.add('seed', torrent, { seed: true });
    const have = Array.from({ length: 10 }, (_, i) => i % 2 === 0);
    const leech = h.add('leech', torrent, { extra: { have } });
    have.forEach((stored, i) => stored && leech.store.set(i, torrent.data.slice(i * 32768, (i + 1) * 32768)));
    h.connect('seed', 'leech');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    const requested = new Set(
      h.messages('leech', 'seed').flatMap((m) => (m.type === 'request' ? [m.index] : [])),
    );
    expect([...requested].sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9]);
    expect(leech.swarm.status(h.now).downloaded).toBe(5 * 32768);
    const got = h.assembled('leech');
    expect(got && bytesEqual(got, torrent.data)).toBe(true);
  });

  it('re-downloads a piece its storage lost, from another peer', () => {
    const torrent = makeTorrent(6 * 32768, 32768, 23);
    const h = new Harness();
    const forgetful = h.add('forgetful', torrent, { seed: true });
    forgetful.store.delete(4);
    h.add('seed', torrent, { seed: true });
    const leech = h.add('leech', torrent);
    // The leecher can only get piece 4 through the forgetful peer.
    h.connect('forgetful', 'leech');
    h.connect('forgetful', 'seed');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    expect(forgetful.events).toContainEqual({ type: 'piece-lost', index: 4 });
    expect(forgetful.events).toContainEqual({ type: 'piece-verified', index: 4 });
    expect(forgetful.store.has(4)).toBe(true);
    // Whole again: it says so (a seed from the start reports nothing until then), so the host
    // that went back to downloading when the piece went missing shows it seeding again.
    h.run(() => forgetful.events.some((e) => e.type === 'complete'));
    const after = forgetful.events.slice(forgetful.events.findIndex((e) => e.type === 'piece-lost'));
    expect(after.filter((e) => e.type === 'complete')).toHaveLength(1);
    const got = h.assembled('leech');
    expect(got && bytesEqual(got, torrent.data)).toBe(true);
  });

  it('sends cancels in endgame and finishes with nothing outstanding', () => {
    const torrent = makeTorrent(12 * 65536, 65536, 29);
    const h = new Harness(true);
    h.add('s1', torrent, { seed: true });
    h.add('s2', torrent, { seed: true });
    const leech = h.add('leech', torrent);
    h.connect('leech', 's1');
    h.connect('leech', 's2');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    const cancels = [...h.messages('leech', 's1'), ...h.messages('leech', 's2')].filter(
      (m) => m.type === 'cancel',
    );
    expect(cancels.length).toBeGreaterThan(0);
    const status = leech.swarm.status(h.now);
    expect(status.peers.every((p) => p.requestsOut === 0)).toBe(true);
    expect(status.peers.every((p) => !p.amInterested)).toBe(true);
    const got = h.assembled('leech');
    expect(got && bytesEqual(got, torrent.data)).toBe(true);
  });

  it('a seed unchokes at most slots + 1 peers, and everyone completes', () => {
    const seed = 4242;
    console.log(`choke swarm seed ${seed}`);
    const torrent = makeTorrent(32 * 32768, 32768, seed);
    const h = new Harness();
    const s = h.add('seed', torrent, { seed: true });
    const names = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7'];
    for (const n of names) h.add(n, torrent);
    for (const n of names) h.connect('seed', n);
    for (let i = 0; i < names.length; i++) h.connect(names[i]!, names[(i + 1) % names.length]!);
    let maxUnchoked = 0;
    const done = h.run(() => {
      const unchoked = s.swarm.status(h.now).peers.filter((p) => !p.amChoking).length;
      maxUnchoked = Math.max(maxUnchoked, unchoked);
      return names.every((n) => h.node(n).swarm.status(h.now).complete);
    });
    expect(done).toBe(true);
    expect(maxUnchoked).toBeLessThanOrEqual(UPLOAD_SLOTS + 1);
    for (const n of names) {
      const got = h.assembled(n);
      expect(got && bytesEqual(got, torrent.data)).toBe(true);
    }
  });
});
