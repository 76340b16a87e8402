import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_PIECE_LENGTH } from '../shared/info-dictionary.js';
import { appReady, expect, infoHashOf, randomFile, sha256, test } from './fixtures.js';

const P = DEFAULT_PIECE_LENGTH;

/** Three files in two subfolders; a.txt ends inside piece 1, which b.jpg starts in. */
const FILES: Record<string, Buffer> = {
  'Trip/docs/a.txt': randomFile(P + 5000),
  'Trip/photos/b.jpg': randomFile(P),
  'Trip/photos/c.png': randomFile(70_000),
};
const PATHS = Object.keys(FILES);

/** Writes the folder on disk, for the page's folder picker. */
async function folderOnDisk(): Promise<{ root: string; remove: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'tabswarm-folder-'));
  for (const [path, data] of Object.entries(FILES)) {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), data);
  }
  return { root: join(base, 'Trip'), remove: () => rm(base, { recursive: true, force: true }) };
}

test('a folder picked in one tab is received in another with identical bytes and paths', async ({
  person,
}) => {
  const disk = await folderOnDisk();
  try {
    const seeder = await (await person()).open();
    await seeder.getByTestId('folder-input').setInputFiles(disk.root);
    const shared = seeder.getByTestId('transfer').filter({ hasText: 'Trip' });
    await expect(shared).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 });
    const magnet = await shared.getByTestId('magnet-link').inputValue();
    const infoHash = infoHashOf(magnet);

    const leecher = await (await person()).open(`#${magnet}`);
    await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 60_000), infoHash);
    const files = await leecher.evaluate((h) => window.tabswarm.transfer(h)?.files, infoHash);
    expect(files?.map((f) => [f.path, f.length, f.verifiedBytes])).toEqual(
      PATHS.map((p) => [p, FILES[p]!.length, FILES[p]!.length]),
    );

    // Saved into a real directory handle (OPFS), through the File System Access API.
    const saved = await leecher.evaluate(async (h) => {
      const root = await navigator.storage.getDirectory();
      await window.tabswarm.save(h, root);
      const out: Record<string, number[]> = {};
      const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
        for await (const [name, handle] of (
          dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
        ).entries()) {
          if (handle.kind === 'directory')
            await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
          else
            out[`${prefix}${name}`] = [
              ...new Uint8Array(await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer()),
            ];
        }
      };
      await walk(root, '');
      return out;
    }, infoHash);
    expect(Object.keys(saved).sort()).toEqual(PATHS);
    for (const p of PATHS) expect(sha256(new Uint8Array(saved[p]!))).toBe(sha256(FILES[p]!));

    // The Save button without a folder picker: each file a download named by its path.
    const downloads: { name: string; data: Buffer }[] = [];
    const all = new Promise<void>((done) => {
      leecher.on('download', (d) => {
        void d.path().then(async (path) => {
          downloads.push({ name: d.suggestedFilename(), data: await readFile(path) });
          if (downloads.length === PATHS.length) done();
        });
      });
    });
    await leecher.getByTestId('transfer').filter({ hasText: 'Trip' }).getByTestId('save-file').click();
    await all;
    expect(downloads.map((d) => d.name).sort()).toEqual(PATHS.map((p) => p.split('/').join(' - ')));
    for (const d of downloads) expect(sha256(d.data)).toBe(sha256(FILES[d.name.split(' - ').join('/')]!));
  } finally {
    await disk.remove();
  }
});

test('choosing 1 of 3 files fetches only its pieces and the boundary piece; the choice survives a reload', async ({
  person,
}) => {
  const seeder = await (await person()).open();
  const entries = Object.entries(FILES).map(([path, data]) => ({ path, data: [...data] }));
  const { infoHash, magnet } = await seeder.evaluate(
    (list) => window.tabswarm.seed(list.map((e) => ({ path: e.path, data: new Uint8Array(e.data) }))),
    entries,
  );

  const leecher = await (await person()).open();
  await leecher.evaluate((m) => window.tabswarm.download(m, { files: [0] }), magnet);
  await leecher.evaluate((h) => window.tabswarm.waitForComplete(h, 60_000), infoHash);
  const t = (await leecher.evaluate((h) => window.tabswarm.transfer(h), infoHash))!;
  // a.txt is pieces 0 and 1; piece 1 holds b.jpg's first bytes too. Piece 2 was never fetched.
  expect([...Object.values(t.pieceStates)]).toEqual([2, 2, 0]);
  expect(t.downloaded).toBe(2 * P);
  expect(t.files?.map((f) => [f.selected, f.verifiedBytes])).toEqual([
    [true, P + 5000],
    [false, P - 5000],
    [false, 0],
  ]);
  const bytes = await leecher.evaluate((h) => window.tabswarm.readFile(h, 0).then((b) => [...b]), infoHash);
  expect(sha256(new Uint8Array(bytes))).toBe(sha256(FILES[PATHS[0]!]!));

  // The page lists the files and their choice; a reload keeps it.
  await leecher.reload();
  await appReady(leecher);
  const rows = leecher.getByTestId('file-row');
  await expect(rows).toHaveCount(3);
  const checked = await rows
    .getByTestId('file-choose')
    .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked));
  expect(checked).toEqual([true, false, false]);

  // Choosing c.png on the page fetches it (piece 2, which it shares with the end of b.jpg).
  await rows.nth(2).getByTestId('file-choose').check();
  await expect
    .poll(() => leecher.evaluate((h) => window.tabswarm.transfer(h)?.files?.[2]?.verifiedBytes, infoHash), {
      timeout: 60_000,
    })
    .toBe(FILES[PATHS[2]!]!.length);
  const after = (await leecher.evaluate((h) => window.tabswarm.transfer(h), infoHash))!;
  expect(after.files?.map((f) => f.selected)).toEqual([true, false, true]);
});
