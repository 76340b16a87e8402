import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import { seededRandom } from '../../../shared/random.js';
import { MAX_QUEUED_REQUESTS, REJECTED_RETRY_MS, SNUB_TIMEOUT, Swarm } from '../../../shared/swarm/swarm.js';
import { BLOCK_SIZE, encodeMessage } from '../../../shared/wire/wire-codec.js';
import type { DecodedFrame, WireMessage } from '../../../shared/wire/wire-codec.js';
import { rawPeer } from './raw-peer.js';
import type { RawPeer } from './raw-peer.js';
import { Harness, makeTorrent } from './swarm-harness.js';

const PIECE_LENGTH = 4 * BLOCK_SIZE;
const PIECES = 6;
const torrent = makeTorrent(PIECES * PIECE_LENGTH, PIECE_LENGTH, 31);

function swarm(have: 'all' | 'none' | number[], initialSeeding = false): Swarm {
  const pieces = new Array<boolean>(PIECES).fill(false);
  if (have === 'all') pieces.fill(true);
  else if (have !== 'none') for (const i of have) pieces[i] = true;
  return new Swarm({
    infoHash: torrent.infoHash,
    peerId: utf8('-TS0001-ourselvesour'),
    random: seededRandom(9),
    info: torrent.info,
    infoBytes: torrent.infoBytes,
    have: pieces,
    initialSeeding,
  });
}

function connect(s: Swarm, fast: boolean, key = 'p'): RawPeer {
  const peer = rawPeer(s, key);
  peer.handshake(torrent.infoHash, key, 0, fast);
  return peer;
}

const send = (peer: RawPeer, msg: WireMessage, now = 0): void => peer.send(encodeMessage(msg), now);
const types = (frames: DecodedFrame[]): string[] => frames.map((f) => f.type);
const ofType = <T extends DecodedFrame['type']>(frames: DecodedFrame[], type: T) =>
  frames.filter((f): f is Extract<DecodedFrame, { type: T }> => f.type === type);

