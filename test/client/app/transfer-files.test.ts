import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { fileSpans, piecesForFiles } from '../../../shared/files/file-layout.js';
import { DEFAULT_PIECE_LENGTH, parseInfoDictionary } from '../../../shared/info-dictionary.js';
import { seededRandom } from '../../../shared/random.js';
import { MemoryDirectory } from '../../../client/src/adapters/memory-directory.js';
import type { SharedFile } from '../../../client/src/app/folder-share.js';
import { waitFor } from '../wait-for.js';
import { closeRigs, relay, rig } from './transfers-rig.js';

const P = DEFAULT_PIECE_LENGTH;

afterEach(closeRigs);

/** A folder of three files in two subfolders, in two pieces: [a, b...] [...b, c]. */
function folder(): { shared: SharedFile[]; bytes: Record<string, Uint8Array> } {
  const bytes: Record<string, Uint8Array> = {
    'Trip/notes/a.txt': seededRandom(1).bytes(1000),
    'Trip/photos/b.jpg': seededRandom(2).bytes(P),
    'Trip/photos/raw/c.cr2': seededRandom(3).bytes(500),
  };
  const shared = Object.entries(bytes).map(([path, data]) => ({
    path: path.split('/'),
    file: new Blob([data as Uint8Array<ArrayBuffer>]),
  }));
  return { shared, bytes };
}

