import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import {
  INITIAL_SEEDING_MIN_PIECES,
  INITIAL_SEEDING_SHOW_ALL_AFTER,
  Swarm,
} from '../../../shared/swarm/swarm.js';
import { encodeMessage } from '../../../shared/wire/wire-codec.js';
import { rawPeer } from './raw-peer.js';
import type { RawPeer } from './raw-peer.js';
import { makeTorrent } from './swarm-harness.js';

const torrent = makeTorrent(8 * 65536, 65536, 29);

function seed(): Swarm {
  return new Swarm({
    infoHash: torrent.infoHash,
    peerId: utf8('-TS0001-seedseedseed'),
    random: seededRandom(8),
    info: torrent.info,
    infoBytes: torrent.infoBytes,
    have: new Array<boolean>(torrent.info.pieceCount).fill(true),
  });
}

const haves = (peer: RawPeer): number => peer.state.frames.filter((f) => f.type === 'have').length;

/** Runs the swarm's timers up to `until`. */
function runTimers(swarm: Swarm, peer: RawPeer, until: number): void {
  for (let next = swarm.nextTimeout(); next !== undefined && next <= until; next = swarm.nextTimeout())
    peer.apply(() => swarm.handleTimeout(next as number));
}

describe('Swarm initial seeding, show-all', () => {
  it('shows every piece to a peer told of some that stays not interested', () => {
    const swarm = seed();
    const peer = rawPeer(swarm, 'p');
    peer.handshake(torrent.infoHash);
    expect(haves(peer)).toBe(INITIAL_SEEDING_MIN_PIECES);
    runTimers(swarm, peer, INITIAL_SEEDING_SHOW_ALL_AFTER - 1);
    expect(haves(peer)).toBe(INITIAL_SEEDING_MIN_PIECES);
    runTimers(swarm, peer, INITIAL_SEEDING_SHOW_ALL_AFTER);
    expect(haves(peer)).toBe(torrent.info.pieceCount);
  });

  it('shows every piece at once to a peer that loses interest after the deadline', () => {
    const swarm = seed();
    const peer = rawPeer(swarm, 'p');
    peer.handshake(torrent.infoHash);
    peer.send(encodeMessage({ type: 'interested' }));
    runTimers(swarm, peer, INITIAL_SEEDING_SHOW_ALL_AFTER);
    expect(haves(peer)).toBe(INITIAL_SEEDING_MIN_PIECES);
    peer.send(encodeMessage({ type: 'not-interested' }), INITIAL_SEEDING_SHOW_ALL_AFTER + 1);
    expect(haves(peer)).toBe(torrent.info.pieceCount);
  });
});
