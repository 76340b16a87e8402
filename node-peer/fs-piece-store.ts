import { mkdir, open, readFile, readdir, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fromHex } from '../shared/bytes.js';
import { ErrorCode, TabswarmError } from '../shared/errors.js';
import { fileSpans, type FileSpan } from '../shared/files/file-layout.js';
import { parseInfoDictionary, type InfoDictionary } from '../shared/info-dictionary.js';
import {
  checkInfoHash,
  checkPieceIndex,
  toStorageError,
  type PieceStore,
  type PieceWrite,
  type StoredTorrent,
  type TorrentMetadata,
} from '../client/src/adapters/piece-store.js';

/** Options of {@link FsPieceStore}. */
export interface FsPieceStoreOptions {
  /** Where the store keeps what it knows of each torrent (metadata, which pieces are in place). */
  stateDir: string;
  /** Where new torrents' files are written (each torrent remembers its own folder). */
  dataDir: string;
  /** Piece bytes the store may add; a batch beyond it fails whole with STORAGE_FULL (tests). */
  quotaBytes?: number;
}

/** What the store keeps of one torrent in `<stateDir>/torrents/<info-hash>.json`. */
interface TorrentRecord {
  metadata?: TorrentMetadata;
  /** The folder its files are written to. */
  dataDir: string;
  /** Pieces written and listed, ascending. */
  pieces: number[];
}

/** A torrent's files in place: spans, absolute paths and the piece length. */
interface Placement {
  info: InfoDictionary;
  spans: FileSpan[];
  paths: string[];
}

/** Metadata as JSON (bytes as base64). */
type StoredMetadata = Omit<TorrentMetadata, 'infoBytes'> & { infoBytes?: string };

/**
 * A {@link PieceStore} on the file system, for the Node peer: once a torrent's info dictionary is
 * known its pieces are written in place, straight into its files under `dataDir` (a seeded file
 * is its own store), so a download is the finished file with nothing to save afterwards. Pieces
 * that arrive before their layout is known wait as loose files in the state folder and move into
 * place when it is. Which pieces are in place is written after their bytes (rename, so it is
 * whole), so a crash loses at most the last batch, and the app re-hashes what is listed on start.
 * `deleteTorrent` forgets a torrent; its files stay where they are (they may be the person's own).
 */
export class FsPieceStore implements PieceStore {
  private readonly records = new Map<string, TorrentRecord>();
  /** One chain of writes per torrent, so concurrent batches and metadata updates never interleave. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private usedBytes = 0;
  private readonly quotaBytes: number;
  /** Folders of files about to be seeded in place, by name (see {@link placeNext}). */
  private readonly places = new Map<string, string>();

  constructor(private readonly opts: FsPieceStoreOptions) {
    this.quotaBytes = opts.quotaBytes ?? Number.POSITIVE_INFINITY;
  }

  /**
   * The next new torrent named `name` has its files in `dir` (a file seeded where it is), not
   * under `dataDir`.
   */
  placeNext(name: string, dir: string): void {
    this.places.set(name, dir);
  }

  putPieces(infoHash: string, pieces: readonly PieceWrite[]): Promise<void> {
    try {
      checkInfoHash(infoHash);
      for (const { index } of pieces) checkPieceIndex(index);
    } catch (err) {
      return Promise.reject(err);
    }
    const copies = pieces.map((p) => ({ index: p.index, data: p.data.slice() }));
    return this.serial(infoHash, async () => {
      const record = await this.record(infoHash);
      const fresh = copies.filter((p) => !record.pieces.includes(p.index));
      const added = fresh.reduce((sum, p) => sum + p.data.byteLength, 0);
      if (this.usedBytes + added > this.quotaBytes)
        throw new TabswarmError(ErrorCode.StorageFull, `storage full: ${added} more bytes do not fit`);
      const placement = this.placement(infoHash, record);
      for (const p of copies) await this.writePiece(infoHash, record, placement, p);
      this.usedBytes += added;
      record.pieces = [...new Set([...record.pieces, ...copies.map((p) => p.index)])].sort((a, b) => a - b);
      await this.save(infoHash, record);
    });
  }

  async getPiece(infoHash: string, index: number): Promise<Uint8Array | undefined> {
    checkInfoHash(infoHash);
    checkPieceIndex(index);
    const record = await this.record(infoHash);
    if (!record.pieces.includes(index)) return undefined;
    try {
      const placement = this.placement(infoHash, record);
      if (placement === undefined) return new Uint8Array(await readFile(this.loosePath(infoHash, index)));
      return await readPlaced(placement, index);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw toStorageError(err, `reading piece ${index}`);
    }
  }

  async hasPiece(infoHash: string, index: number): Promise<boolean> {
    return (await this.listPieces(infoHash)).includes(index);
  }

