import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import {
  fileSlices,
  fileSpans,
  fileVerifiedBytes,
  type FileSpan,
} from '../../../shared/files/file-layout.js';
import { safeFilePaths, type SafeFilePath } from '../../../shared/files/safe-path.js';
import type { InfoDictionary } from '../../../shared/info-dictionary.js';
import type { SaveEntry } from '../adapters/folder-saver.js';
import type { FileView } from './status.js';

/** Reads a piece that verifies, or fails. */
export type VerifiedPiece = (index: number) => Promise<Uint8Array>;

/** What a save of the chosen files will write, and what it leaves out or renames (with why). */
export interface SavePlan {
  entries: SaveEntry[];
  /** Files refused as unsafe, with their torrent path and the reason. */
  refused: { path: string; note: string }[];
  /** Files saved under another name, with their torrent path and why. */
  renamed: { path: string; note: string }[];
}

/**
 * The files of one transfer: where each sits in the pieces, which are chosen for download, their
 * progress, and the safe paths they are saved under (worked out once, when first needed).
 */
export class TorrentFiles {
  readonly spans: readonly FileSpan[];
  /** Chosen files; undefined: every file. */
  private chosen: Set<number> | undefined;
  private safe: SafeFilePath[] | undefined;
  /** The last views and what they were made from: rebuilt only when a piece or the choice changes. */
  private cached: { views: FileView[]; stored: number; choice: number } | undefined;
  private choiceVersion = 0;

  constructor(
    private readonly info: InfoDictionary,
    selected?: readonly number[],
  ) {
    this.spans = fileSpans(info);
    if (selected !== undefined) this.select(selected);
  }

  /** The chosen file indexes, ascending; undefined when every file is chosen. */
  get selection(): number[] | undefined {
    return this.chosen === undefined ? undefined : [...this.chosen].sort((a, b) => a - b);
  }

  /** Chooses the files at `indexes` (undefined: all). Throws INFO_INVALID on an index out of range. */
  select(indexes: readonly number[] | undefined): void {
    this.choiceVersion++;
    if (indexes === undefined) {
      this.chosen = undefined;
      return;
    }
    const bad = indexes.find((i) => !Number.isInteger(i) || i < 0 || i >= this.spans.length);
    if (bad !== undefined)
      throw new TabswarmError(
        ErrorCode.InfoInvalid,
        `no file ${bad}: the files are 0..${this.spans.length - 1}`,
      );
    this.chosen =
      indexes.length === this.spans.length && new Set(indexes).size === this.spans.length
        ? undefined
        : new Set(indexes);
  }

  isSelected(index: number): boolean {
    return this.chosen === undefined || this.chosen.has(index);
  }

  /**
   * Each file as the page shows it; `pieceStates` per piece, 2 when stored, `stored` how many are.
   * The same list comes back until a piece is stored or lost or the choice changes, so a status
   * read per block does not rebuild 10,000 entries.
   */
  views(pieceStates: Uint8Array, stored: number): FileView[] {
    const c = this.cached;
    if (c && c.stored === stored && c.choice === this.choiceVersion) return c.views;
    const verified = fileVerifiedBytes(this.spans, this.info.pieceLength, (p) => pieceStates[p] === 2);
    const safe = this.safePaths();
    const views = this.spans.map((span, i) => {
      const view: FileView = {
        index: i,
        path: span.path.join('/'),
        length: span.length,
        selected: this.isSelected(i),
        verifiedBytes: verified[i] as number,
      };
      const note = safe[i]?.note;
      if (note !== undefined) view.note = note;
      return view;
    });
    this.cached = { views, stored, choice: this.choiceVersion };
    return views;
  }

  /** Safe paths of every file (see shared/files/safe-path.ts), computed once. */
  safePaths(): SafeFilePath[] {
    this.safe ??= safeFilePaths(this.spans.map((s) => s.path));
    return this.safe;
  }

  /**
   * What saving the chosen files writes: each under its safe path, its bytes read piece by piece
   * through `piece` (the piece a few small files share is read once, not once per file).
   */
  savePlan(piece: VerifiedPiece): SavePlan {
    const read = lastPieceCache(piece);
    const plan: SavePlan = { entries: [], refused: [], renamed: [] };
    for (const safe of this.safePaths()) {
      if (!this.isSelected(safe.index)) continue;
      const span = this.spans[safe.index] as FileSpan;
      const path = span.path.join('/');
      if (safe.path === undefined) {
        plan.refused.push({ path, note: safe.note ?? 'not saved' });
        continue;
      }
      if (safe.note !== undefined) plan.renamed.push({ path, note: safe.note });
      plan.entries.push({ path: safe.path, length: span.length, chunks: () => this.chunks(span, read) });
    }
    return plan;
  }

  /** The bytes of file `index`, read piece by piece (for the scripting API and tests). */
  async readFile(index: number, piece: VerifiedPiece): Promise<Uint8Array> {
    const span = this.spans[index];
    if (span === undefined) throw new TabswarmError(ErrorCode.InfoInvalid, `no file ${index}`);
    const out = new Uint8Array(span.length);
    let at = 0;
    for await (const chunk of this.chunks(span, piece)) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private async *chunks(span: FileSpan, piece: VerifiedPiece): AsyncGenerator<Uint8Array> {
    for (const slice of fileSlices(span, this.info.pieceLength)) {
      const data = await piece(slice.piece);
      yield data.subarray(slice.start, slice.end);
    }
  }
}

/** `piece`, remembering the last piece read: files are saved in order, so neighbours share it. */
function lastPieceCache(piece: VerifiedPiece): VerifiedPiece {
  let last: { index: number; data: Promise<Uint8Array> } | undefined;
  return (index) => {
    if (last?.index !== index) last = { index, data: piece(index) };
    return last.data;
  };
}
