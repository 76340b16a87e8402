import { shareLayout, splitRelativePath } from '../../../shared/files/share-layout.js';
import type { ByteSource } from '../adapters/file-reader.js';

/** A file someone shares with its place in what they dropped or picked (folders, then its name). */
export interface SharedFile {
  path: string[];
  /** A File or Blob, or bytes (the scripting API's `{ path, data }`). */
  file: Blob | Uint8Array;
}

const sizeOf = (part: Blob | Uint8Array): number =>
  part instanceof Uint8Array ? part.byteLength : part.size;

/**
 * Many files end to end, read as one: `slice` makes a Blob of just the parts a range touches.
 * Joining 10,000 files into one Blob up front costs Chromium seconds of main thread (measured
 * 1.9 s, and 6.6 s to wrap 10,000 byte arrays as Blobs first); a piece touches only a few.
 */
export class FileSequence implements ByteSource {
  readonly size: number;
  /** Where each part starts. */
  private readonly starts: number[] = [];

  constructor(private readonly parts: readonly (Blob | Uint8Array)[]) {
    let at = 0;
    for (const part of parts) {
      this.starts.push(at);
      at += sizeOf(part);
    }
    this.size = at;
  }

  slice(start = 0, end = this.size): Blob {
    start = Math.max(0, start);
    end = Math.min(this.size, end);
    const out: (Blob | Uint8Array<ArrayBuffer>)[] = [];
    // The last part starting at or before `start` (binary search: 10,000 parts, many reads).
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= start) lo = mid;
      else hi = mid - 1;
    }
    for (let i = lo; i < this.parts.length && (this.starts[i] as number) < end; i++) {
      const part = this.parts[i] as Blob | Uint8Array;
      const from = Math.max(0, start - (this.starts[i] as number));
      const to = Math.min(sizeOf(part), end - (this.starts[i] as number));
      if (to <= from) continue;
      if (part instanceof Uint8Array) out.push(part.subarray(from, to) as Uint8Array<ArrayBuffer>);
      else out.push(from === 0 && to === part.size ? part : part.slice(from, to));
    }
    return new Blob(out);
  }
}

/** Several files or a folder, ready to hash as one multi-file torrent. */
export interface FolderShare {
  /** The torrent's name: the folder's, or one made up for loose files. */
  name: string;
  /** The files end to end in torrent order; hashing reads it piece by piece across file ends. */
  blob: FileSequence;
  /** The info dictionary's `files`: paths relative to `name`. */
  files: { path: string[]; length: number }[];
}

/**
 * Lays out files as one torrent (see shared/files/share-layout.ts). The files are put end to end
 * in a FileSequence: nothing is read until hashing slices it a piece at a time.
 */
export function folderShare(shared: readonly SharedFile[], name?: string): FolderShare {
  const layout = shareLayout(
    shared.map((s) => ({ path: s.path, length: sizeOf(s.file), item: s.file })),
    name,
  );
  return {
    name: layout.name,
    blob: new FileSequence(layout.files.map((f) => f.item)),
    files: layout.files.map((f) => ({ path: f.path, length: f.length })),
  };
}

/** Files from a file input or a drop, each with its folder path where the browser gives one. */
export function sharedFilesOf(files: readonly File[]): SharedFile[] {
  return files.map((file) => ({
    path: splitRelativePath(file.webkitRelativePath || file.name || 'file'),
    file,
  }));
}