describe('BEP 6 Fast extension', () => {
  it('sets the Fast bit in our handshake', () => {
    const peer = connect(swarm('none'), true);
    const handshake = peer.state.frames[0];
    expect(handshake?.type === 'handshake' && handshake.handshake.fast).toBe(true);
  });

  it('says have-all, have-none or bitfield first, before the extension handshake', () => {
    expect(types(connect(swarm('all'), true).state.frames).slice(1, 3)).toEqual(['have-all', 'extended']);
    expect(types(connect(swarm('none'), true).state.frames).slice(1, 3)).toEqual(['have-none', 'extended']);
    expect(types(connect(swarm([1, 2]), true).state.frames).slice(1, 3)).toEqual(['bitfield', 'extended']);
    // Initial seeding hides pieces: have-none, then haves as they are revealed.
    expect(types(connect(swarm('all', true), true).state.frames)[1]).toBe('have-none');
  });

  it('sends no Fast message to a peer without the bit, and closes one that sends them', () => {
    const peer = connect(swarm('none'), false);
    expect(types(peer.state.frames)).not.toContain('have-none');
    send(peer, { type: 'have-all' });
    expect(peer.state.closed?.code).toBe(ErrorCode.ProtocolViolation);
    expect(peer.state.closed?.reason).toMatch(/Fast/);
  });

  it('takes have-all as every piece: availability and interest', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'have-all' });
    expect(s.status(0).availability).toEqual(new Array(PIECES).fill(1));
    expect(types(peer.state.frames)).toContain('interested');
    // Only once, and never after a have.
    send(peer, { type: 'have-none' });
    expect(peer.state.closed?.code).toBe(ErrorCode.ProtocolViolation);
  });

  it('accepts have-all from a peer before the metadata is known', () => {
    const s = new Swarm({
      infoHash: torrent.infoHash,
      peerId: utf8('-TS0001-magnetmagnet'),
      random: seededRandom(3),
    });
    const peer = connect(s, true);
    send(peer, { type: 'have-all' });
    expect(peer.state.closed).toBeUndefined();
  });

  it('rejects requests it will not serve: while choking, and for a piece it lacks', () => {
    const s = swarm([0, 1]);
    const peer = connect(s, true);
    send(peer, { type: 'request', index: 0, begin: 0, length: BLOCK_SIZE });
    expect(ofType(peer.state.frames, 'reject')).toEqual([
      { type: 'reject', index: 0, begin: 0, length: BLOCK_SIZE },
    ]);
    send(peer, { type: 'interested' });
    expect(types(peer.state.frames)).toContain('unchoke');
    send(peer, { type: 'request', index: 4, begin: 0, length: BLOCK_SIZE });
    expect(ofType(peer.state.frames, 'reject').at(-1)).toMatchObject({ index: 4 });
    expect(peer.state.closed).toBeUndefined();
  });

  it('rejects requests beyond its queue cap instead of dropping them silently', () => {
    const s = swarm('all');
    const peer = connect(s, true);
    send(peer, { type: 'interested' });
    const before = ofType(peer.state.frames, 'reject').length;
    // The swarm reads pieces through the host (`read` outputs), so requests stay queued.
    for (let i = 0; i < MAX_QUEUED_REQUESTS + 3; i++)
      send(peer, { type: 'request', index: i % PIECES, begin: 0, length: BLOCK_SIZE });
    expect(ofType(peer.state.frames, 'reject').length - before).toBeGreaterThanOrEqual(3);
  });

  it('keeps our requests when a Fast peer chokes, and gives a rejected block back to the picker', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'have-all' });
    send(peer, { type: 'unchoke' });
    const requests = ofType(peer.state.frames, 'request');
    expect(requests.length).toBeGreaterThan(0);
    send(peer, { type: 'choke' });
    expect(s.status(0).peers[0]?.requestsOut).toBe(requests.length);
    for (const r of requests)
      send(peer, { type: 'reject', index: r.index, begin: r.begin, length: r.length });
    expect(s.status(0).peers[0]?.requestsOut).toBe(0);
    expect(peer.state.closed).toBeUndefined();
  });

  it('closes a peer that rejects a block we never requested', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'have-all' });
    send(peer, { type: 'reject', index: 2, begin: BLOCK_SIZE, length: BLOCK_SIZE });
    expect(peer.state.closed?.code).toBe(ErrorCode.ProtocolViolation);
    expect(peer.state.closed?.reason).toMatch(/never requested/);
  });

  it('takes a reject that crossed our cancel', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'have-all' });
    send(peer, { type: 'unchoke' });
    const [r] = ofType(peer.state.frames, 'request');
    // Choke, then snub it: the requests are withdrawn; a late reject is no violation.
    send(peer, { type: 'choke' });
    peer.apply(() => s.handleTimeout(SNUB_TIMEOUT));
    expect(s.status(SNUB_TIMEOUT).peers[0]?.requestsOut).toBeLessThanOrEqual(1);
    send(peer, { type: 'reject', index: r!.index, begin: r!.begin, length: r!.length }, SNUB_TIMEOUT);
    expect(peer.state.closed).toBeUndefined();
  });

  it('asks again for a piece the peer rejected while unchoking us only after a while', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'have', index: 3 });
    send(peer, { type: 'unchoke' });
    const first = ofType(peer.state.frames, 'request');
    for (const r of first) send(peer, { type: 'reject', index: r.index, begin: r.begin, length: r.length });
    send(peer, { type: 'keep-alive' }, REJECTED_RETRY_MS - 1);
    expect(ofType(peer.state.frames, 'request')).toHaveLength(first.length);
    send(peer, { type: 'keep-alive' }, REJECTED_RETRY_MS);
    expect(ofType(peer.state.frames, 'request').length).toBeGreaterThan(first.length);
  });

  it('does not ask again for a piece the peer rejected while unchoking us, until it unchokes anew', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'have', index: 3 });
    send(peer, { type: 'unchoke' });
    const first = ofType(peer.state.frames, 'request');
    expect(first.every((r) => r.index === 3)).toBe(true);
    for (const r of first) send(peer, { type: 'reject', index: r.index, begin: r.begin, length: r.length });
    expect(ofType(peer.state.frames, 'request')).toHaveLength(first.length);
    send(peer, { type: 'choke' });
    send(peer, { type: 'unchoke' });
    expect(ofType(peer.state.frames, 'request').length).toBeGreaterThan(first.length);
  });

  it('requests allowed-fast pieces while choked, and only those', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'have-all' });
    expect(ofType(peer.state.frames, 'request')).toHaveLength(0);
    send(peer, { type: 'allowed-fast', index: 5 });
    const requests = ofType(peer.state.frames, 'request');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.index === 5)).toBe(true);
  });

  it('ignores a suggest, and closes on a Fast message for a piece past the end', () => {
    const s = swarm('none');
    const peer = connect(s, true);
    send(peer, { type: 'suggest', index: 1 });
    expect(peer.state.closed).toBeUndefined();
    send(peer, { type: 'allowed-fast', index: PIECES });
    expect(peer.state.closed?.code).toBe(ErrorCode.ProtocolViolation);
  });

  it('two swarms speak Fast to each other: have-all, and the download completes', () => {
    const h = new Harness(true);
    h.add('seed', torrent, { seed: true, extra: { initialSeeding: false } });
    const leech = h.add('leech', torrent);
    h.connect('seed', 'leech');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    expect(types(h.sent.get('seed>leech') ?? []).slice(0, 2)).toEqual(['handshake', 'have-all']);
    expect(types(h.sent.get('leech>seed') ?? []).slice(0, 2)).toEqual(['handshake', 'have-none']);
  });
});