  async listPieces(infoHash: string): Promise<number[]> {
    checkInfoHash(infoHash);
    return [...(await this.record(infoHash)).pieces];
  }

  putMetadata(infoHash: string, metadata: TorrentMetadata): Promise<void> {
    try {
      checkInfoHash(infoHash);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.serial(infoHash, async () => {
      const record = await this.record(infoHash);
      const before = this.placement(infoHash, record);
      const place = record.metadata === undefined ? this.places.get(metadata.name) : undefined;
      if (place !== undefined) {
        this.places.delete(metadata.name);
        record.dataDir = place;
      }
      record.metadata = structuredClone(metadata);
      const after = this.placement(infoHash, record);
      // The layout just became known: loose pieces move into place.
      if (before === undefined && after !== undefined) {
        for (const index of record.pieces) {
          const path = this.loosePath(infoHash, index);
          const data = new Uint8Array(await readFile(path).catch(() => new Uint8Array(0)));
          if (data.byteLength !== pieceBytes(after.info, index)) continue;
          await writePlaced(after, index, data);
          await rm(path, { force: true });
        }
      }
      await this.save(infoHash, record);
    });
  }

  async getMetadata(infoHash: string): Promise<TorrentMetadata | undefined> {
    checkInfoHash(infoHash);
    const metadata = (await this.record(infoHash)).metadata;
    return metadata === undefined ? undefined : structuredClone(metadata);
  }

  async listTorrents(): Promise<StoredTorrent[]> {
    const names = await readdir(join(this.opts.stateDir, 'torrents')).catch(() => [] as string[]);
    const out: StoredTorrent[] = [];
    for (const name of names) {
      const infoHash = name.replace(/\.json$/, '');
      if (!/^[0-9a-f]{40}\.json$/.test(name)) continue;
      const metadata = await this.getMetadata(infoHash);
      if (metadata) out.push({ infoHash, metadata });
    }
    return out.sort((a, b) => a.metadata.addedAt - b.metadata.addedAt);
  }

  async deleteTorrent(infoHash: string): Promise<void> {
    checkInfoHash(infoHash);
    await this.serial(infoHash, async () => {
      this.records.set(infoHash, { dataDir: this.opts.dataDir, pieces: [] });
      await rm(this.recordPath(infoHash), { force: true });
      await rm(join(this.opts.stateDir, 'loose', infoHash), { recursive: true, force: true });
    });
  }

  // ---- internals ---------------------------------------------------------------------------

  private serial<T>(infoHash: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(infoHash) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.chains.set(infoHash, next);
    return next.catch((err: unknown) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (code === 'ENOSPC' || code === 'EDQUOT')
        throw new TabswarmError(ErrorCode.StorageFull, `the disk is full: ${String(err)}`);
      throw toStorageError(err, 'file store');
    });
  }

  private async record(infoHash: string): Promise<TorrentRecord> {
    let record = this.records.get(infoHash);
    if (record !== undefined) return record;
    record = { dataDir: this.opts.dataDir, pieces: [] };
    try {
      const stored = JSON.parse(await readFile(this.recordPath(infoHash), 'utf8')) as {
        metadata?: StoredMetadata;
        dataDir?: string;
        pieces?: number[];
      };
      record = {
        dataDir: typeof stored.dataDir === 'string' ? stored.dataDir : this.opts.dataDir,
        pieces: Array.isArray(stored.pieces)
          ? stored.pieces.filter((i) => Number.isSafeInteger(i) && i >= 0)
          : [],
        ...(stored.metadata ? { metadata: fromStored(stored.metadata) } : {}),
      };
    } catch (err) {
      // No record yet, or one torn by a crash: the torrent starts over (its files are re-checked).
      if (!isMissing(err) && !(err instanceof SyntaxError)) throw toStorageError(err, 'reading the store');
    }
    // Another call may have loaded it meanwhile: keep the first.
    const known = this.records.get(infoHash);
    if (known !== undefined) return known;
    this.records.set(infoHash, record);
    return record;
  }

  private async save(infoHash: string, record: TorrentRecord): Promise<void> {
    const path = this.recordPath(infoHash);
    await mkdir(join(this.opts.stateDir, 'torrents'), { recursive: true });
    const body = JSON.stringify({
      dataDir: record.dataDir,
      pieces: record.pieces,
      ...(record.metadata ? { metadata: toStored(record.metadata) } : {}),
    });
    await writeFile(`${path}.tmp`, body);
    await rename(`${path}.tmp`, path);
  }

