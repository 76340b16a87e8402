import Wire from 'bittorrent-protocol';
import { describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { Swarm } from '../../../shared/swarm/swarm.js';
import { BLOCK_SIZE } from '../../../shared/wire/wire-codec.js';
import { waitFor } from '../../client/wait-for.js';
import { makeTorrent } from './swarm-harness.js';

/**
 * Our Swarm against WebTorrent's own wire implementation (bittorrent-protocol), both with the
 * BEP 6 Fast extension, over an in-memory byte stream.
 */
const PIECE_LENGTH = 2 * BLOCK_SIZE;
const PIECES = 4;
const torrent = makeTorrent(PIECES * PIECE_LENGTH, PIECE_LENGTH, 41);
const THEM = 'webtorrent';
const THEIR_ID = utf8('-WW0300-webtorrent01');

const pieceOf = (i: number): Uint8Array => torrent.data.subarray(i * PIECE_LENGTH, (i + 1) * PIECE_LENGTH);

/** Connects a Swarm holding `have` to a fresh Wire; outputs are executed as a host would. */
function connect(have: boolean[]): { swarm: Swarm; wire: Wire; closes: string[] } {
  const swarm = new Swarm({
    infoHash: torrent.infoHash,
    peerId: utf8('-TS0001-interopinter'),
    random: seededRandom(4),
    info: torrent.info,
    infoBytes: torrent.infoBytes,
    have,
    initialSeeding: false,
  });
  const wire = new Wire();
  const closes: string[] = [];
  const flush = (): void => {
    for (const o of swarm.poll()) {
      if (o.type === 'send') wire.write(o.data);
      if (o.type === 'read')
        queueMicrotask(() => (swarm.pieceData(o.index, pieceOf(o.index), Date.now()), flush()));
      if (o.type === 'verify')
        queueMicrotask(() => (swarm.pieceVerified(o.index, true, Date.now()), flush()));
      if (o.type === 'close') closes.push(o.reason);
    }
  };
  wire.on('data', (chunk: Uint8Array) => {
    swarm.receive(THEM, new Uint8Array(chunk), Date.now());
    flush();
  });
  wire.on('handshake', () => wire.handshake(torrent.infoHash, THEIR_ID, { fast: true }));
  swarm.addPeer(THEM, Date.now());
  flush();
  return { swarm, wire, closes };
}

describe('interop with bittorrent-protocol (WebTorrent) and BEP 6', () => {
  it('as a seed: Fast on, have-all, blocks served, a request for a piece we lack rejected', async () => {
    const have = new Array<boolean>(PIECES).fill(true);
    have[3] = false;
    const { wire, closes } = connect(have);
    await waitFor('the handshakes', () => wire.hasFast);
    await waitFor('our bitfield', () => wire.peerPieces.get(0) === true);
    wire.interested();
    await waitFor('our unchoke', () => !wire.peerChoking);
    const block = await new Promise<Uint8Array>((resolve, reject) =>
      wire.request(1, BLOCK_SIZE, BLOCK_SIZE, (err: Error | null, buf: Uint8Array) =>
        err ? reject(err) : resolve(buf),
      ),
    );
    expect(bytesEqual(block, pieceOf(1).subarray(BLOCK_SIZE))).toBe(true);
    const rejected = await new Promise<Error | null>((resolve) =>
      wire.request(3, 0, BLOCK_SIZE, (err: Error | null) => resolve(err)),
    );
    expect(rejected?.message).toMatch(/rejected/);
    expect(closes).toEqual([]);
  });

  it('as a leecher: its have-all, its choke with rejects of our pending requests, then the whole file', async () => {
    const { swarm, wire, closes } = connect(new Array<boolean>(PIECES).fill(false));
    let chokeOnce = true;
    const pending: (() => void)[] = [];
    wire.on(
      'request',
      (
        index: number,
        offset: number,
        length: number,
        respond: (err: Error | null, buf?: Uint8Array) => void,
      ) => {
        const serve = (): void => respond(null, pieceOf(index).subarray(offset, offset + length));
        // The first requests wait; a choke then makes bittorrent-protocol reject every one of them.
        if (chokeOnce) pending.push(serve);
        else serve();
      },
    );
    await waitFor('the handshakes', () => wire.hasFast);
    wire.haveAll();
    await waitFor('our interest', () => wire.peerInterested);
    wire.unchoke();
    await waitFor('our requests', () => pending.length > 0);
    chokeOnce = false;
    wire.choke();
    await waitFor(
      'the rejects to arrive',
      () => (swarm.status(Date.now()).peers[0]?.requestsOut ?? -1) === 0,
    );
    expect(closes).toEqual([]);
    wire.unchoke();
    await waitFor('the whole file', () => swarm.status(Date.now()).complete);
    expect(closes).toEqual([]);
  });
});
