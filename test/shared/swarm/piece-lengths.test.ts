import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import { MAX_PIECE_LENGTH, MIN_PIECE_LENGTH } from '../../../shared/info-dictionary.js';
import { parseTorrentFile } from '../../../shared/torrent-file.js';
import { webTorrentFile } from '../../helpers/webtorrent-file.js';
import { Harness } from './swarm-harness.js';
import type { TestTorrent } from './swarm-harness.js';

/** A torrent as WebTorrent's create-torrent writes it, over `length` random bytes. */
async function webTorrent(length: number, pieceLength: number): Promise<TestTorrent> {
  const data = seededRandom(pieceLength).bytes(length);
  const { info, infoBytes, infoHash } = parseTorrentFile(await webTorrentFile(data, pieceLength));
  return { data, info, infoBytes, infoHash };
}

describe('piece lengths other clients write', () => {
  it.each([
    ['the smallest, 16 KiB', MIN_PIECE_LENGTH, 5 * MIN_PIECE_LENGTH + 123],
    ['one that is not a power of two nor a multiple of 16 KiB', 3 * MIN_PIECE_LENGTH + 5, 400_000],
    ['the largest, 16 MiB', MAX_PIECE_LENGTH, MAX_PIECE_LENGTH + 70_000],
  ])(
    '%s: a leecher downloads and verifies every piece from two seeds',
    async (_name, pieceLength, length) => {
      const torrent = await webTorrent(length, pieceLength);
      expect(torrent.info.pieceLength).toBe(pieceLength);
      const h = new Harness();
      h.add('s1', torrent, { seed: true });
      h.add('s2', torrent, { seed: true });
      const leech = h.add('leech', torrent);
      h.connect('s1', 'leech');
      h.connect('s2', 'leech');
      expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
      expect(leech.events.filter((e) => e.type === 'piece-failed')).toEqual([]);
      let offset = 0;
      for (let i = 0; i < torrent.info.pieceCount; i++) {
        const piece = leech.store.get(i)!;
        // bytesEqual: a deep equal of two 16 MiB arrays takes gigabytes.
        expect(bytesEqual(piece, torrent.data.subarray(offset, offset + piece.length))).toBe(true);
        offset += piece.length;
      }
      expect(offset).toBe(length);
    },
  );
});
