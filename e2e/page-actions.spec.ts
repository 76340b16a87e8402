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
import { choosePieceLength } from '../shared/info-dictionary.js';
import { focusedTestId, storedInIndexedDb, tabTo } from './page-checks.js';

test('by keyboard alone a file is shared and its link copied; the copied link, opened elsewhere, downloads it', async ({
  person,
  server,
}) => {
  const alice = await person();
  await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await alice.open();
  const file = randomFile(1024 * 1024 + 321);
  const name = 'by-keyboard.bin';

  // The drop zone is the first stop of Tab, a button with a visible focus ring; Enter opens the picker.
  await page.keyboard.press('Tab');
  expect(await focusedTestId(page)).toBe('drop-zone');
  const ring = await page
    .getByTestId('drop-zone')
    .evaluate((el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth);
  expect(ring).not.toMatch(/^none|\b0px$/);
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  await chooser.setFiles({ name, mimeType: 'application/octet-stream', buffer: file });
  const transfer = page.getByTestId('transfer').filter({ hasText: name });
  await expect(transfer).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 });

  await tabTo(page, 'copy-link');
  await page.keyboard.press('Enter');
  await expect(transfer.getByTestId('copy-link')).toHaveText('Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(await transfer.getByTestId('share-link').inputValue());
  expect(copied, "the page's own address with the magnet in the fragment").toMatch(
    new RegExp(`^${new URL(server.url).origin}/#magnet:\\?xt=urn:btih:[0-9a-f]{40}`),
  );
  // The plain magnet is one click away for torrent apps.
  expect(copied.endsWith(await transfer.getByTestId('magnet-link').inputValue())).toBe(true);

  // What opens closes with Escape: the peer list of the transfer.
  const peers = transfer.locator('details');
  await peers.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(peers).toHaveAttribute('open', '');
  await page.keyboard.press('Escape');
  await expect(peers).not.toHaveAttribute('open');

  // The first share asked for persistent storage, and the page says what the browser answered.
  await expect(page.getByTestId('storage-persistence')).not.toHaveAttribute('data-persisted', 'unknown');
  await expect(page.getByTestId('storage-persistence')).toContainText(/will not clear|did not grant/);
  await expect(page.getByTestId('kept')).toContainText(name);

  // Someone else opens the copied link as it is.
  const bob = await person();
  const leecher = await bob.context.newPage();
  await leecher.goto(copied);
  await appReady(leecher);
  await waitForComplete(leecher, name);
  expect(await leecher.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(copied))).toBe(sha256(file));
});

test('stop sharing is kept across a reload; removing a transfer deletes its pieces from IndexedDB for good', async ({
  person,
}) => {
  const file = randomFile(2 * 1024 * 1024 + 99);
  const name = 'to-remove.bin';
  const page = await (await person()).open();
  const magnet = await shareFile(page, name, file);
  const infoHash = infoHashOf(magnet);
  const pieceCount = Math.ceil(file.length / choosePieceLength(file.length));
  await expect.poll(() => storedInIndexedDb(page, infoHash)).toEqual({ pieces: pieceCount, metadata: true });
  const transfer = () => page.getByTestId('transfer').filter({ hasText: name });

  await transfer().getByTestId('pause').click();
  await expect(transfer()).toHaveAttribute('data-state', 'paused');
  await page.reload();
  await appReady(page);
  await expect(transfer()).toHaveAttribute('data-state', 'paused');
  await transfer().getByTestId('resume').click();
  await expect(transfer()).toHaveAttribute('data-state', 'seeding');

  // Remove asks first; Escape keeps the file and gives the focus back.
  await transfer().getByTestId('remove').click();
  await expect(transfer().getByTestId('confirm-remove')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(transfer().getByTestId('confirm-remove')).toHaveCount(0);
  expect(await focusedTestId(page)).toBe('remove');
  await transfer().getByTestId('remove').click();
  await transfer().getByTestId('confirm-remove-yes').click();
  await expect(page.getByTestId('transfer')).toHaveCount(0);
  await expect.poll(() => storedInIndexedDb(page, infoHash)).toEqual({ pieces: 0, metadata: false });

  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('transfer')).toHaveCount(0);
  await expect(page.getByTestId('kept-empty')).toBeVisible();
  expect(await storedInIndexedDb(page, infoHash)).toEqual({ pieces: 0, metadata: false });
});
