import type { Page } from '@playwright/test';
import {
  appReady,
  expect,
  infoHashOf,
  randomFile,
  sha256,
  shareFile,
  test,
  waitForComplete,
} from './fixtures.js';
import { BLOCK_SIZE } from '../shared/wire/wire-codec.js';

const MB16 = 16 * 1024 * 1024;

async function transfer(page: Page, infoHash: string) {
  return page.evaluate((h) => window.tabswarm.transfer(h), infoHash);
}

test('one seed and four leechers: all complete, each from more than one peer', async ({ person }) => {
  const file = randomFile(MB16);
  // The seed uploads slower than the tabs can trade, so the leechers must trade among themselves.
  const seed = await (await person()).open('?uploadLimit=4000000');
  const magnet = await shareFile(seed, 'swarm.bin', file);
  const infoHash = infoHashOf(magnet);
  const leechers = await Promise.all([1, 2, 3, 4].map(async () => (await person()).open(`#${magnet}`)));
  for (const l of leechers) await waitForComplete(l, 'swarm.bin');
  for (const l of leechers) {
    expect(await l.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
    const from = (await transfer(l, infoHash))!.receivedFrom;
    const senders = Object.values(from).filter((bytes) => bytes > 0).length;
    expect(senders, `bytes received by sender: ${JSON.stringify(from)}`).toBeGreaterThan(1);
  }
});

test('the seed leaves midway and the leechers complete from each other', async ({ person }) => {
  const file = randomFile(MB16);
  // Leechers upload slowly, so they are far from done when the seed has sent one copy.
  const seed = await (await person()).open('?uploadLimit=8000000');
  const magnet = await shareFile(seed, 'orphan.bin', file);
  const infoHash = infoHashOf(magnet);
  const leechers = await Promise.all(
    [1, 2, 3].map(async () => (await person()).open(`?uploadLimit=1000000#${magnet}`)),
  );
  // The seed leaves as soon as every piece is held by some leecher (one copy's worth is out).
  await expect
    .poll(
      async () => {
        const states = await Promise.all(
          leechers.map(async (l) => (await transfer(l, infoHash))?.pieceStates),
        );
        const count = states[0]?.length ?? 0;
        if (count === 0) return false;
        for (let i = 0; i < count; i++) if (!states.some((s) => s?.[i] === 2)) return false;
        return true;
      },
      { timeout: 60_000, intervals: [100] },
    )
    .toBe(true);
  const progressWhenSeedLeft = await Promise.all(
    leechers.map(async (l) => (await transfer(l, infoHash))!.progress),
  );
  await seed.close();
  expect(
    progressWhenSeedLeft.some((p) => p < 1),
    'some leecher was still downloading',
  ).toBe(true);
  for (const l of leechers) await waitForComplete(l, 'orphan.bin');
  for (const l of leechers)
    expect(await l.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
});

test('a leecher that reloads midway resumes without downloading stored pieces again', async ({ person }) => {
  const file = randomFile(MB16);
  const seed = await (await person()).open('?uploadLimit=3000000');
  const magnet = await shareFile(seed, 'resume.bin', file);
  const infoHash = infoHashOf(magnet);
  const leecher = await (await person()).open(`#${magnet}`);
  await expect.poll(async () => (await transfer(leecher, infoHash))?.storedPieces ?? 0).toBeGreaterThan(20);
  const storedBeforeReload = (await transfer(leecher, infoHash))!.storedPieces;

  await leecher.goto(leecher.url().split('#')[0]!);
  await appReady(leecher);
  await waitForComplete(leecher, 'resume.bin');
  const after = (await transfer(leecher, infoHash))!;
  // The reloaded page downloads as soon as it is ready, so its storedPieces, read at any time, may
  // count pieces downloaded after the reload: what the store gave back is resumedPieces.
  // Nothing the page had stored before the reload is lost.
  expect(after.resumedPieces).toBeGreaterThanOrEqual(storedBeforeReload);
  const pieceLength = file.length / after.pieceStates.length;
  const missingBytes = file.length - after.resumedPieces * pieceLength;
  // Only what was missing came again (plus at most a few blocks of endgame duplicates).
  expect(after.downloaded).toBeLessThanOrEqual(missingBytes + 4 * BLOCK_SIZE);
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
});

test('a tab that serves corrupt data is banned, and the download completes', async ({ person }) => {
  const file = randomFile(4 * 1024 * 1024);
  const honest = await (await person()).open('?uploadLimit=2000000');
  const magnet = await shareFile(honest, 'guarded.bin', file);
  const infoHash = infoHashOf(magnet);
  const liar = await (await person()).open();
  await liar.evaluate(() => window.tabswarm.corruptUploads(true));
  await shareFile(liar, 'guarded.bin', file);
  const liarId = await liar.evaluate(() => window.tabswarm.peerId);
  const honestId = await honest.evaluate(() => window.tabswarm.peerId);

  const leecher = await (await person()).open(`#${magnet}`);
  await waitForComplete(leecher, 'guarded.bin');
  const t = (await transfer(leecher, infoHash))!;
  expect(t.banned).toContain(liarId);
  expect(t.banned).not.toContain(honestId);
  expect(t.hashFailures).toBeGreaterThan(0);
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHash)).toBe(sha256(file));
  await expect(leecher.getByTestId('notice').filter({ hasText: 'Banned peer' })).toBeVisible();
  await expect(
    leecher.getByTestId('notice').filter({ hasText: 'failed verification' }).first(),
  ).toBeVisible();
});
