import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../shared/bytes.js';
import { ErrorCode } from '../../shared/errors.js';
import { bencode } from '../../shared/bencode.js';
import { seededRandom } from '../../shared/random.js';
import { sha1 } from '../../shared/sha1.js';
import { FsPieceStore } from '../../node-peer/fs-piece-store.js';
import { pieceStoreContract } from '../client/adapters/piece-store.contract.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-fs-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

pieceStoreContract('file system', async (opts) => {
  const dir = await tempDir();
  return new FsPieceStore({ stateDir: join(dir, 'state'), dataDir: join(dir, 'data'), ...opts });
});

const PIECE = 16 * 1024;

/** A torrent of `length` random bytes cut in 16 KiB pieces, optionally as several files. */
function torrent(length: number, files?: { path: string[]; length: number }[]) {
  const data = seededRandom(length).bytes(length);
  const count = Math.ceil(length / PIECE);
  const hashes = new Uint8Array(count * 20);
  for (let i = 0; i < count; i++) hashes.set(sha1(data.subarray(i * PIECE, (i + 1) * PIECE)), i * 20);
  // Bencoded by hand: multi-file torrents are parsed here, made elsewhere.
  const encoder = new TextEncoder();
  const infoBytes = bencode({
    ...(files
      ? { files: files.map((f) => ({ length: f.length, path: f.path.map((p) => encoder.encode(p)) })) }
      : { length }),
    name: encoder.encode(files ? 'folder' : 'file.bin'),
    'piece length': PIECE,
    pieces: hashes,
  });
  const made = { infoBytes, infoHash: sha1(infoBytes) };
  const piece = (i: number) => ({
    index: i,
    data: data.subarray(i * PIECE, Math.min(length, (i + 1) * PIECE)),
  });
  return { data, count, hex: toHex(made.infoHash), infoBytes: made.infoBytes, piece };
}

describe('FsPieceStore', () => {
  it('writes pieces in place: the finished download is the file itself', async () => {
    const dir = await tempDir();
    const t = torrent(3 * PIECE + 100);
    const store = new FsPieceStore({ stateDir: join(dir, 'state'), dataDir: join(dir, 'out') });
    await store.putMetadata(t.hex, { name: 'file.bin', addedAt: 1, infoBytes: t.infoBytes });
    await store.putPieces(t.hex, [t.piece(3), t.piece(1)]);
    await store.putPieces(t.hex, [t.piece(0), t.piece(2)]);
    expect(Buffer.compare(await readFile(join(dir, 'out', 'file.bin')), t.data)).toBe(0);
  });

  it('keeps pieces that come before the layout loose, then moves them into place', async () => {
    const dir = await tempDir();
    const t = torrent(2 * PIECE);
    const store = new FsPieceStore({ stateDir: join(dir, 'state'), dataDir: join(dir, 'out') });
    await store.putPieces(t.hex, [t.piece(1)]);
    await store.putMetadata(t.hex, { name: 'file.bin', addedAt: 1, infoBytes: t.infoBytes });
    await store.putPieces(t.hex, [t.piece(0)]);
    expect(Buffer.compare(await readFile(join(dir, 'out', 'file.bin')), t.data)).toBe(0);
    expect(await store.listPieces(t.hex)).toEqual([0, 1]);
  });

  it('resumes in a new process from what it wrote, and reports a piece whose file went away as missing', async () => {
    const dir = await tempDir();
    const t = torrent(2 * PIECE);
    const opts = { stateDir: join(dir, 'state'), dataDir: join(dir, 'out') };
    const first = new FsPieceStore(opts);
    await first.putMetadata(t.hex, { name: 'file.bin', addedAt: 1, infoBytes: t.infoBytes });
    await first.putPieces(t.hex, [t.piece(0)]);
    const second = new FsPieceStore({ ...opts, dataDir: join(dir, 'elsewhere') });
    expect(await second.listPieces(t.hex)).toEqual([0]);
    expect((await second.listTorrents()).map((s) => s.infoHash)).toEqual([t.hex]);
    expect(
      Buffer.compare(Buffer.from((await second.getPiece(t.hex, 0)) as Uint8Array), t.piece(0).data),
    ).toBe(0);
    await rm(join(dir, 'out', 'file.bin'));
    expect(await second.getPiece(t.hex, 0)).toBeUndefined();
  });

  it('writes a multi-file torrent into its folder, pieces cut across files', async () => {
    const dir = await tempDir();
    const files = [
      { path: ['a.txt'], length: PIECE + 10 },
      { path: ['sub', 'b.bin'], length: 5 },
      { path: ['c.bin'], length: PIECE - 15 },
    ];
    const t = torrent(2 * PIECE, files);
    const store = new FsPieceStore({ stateDir: join(dir, 'state'), dataDir: join(dir, 'out') });
    await store.putMetadata(t.hex, { name: 'folder', addedAt: 1, infoBytes: t.infoBytes });
    await store.putPieces(t.hex, [t.piece(0), t.piece(1)]);
    const a = await readFile(join(dir, 'out', 'folder', 'a.txt'));
    const b = await readFile(join(dir, 'out', 'folder', 'sub', 'b.bin'));
    const c = await readFile(join(dir, 'out', 'folder', 'c.bin'));
    expect(Buffer.compare(Buffer.concat([a, b, c]), t.data)).toBe(0);
    expect([a.length, b.length, c.length]).toEqual(files.map((f) => f.length));
  });

  it('leaves a seeded file untouched when its own pieces are stored into it', async () => {
    const dir = await tempDir();
    const t = torrent(PIECE * 2);
    const path = join(dir, 'file.bin');
    await writeFile(path, t.data);
    const before = (await stat(path)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const store = new FsPieceStore({ stateDir: join(dir, 'state'), dataDir: dir });
    await store.putMetadata(t.hex, { name: 'file.bin', addedAt: 1, infoBytes: t.infoBytes });
    await store.putPieces(t.hex, [t.piece(0), t.piece(1)]);
    expect((await stat(path)).mtimeMs).toBe(before);
  });

  it('refuses a piece of the wrong size for its place with STORAGE_FAILED', async () => {
    const dir = await tempDir();
    const t = torrent(2 * PIECE);
    const store = new FsPieceStore({ stateDir: join(dir, 'state'), dataDir: join(dir, 'out') });
    await store.putMetadata(t.hex, { name: 'file.bin', addedAt: 1, infoBytes: t.infoBytes });
    await expect(store.putPieces(t.hex, [{ index: 0, data: new Uint8Array(10) }])).rejects.toMatchObject({
      code: ErrorCode.StorageFailed,
    });
    expect(await store.listPieces(t.hex)).toEqual([]);
  });
});
