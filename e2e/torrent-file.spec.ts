import { readFile } from 'node:fs/promises';
import { expect, infoHashOf, randomFile, sha256, shareFile, test, waitForComplete } from './fixtures.js';
import { parseTorrentFile } from '../shared/torrent-file.js';
import { toHex } from '../shared/bytes.js';

test('a .torrent downloaded from one tab and dropped into another gets the file', async ({ person }) => {
  const file = randomFile(2 * 1024 * 1024 + 777);
  const seeder = await (await person()).open();
  const magnet = await shareFile(seeder, 'via-torrent.bin', file);

  const transfer = seeder.getByTestId('transfer').filter({ hasText: 'via-torrent.bin' });
  const [download] = await Promise.all([
    seeder.waitForEvent('download'),
    transfer.getByTestId('save-torrent').click(),
  ]);
  expect(download.suggestedFilename()).toBe('via-torrent.bin.torrent');
  const torrent = await readFile(await download.path());
  const parsed = parseTorrentFile(new Uint8Array(torrent));
  expect(toHex(parsed.infoHash)).toBe(infoHashOf(magnet));
  expect(parsed.trackers.length).toBeGreaterThan(0);

  // Another browser profile: nothing shared but the .torrent file.
  const leecher = await (await person()).open();
  await leecher.getByTestId('file-input').setInputFiles({
    name: 'via-torrent.bin.torrent',
    mimeType: 'application/x-bittorrent',
    buffer: torrent,
  });
  await waitForComplete(leecher, 'via-torrent.bin');
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(file));
});
