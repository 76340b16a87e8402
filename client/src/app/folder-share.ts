import { shareLayout, splitRelativePath } from '../../../shared/files/share-layout.js';

/** A file someone shares with its place in what they dropped or picked (folders, then its name). */
export interface SharedFile {
  path: string[];
  file: Blob;
}

/** Several files or a folder, ready to hash as one multi-file torrent. */
export interface FolderShare {
  /** The torrent's name: the folder's, or one made up for loose files. */
  name: string;
  /** The files end to end in torrent order; hashing reads it piece by piece across file ends. */
  blob: Blob;
  /** The info dictionary's `files`: paths relative to `name`. */
  files: { path: string[]; length: number }[];
}

/**
 * Lays out files as one torrent (see shared/files/share-layout.ts). The files are joined into
 * one Blob, which only refers to them: nothing is read until hashing slices it a piece at a time.
 */
export function folderShare(shared: readonly SharedFile[], name?: string): FolderShare {
  const layout = shareLayout(
    shared.map((s) => ({ path: s.path, length: s.file.size, item: s.file })),
    name,
  );
  return {
    name: layout.name,
    blob: new Blob(layout.files.map((f) => f.item)),
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