  /** The torrent's files, once its info dictionary is known (and matches its info-hash). */
  private placement(infoHash: string, record: TorrentRecord): Placement | undefined {
    const infoBytes = record.metadata?.infoBytes;
    const hash = fromHex(infoHash);
    if (infoBytes === undefined || hash === undefined) return undefined;
    let info: InfoDictionary;
    try {
      info = parseInfoDictionary(infoBytes, hash);
    } catch {
      return undefined;
    }
    const root = resolve(record.dataDir);
    const spans = fileSpans(info);
    const paths = spans.map((span) => {
      const path = resolve(root, ...span.path);
      // parseInfoDictionary refuses separators and dot names; this holds even if that changes.
      if (!path.startsWith(root + sep))
        throw new TabswarmError(ErrorCode.StorageFailed, `a file path leaves ${root}`);
      return path;
    });
    return { info, spans, paths };
  }

  private async writePiece(
    infoHash: string,
    record: TorrentRecord,
    placement: Placement | undefined,
    piece: PieceWrite,
  ): Promise<void> {
    if (placement === undefined) {
      await mkdir(join(this.opts.stateDir, 'loose', infoHash), { recursive: true });
      await writeFile(this.loosePath(infoHash, piece.index), piece.data);
      return;
    }
    const expected = pieceBytes(placement.info, piece.index);
    if (piece.data.byteLength !== expected)
      throw new TabswarmError(
        ErrorCode.StorageFailed,
        `piece ${piece.index} of ${record.metadata?.name ?? infoHash} has ${piece.data.byteLength} bytes, not ${expected}`,
      );
    await writePlaced(placement, piece.index, piece.data);
  }

  private recordPath(infoHash: string): string {
    return join(this.opts.stateDir, 'torrents', `${infoHash}.json`);
  }

  private loosePath(infoHash: string, index: number): string {
    return join(this.opts.stateDir, 'loose', infoHash, String(index));
  }
}

/** Bytes in piece `index` (the last one may be short); 0 outside the torrent. */
function pieceBytes(info: InfoDictionary, index: number): number {
  if (index >= info.pieceCount) return 0;
  return Math.min(info.pieceLength, info.length - index * info.pieceLength);
}

/** Each file range piece `index` covers: which file, where in it, where in the piece. */
function* rangesOf(
  placement: Placement,
  index: number,
): Generator<{ file: number; fileOffset: number; pieceOffset: number; length: number }> {
  const start = index * placement.info.pieceLength;
  const end = start + pieceBytes(placement.info, index);
  for (const span of placement.spans) {
    const from = Math.max(start, span.offset);
    const to = Math.min(end, span.offset + span.length);
    if (from >= to) continue;
    yield { file: span.index, fileOffset: from - span.offset, pieceOffset: from - start, length: to - from };
  }
}

/**
 * Writes a piece into its files. Bytes already there are left alone, so seeding a file in place
 * never touches it (Node's file Blobs refuse reads of a file modified after they were opened).
 */
async function writePlaced(placement: Placement, index: number, data: Uint8Array): Promise<void> {
  for (const range of rangesOf(placement, index)) {
    const path = placement.paths[range.file] as string;
    await mkdir(resolve(path, '..'), { recursive: true });
    const handle = await open(path, 'r+').catch((err: unknown) => {
      if (isMissing(err)) return open(path, 'w+');
      throw err;
    });
    try {
      const want = data.subarray(range.pieceOffset, range.pieceOffset + range.length);
      const have = await readExactly(handle, range.fileOffset, range.length);
      if (have !== undefined && Buffer.compare(have, want) === 0) continue;
      await handle.write(want, 0, want.byteLength, range.fileOffset);
    } finally {
      await handle.close();
    }
  }
}

async function readPlaced(placement: Placement, index: number): Promise<Uint8Array | undefined> {
  const out = new Uint8Array(pieceBytes(placement.info, index));
  for (const range of rangesOf(placement, index)) {
    const handle = await open(placement.paths[range.file] as string, 'r');
    try {
      const bytes = await readExactly(handle, range.fileOffset, range.length);
      if (bytes === undefined) return undefined;
      out.set(bytes, range.pieceOffset);
    } finally {
      await handle.close();
    }
  }
  return out;
}

/** `length` bytes at `position`, or undefined if the file is shorter. */
async function readExactly(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Buffer | undefined> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) return undefined;
    done += bytesRead;
  }
  return buffer;
}

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}

function toStored(metadata: TorrentMetadata): StoredMetadata {
  const { infoBytes, ...rest } = metadata;
  return infoBytes === undefined ? rest : { ...rest, infoBytes: Buffer.from(infoBytes).toString('base64') };
}

function fromStored(stored: StoredMetadata): TorrentMetadata {
  const { infoBytes, ...rest } = stored;
  return infoBytes === undefined
    ? rest
    : { ...rest, infoBytes: new Uint8Array(Buffer.from(infoBytes, 'base64')) };
}
