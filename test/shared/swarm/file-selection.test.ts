import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../shared/bytes.js';
import { fileSpans, piecesForFiles } from '../../../shared/files/file-layout.js';
import { createInfoDictionary, MIN_PIECE_LENGTH } from '../../../shared/info-dictionary.js';
import { seededRandom } from '../../../shared/random.js';
import { sha1 } from '../../../shared/sha1.js';
import { PiecePicker } from '../../../shared/swarm/piece-picker.js';
import { Harness, type TestTorrent } from './swarm-harness.js';

const P = MIN_PIECE_LENGTH;

/** A three-file torrent whose files meet inside pieces: [0, 1] | [1] | [1, 2, 3] ... */
function folderTorrent(lengths: number[]): TestTorrent {
  const length = lengths.reduce((a, b) => a + b, 0);
  const data = seededRandom(5).bytes(length);
  const hashes: Uint8Array[] = [];
  for (let off = 0; off < length; off += P) hashes.push(sha1(data.subarray(off, off + P)));
  const { info, infoBytes, infoHash } = createInfoDictionary({
    name: 'folder',
    length,
    pieceLength: P,
    pieceHashes: concatBytes(hashes),
    files: lengths.map((l, i) => ({ path: [`sub${i % 2}`, `f${i}`], length: l })),
  });
  return { data, info, infoBytes, infoHash };
}

// f0: pieces 0..2 (ends mid piece 2); f1: pieces 2..4; f2: pieces 4..7.
const LENGTHS = [2 * P + 100, 2 * P, 4 * P - 100 - P / 2];

function requested(h: Harness, from: string, to: string): Set<number> {
  return new Set(h.messages(from, to).flatMap((m) => (m.type === 'request' ? [m.index] : [])));
}

describe('Swarm file selection', () => {
  it('requests only the pieces of the chosen file, boundary pieces included, then reports complete', () => {
    const torrent = folderTorrent(LENGTHS);
    const wanted = piecesForFiles(fileSpans(torrent.info), [1]);
    expect([...wanted].sort()).toEqual([2, 3, 4]);
    const h = new Harness(true);
    h.add('seed', torrent, { seed: true });
    const leech = h.add('leech', torrent, { extra: { selectedFiles: [1] } });
    h.connect('seed', 'leech');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    expect([...requested(h, 'leech', 'seed')].sort()).toEqual([2, 3, 4]);
    expect([...leech.store.keys()].sort()).toEqual([2, 3, 4]);
    const status = leech.swarm.status(h.now);
    expect(status.finished).toBe(true);
    expect(status.complete).toBe(false);
    // Finished with its choice, it is not interested in the seed any more.
    expect(status.peers[0]!.amInterested).toBe(false);
    // Nothing more is asked for, however long it runs.
    h.run(() => false, 120_000);
    expect([...requested(h, 'leech', 'seed')].sort()).toEqual([2, 3, 4]);
  });

  it('keeps a choice made before the metadata came and applies it before any request', () => {
    const torrent = folderTorrent(LENGTHS);
    const h = new Harness(true);
    h.add('seed', torrent, { seed: true });
    const leech = h.add('leech', torrent, { magnet: true });
    h.input('leech', (swarm, now) => swarm.selectFiles([0], now));
    h.connect('seed', 'leech');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    expect([...requested(h, 'leech', 'seed')].sort()).toEqual([0, 1, 2]);
  });

  it('fetches the rest when more files are chosen, and reports complete again', () => {
    const torrent = folderTorrent(LENGTHS);
    const h = new Harness(true);
    h.add('seed', torrent, { seed: true });
    const leech = h.add('leech', torrent, { extra: { selectedFiles: [2] } });
    h.connect('seed', 'leech');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    expect([...requested(h, 'leech', 'seed')].sort()).toEqual([4, 5, 6, 7]);
    h.input('leech', (swarm, now) => swarm.selectFiles(undefined, now));
    expect(leech.swarm.finished).toBe(false);
    expect(h.run(() => leech.events.filter((e) => e.type === 'complete').length === 2)).toBe(true);
    expect(h.assembled('leech')).toEqual(torrent.data);
    expect(leech.swarm.status(h.now).complete).toBe(true);
  });

  it('chooses no file: asks for nothing and is finished at once', () => {
    const torrent = folderTorrent(LENGTHS);
    const h = new Harness(true);
    h.add('seed', torrent, { seed: true });
    const leech = h.add('leech', torrent);
    h.input('leech', (swarm, now) => swarm.setWanted([], now));
    expect(leech.events.filter((e) => e.type === 'complete')).toHaveLength(1);
    h.connect('seed', 'leech');
    h.run(() => false, 60_000);
    expect(requested(h, 'leech', 'seed').size).toBe(0);
    expect(h.messages('leech', 'seed').some((m) => m.type === 'interested')).toBe(false);
  });
});

describe('PiecePicker wanted pieces', () => {
  function picker(count: number): PiecePicker {
    const p = new PiecePicker({
      pieceCount: count,
      pieceLength: P,
      length: count * P,
      random: seededRandom(2),
    });
    for (let i = 0; i < count; i++) p.addAvailability(i);
    return p;
  }

  it('never picks an unwanted piece, and is finished when the wanted ones are stored', () => {
    const p = picker(10);
    p.setWanted([3, 7]);
    const picked = new Set(p.pick('a', () => true, 100).map((r) => r.index));
    expect([...picked].sort()).toEqual([3, 7]);
    expect(p.wants(5)).toBe(false);
    expect(p.wants(3)).toBe(true);
    for (const i of [3, 7]) {
      p.received(i, 0, P, 'a');
      p.pieceVerified(i, true);
    }
    expect(p.finished).toBe(true);
    expect(p.complete).toBe(false);
    expect(p.pick('a', () => true, 100)).toEqual([]);
    expect(p.endgame).toBe(false);
  });

  it('stops asking for a started piece dropped from the choice', () => {
    const p = new PiecePicker({ pieceCount: 2, pieceLength: 4 * P, length: 8 * P, random: seededRandom(1) });
    p.addAvailability(0);
    p.setWanted([0]);
    expect(p.pick('a', () => true, 1)).toEqual([{ index: 0, begin: 0, length: P }]);
    p.setWanted([1]);
    expect(p.pick('a', () => true, 10)).toEqual([]);
    expect(p.finished).toBe(false);
  });

  it('counts a wanted piece storage lost as left to fetch', () => {
    const p = picker(4);
    p.setWanted([1]);
    expect(p.pick('a', () => true, 10).map((r) => r.index)).toEqual([1]);
    p.received(1, 0, P, 'a');
    p.pieceVerified(1, true);
    expect(p.finished).toBe(true);
    p.lost(1);
    expect(p.finished).toBe(false);
    expect(p.pick('a', () => true, 10).map((r) => r.index)).toEqual([1]);
  });
});
