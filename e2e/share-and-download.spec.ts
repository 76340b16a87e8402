import {
  appReady,
  expect,
  infoHashOf,
  randomFile,
  saveFile,
  sha256,
  shareFile,
  test,
  waitForComplete,
} from './fixtures.js';
import { choosePieceLength } from '../shared/info-dictionary.js';

test('a file shared in one tab downloads in another, byte for byte', async ({ person }) => {
  const alice = await person();
  const bob = await person();
  const file = randomFile(3 * 1024 * 1024);

  const seeder = await alice.open();
  const magnet = await shareFile(seeder, 'holiday.bin', file);
  expect(magnet).toMatch(/^magnet:\?xt=urn:btih:[0-9a-f]{40}/);

  const leecher = await bob.open(`#${magnet}`);
  await waitForComplete(leecher, 'holiday.bin');
  const saved = await saveFile(leecher, 'holiday.bin');
  expect(saved.filename).toBe('holiday.bin');
  expect(sha256(saved.data)).toBe(sha256(file));
});

test('with one seed and two leechers, the second leecher gets pieces from both', async ({ person }) => {
  const file = randomFile(8 * 1024 * 1024);
  const seeder = await (await person()).open();
  const magnet = await shareFile(seeder, 'shared.bin', file);
  const infoHash = infoHashOf(magnet);

  const first = await (await person()).open(`#${magnet}`);
  await waitForComplete(first, 'shared.bin');
  const second = await (await person()).open(`#${magnet}`);
  await waitForComplete(second, 'shared.bin');

  const from = await second.evaluate((h) => window.tabswarm.transfer(h)?.receivedFrom ?? {}, infoHash);
  const senders = Object.entries(from).filter(([, n]) => n > 0);
  expect(senders.length, `bytes by sender: ${JSON.stringify(from)}`).toBe(2);
  expect(await second.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
});

test('a reloaded seeding tab keeps seeding from storage', async ({ person }) => {
  const file = randomFile(2 * 1024 * 1024 + 12345);
  const alice = await person();
  const seeder = await alice.open();
  const magnet = await shareFile(seeder, 'kept.bin', file);
  const infoHash = infoHashOf(magnet);
  // Let the background copy into IndexedDB finish before the reload.
  await expect
    .poll(() => seeder.evaluate((h) => window.tabswarm.transfer(h)?.storedPieces ?? 0, infoHash))
    .toBe(Math.ceil(file.length / choosePieceLength(file.length)));

  await seeder.reload();
  await appReady(seeder);
  await waitForComplete(seeder, 'kept.bin');

  const leecher = await (await person()).open(`#${magnet}`);
  await waitForComplete(leecher, 'kept.bin');
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
});

test('two tabs of one browser profile share a file between them', async ({ person }) => {
  const file = randomFile(1024 * 1024);
  const alice = await person();
  const tab1 = await alice.open();
  const magnet = await shareFile(tab1, 'same-profile.bin', file);
  const tab2 = await alice.open(`#${magnet}`);
  // Same origin, same IndexedDB: the second tab may find every piece already stored, or
  // download them from the first; either way it ends with the exact bytes and both keep seeding.
  await waitForComplete(tab2, 'same-profile.bin');
  expect(await tab2.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(file));
  await waitForComplete(tab1, 'same-profile.bin');
});
