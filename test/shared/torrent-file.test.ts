import parseTorrent from 'parse-torrent';
import { describe, expect, it } from 'vitest';
import { bencode } from '../../shared/bencode.js';
import { toHex, utf8 } from '../../shared/bytes.js';
import { ErrorCode } from '../../shared/errors.js';
import { MAX_PIECE_LENGTH, MIN_PIECE_LENGTH, createInfoDictionary } from '../../shared/info-dictionary.js';
import { seededRandom } from '../../shared/random.js';
import {
  CREATED_BY,
  MAX_TORRENT_FILE_BYTES,
  createTorrentFile,
  isTorrentFile,
  parseTorrentFile,
} from '../../shared/torrent-file.js';
import { webTorrentFile } from '../helpers/webtorrent-file.js';

const TRACKER = 'wss://tracker.example/announce';
const OTHER = 'wss://other.example/announce';

const smallInfo = createInfoDictionary({
  name: 'a.txt',
  length: 3,
  pieceLength: MIN_PIECE_LENGTH,
  pieceHashes: new Uint8Array(20),
});

describe('.torrent files', () => {
  it('reads what WebTorrent writes: the same info-hash, the trackers, any piece length 16 KiB..16 MiB', async () => {
    const data = seededRandom(1).bytes(100_000);
    for (const pieceLength of [MIN_PIECE_LENGTH, 3 * MIN_PIECE_LENGTH + 5, MAX_PIECE_LENGTH]) {
      const bytes = await webTorrentFile(data, pieceLength, [TRACKER, OTHER]);
      const ours = parseTorrentFile(bytes);
      const theirs = await parseTorrent(bytes);
      expect(toHex(ours.infoHash)).toBe(theirs.infoHash);
      expect(ours.info.pieceLength).toBe(pieceLength);
      expect(ours.info.length).toBe(data.length);
      expect(ours.trackers).toEqual([TRACKER, OTHER]);
      expect(ours.createdBy).toBe('WebTorrent');
    }
  });

  it('writes a torrent WebTorrent reads: info verbatim, announce, announce-list, created by, creation date', async () => {
    const bytes = createTorrentFile({
      infoBytes: smallInfo.infoBytes,
      trackers: [TRACKER, OTHER, TRACKER],
      creationDate: 1_796_000_000,
    });
    const theirs = await parseTorrent(bytes);
    expect(theirs.infoHash).toBe(toHex(smallInfo.infoHash));
    expect(theirs.announce).toEqual([TRACKER, OTHER]);
    expect(theirs.createdBy).toBe(CREATED_BY);
    expect(theirs.created?.getTime()).toBe(1_796_000_000_000);
    const ours = parseTorrentFile(bytes);
    expect(ours.trackers).toEqual([TRACKER, OTHER]);
    expect(ours.creationDate).toBe(1_796_000_000);
  });

  it('hashes the info bytes as found, even when their keys are out of order', () => {
    // bencode sorts keys; write `pieces` before `name` by hand.
    const info = utf8(`d6:lengthi3e6:pieces20:${'x'.repeat(20)}4:name5:a.txt12:piece lengthi16384ee`);
    const file = new Uint8Array([...utf8('d4:info'), ...info, 0x65]);
    const parsed = parseTorrentFile(file);
    expect(parsed.infoBytes).toEqual(info);
    expect(parsed.info.name).toBe('a.txt');
  });

  it('drops unusable tracker URLs and keeps a file without trackers', () => {
    const file = bencode({
      announce: 'not a url',
      'announce-list': [['javascript:alert(1)', TRACKER]],
      info: bdict(smallInfo.infoBytes),
    });
    expect(parseTorrentFile(file).trackers).toEqual([TRACKER]);
    expect(
      parseTorrentFile(createTorrentFile({ infoBytes: smallInfo.infoBytes, trackers: [], creationDate: 0 }))
        .trackers,
    ).toEqual([]);
  });

  it.each([
    ['not bencode', utf8('hello'), ErrorCode.TorrentInvalid],
    ['a list', bencode([1, 2]), ErrorCode.TorrentInvalid],
    ['no info', bencode({ announce: TRACKER }), ErrorCode.TorrentInvalid],
    ['info not a dictionary', bencode({ info: 'x' }), ErrorCode.TorrentInvalid],
    [
      'trailing bytes',
      new Uint8Array([
        ...createTorrentFile({ infoBytes: smallInfo.infoBytes, trackers: [], creationDate: 0 }),
        0x30,
      ]),
      ErrorCode.TorrentInvalid,
    ],
    ['a bad info dictionary', bencode({ info: { name: 'x' } }), ErrorCode.InfoInvalid],
    [
      'announce-list not a list of lists',
      bencode({ 'announce-list': [TRACKER], info: bdict(smallInfo.infoBytes) }),
      ErrorCode.TorrentInvalid,
    ],
    ['over the size cap', new Uint8Array(MAX_TORRENT_FILE_BYTES + 1), ErrorCode.TorrentInvalid],
  ])('refuses %s with a clear error', (_name, bytes, code) => {
    expect(() => parseTorrentFile(bytes)).toThrow(expect.objectContaining({ code }));
    expect(isTorrentFile(bytes)).toBe(false);
  });
});

/** An info dictionary's bytes as a value bencode writes back byte for byte (keys are sorted). */
function bdict(infoBytes: Uint8Array): Record<string, string | number | Uint8Array> {
  const info = createInfoDictionary({
    name: 'a.txt',
    length: 3,
    pieceLength: MIN_PIECE_LENGTH,
    pieceHashes: new Uint8Array(20),
  });
  expect(info.infoBytes).toEqual(infoBytes);
  return { length: 3, name: 'a.txt', 'piece length': MIN_PIECE_LENGTH, pieces: new Uint8Array(20) };
}