describe('Transfers with folders', () => {
  it('shares a folder as one multi-file torrent named after it, pieces hashed across file ends', async () => {
    const a = rig();
    const { shared } = folder();
    const { infoHash, magnet } = await a.transfers.seedFiles(shared.slice().reverse());
    expect(magnet).toContain('dn=Trip');
    const meta = await a.store.getMetadata(infoHash);
    const info = parseInfoDictionary(meta!.infoBytes!);
    expect(info.name).toBe('Trip');
    expect(info.files).toEqual([
      { path: ['notes', 'a.txt'], length: 1000 },
      { path: ['photos', 'b.jpg'], length: P },
      { path: ['photos', 'raw', 'c.cr2'], length: 500 },
    ]);
    const view = a.transfers.view(infoHash)!;
    expect(view.state).toBe('seeding');
    expect(view.files?.map((f) => [f.path, f.selected, f.verifiedBytes === f.length])).toEqual([
      ['Trip/notes/a.txt', true, true],
      ['Trip/photos/b.jpg', true, true],
      ['Trip/photos/raw/c.cr2', true, true],
    ]);
  });

  it('keeps seeding a folder after a reload, its pieces read back from the store', async () => {
    const a = rig();
    const { shared, bytes } = folder();
    const { infoHash, magnet } = await a.transfers.seedFiles(shared);
    await waitFor('every piece stored', async () => (await a.store.listPieces(infoHash)).length === 2);
    await a.transfers.stop();
    const again = rig({ store: a.store });
    await again.transfers.restore();
    expect(again.transfers.view(infoHash)?.state).toBe('seeding');
    const b = rig();
    relay(again, b);
    await b.transfers.download(magnet);
    b.connections.connect(again.id, { infoHash });
    await waitFor('the download to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    expect(await b.transfers.readFile(infoHash, 1)).toEqual(bytes['Trip/photos/b.jpg']);
  });

  it('is received with identical bytes and paths, saved into a folder', async () => {
    const a = rig();
    const b = rig();
    relay(a, b);
    const { shared, bytes } = folder();
    const { infoHash, magnet } = await a.transfers.seedFiles(shared);
    await b.transfers.download(magnet);
    b.connections.connect(a.id, { infoHash });
    await waitFor('the download to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    for (let i = 0; i < 3; i++)
      expect(await b.transfers.readFile(infoHash, i)).toEqual(Object.values(bytes)[i]);
    const dir = new MemoryDirectory();
    expect(await b.transfers.save(infoHash, { directory: dir })).toBe('folder');
    expect(dir.list()).toEqual(new Map(Object.entries(bytes)));
    // Without a folder, each file is a download named by its path.
    expect(await b.transfers.save(infoHash)).toBe('download');
    expect(b.saver.saved.map((s) => s.name)).toEqual([
      'Trip - notes - a.txt',
      'Trip - photos - b.jpg',
      'Trip - photos - raw - c.cr2',
    ]);
  });

  it('chosen files only: fetches their pieces and boundary pieces, and the choice survives a reload', async () => {
    const a = rig();
    const b = rig();
    relay(a, b);
    const { shared, bytes } = folder();
    const { infoHash, magnet } = await a.transfers.seedFiles(shared);
    await b.transfers.download(magnet, { files: [0] });
    b.connections.connect(a.id, { infoHash });
    await waitFor('the chosen file to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    const info = parseInfoDictionary((await b.store.getMetadata(infoHash))!.infoBytes!);
    const wanted = [...piecesForFiles(fileSpans(info), [0])].sort();
    expect(wanted).toEqual([0]); // a.txt shares piece 0 with the start of b.jpg
    // Done with its choice, but not a seed: trackers are not told it completed.
    expect(b.transfers.get(infoHash)?.hasEveryPiece).toBe(false);
    expect(await b.store.listPieces(infoHash)).toEqual(wanted);
    const view = b.transfers.view(infoHash)!;
    expect(view.files?.map((f) => [f.selected, f.verifiedBytes])).toEqual([
      [true, 1000],
      [false, P - 1000],
      [false, 0],
    ]);
    expect(await b.transfers.readFile(infoHash, 0)).toEqual(bytes['Trip/notes/a.txt']);
    const dir = new MemoryDirectory();
    await b.transfers.save(infoHash, { directory: dir });
    expect([...dir.list().keys()]).toEqual(['Trip/notes/a.txt']);

    // A reload: the same store, a new tab.
    await b.transfers.stop();
    const c = rig({ store: b.store });
    await c.transfers.restore();
    expect(c.transfers.view(infoHash)?.files?.map((f) => f.selected)).toEqual([true, false, false]);
    expect(c.transfers.view(infoHash)?.state).toBe('seeding');
  });

  it('choosing more files later fetches them; a bad index is refused', async () => {
    const a = rig();
    const b = rig();
    relay(a, b);
    const { shared, bytes } = folder();
    const { infoHash, magnet } = await a.transfers.seedFiles(shared);
    await b.transfers.download(magnet, { files: [2] });
    b.connections.connect(a.id, { infoHash });
    await waitFor('the chosen file to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    await expect(b.transfers.select(infoHash, [3])).rejects.toMatchObject({ code: ErrorCode.InfoInvalid });
    await b.transfers.select(infoHash, [1, 2]);
    expect(b.transfers.view(infoHash)?.state).toBe('downloading');
    await waitFor('the wider choice to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    expect(await b.transfers.readFile(infoHash, 1)).toEqual(bytes['Trip/photos/b.jpg']);
    expect((await b.store.getMetadata(infoHash))?.selectedFiles).toEqual([1, 2]);
  });

  it('saves hostile names safely and names each changed file in a notice', async () => {
    const a = rig();
    const b = rig();
    relay(a, b);
    const data = seededRandom(4).bytes(100);
    const blob = new Blob([data as Uint8Array<ArrayBuffer>]);
    const { infoHash, magnet } = await a.transfers.seedFiles([
      { path: ['Top', 'CON'], file: blob },
      { path: ['Top', 'what?.txt'], file: blob },
    ]);
    await b.transfers.download(magnet);
    b.connections.connect(a.id, { infoHash });
    await waitFor('the download to complete', () => b.transfers.view(infoHash)?.state === 'seeding');
    const dir = new MemoryDirectory();
    await b.transfers.save(infoHash, { directory: dir });
    expect([...dir.list().keys()].sort()).toEqual(['Top/_CON', 'Top/what_.txt']);
    const notes = b.notices.all().filter((n) => n.code === ErrorCode.PathUnsafe);
    expect(notes.map((n) => n.text)).toEqual([
      expect.stringMatching(/^“Top\/CON” saved as “Top\/_CON”: a name Windows reserves/),
      expect.stringMatching(/^“Top\/what\?\.txt” saved as “Top\/what_\.txt”/),
    ]);
  });

  it('refuses two files at one path with a notice', async () => {
    const a = rig();
    const blob = new Blob(['x']);
    await expect(
      a.transfers.seedFiles([
        { path: ['d', 'x'], file: blob },
        { path: ['d', 'x'], file: blob },
      ]),
    ).rejects.toMatchObject({ code: ErrorCode.InfoInvalid });
    expect(a.notices.all()[0]?.text).toMatch(/same path/);
  });
});
