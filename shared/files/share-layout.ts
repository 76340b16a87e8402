import { ErrorCode, TabswarmError } from '../errors.js';

/**
 * How several files or a folder someone shares become one BEP 3 multi-file torrent: its `name`
 * and the order and relative paths of its `files`. The order is by path, so the same folder
 * gives the same info-hash whatever order the browser listed it in.
 */

/** A file to share with its path (folders first, file name last), and what the host reads it from. */
export interface ShareEntry<T> {
  path: string[];
  length: number;
  item: T;
}

/** The torrent's name and its files, paths relative to that name. */
export interface ShareLayout<T> {
  name: string;
  files: ShareEntry<T>[];
}

/** A relative path as browsers give it (`webkitRelativePath`, entry paths): `/`-separated. */
export function splitRelativePath(path: string): string[] {
  return path.split(/[/\\]+/).filter((part) => part !== '' && part !== '.');
}

/** Compares paths component by component, by code point (locale-free: the same everywhere). */
function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Lays out files to share as one torrent. When every path starts with the same folder, that
 * folder is the torrent's name (a dropped folder); otherwise the files are loose and the name is
 * `name` if given, else the first file's name and how many more (`photo and 2 more`). Throws
 * INFO_INVALID for no files, a `..` in a path, or two files at the same path.
 */
export function shareLayout<T>(entries: readonly ShareEntry<T>[], name?: string): ShareLayout<T> {
  if (entries.length === 0) throw new TabswarmError(ErrorCode.InfoInvalid, 'There are no files to share.');
  for (const e of entries) {
    if (e.path.length === 0 || e.path.some((p) => p === '' || p === '.' || p === '..' || /[/\\]/.test(p)))
      throw new TabswarmError(ErrorCode.InfoInvalid, `“${e.path.join('/')}” is not a relative file path.`);
  }
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  for (let i = 1; i < sorted.length; i++) {
    if (comparePaths((sorted[i - 1] as ShareEntry<T>).path, (sorted[i] as ShareEntry<T>).path) === 0)
      throw new TabswarmError(
        ErrorCode.InfoInvalid,
        `Two files have the same path “${(sorted[i] as ShareEntry<T>).path.join('/')}”.`,
      );
  }
  const top = (sorted[0] as ShareEntry<T>).path[0] as string;
  const oneFolder = sorted.every((e) => e.path.length > 1 && e.path[0] === top);
  if (oneFolder) return { name: top, files: sorted.map((e) => ({ ...e, path: e.path.slice(1) })) };
  return { name: name?.trim() || derivedName(sorted), files: sorted };
}

/** `first` for one file, `first and N more` for several (the first file's name without extension). */
function derivedName<T>(sorted: readonly ShareEntry<T>[]): string {
  const first = (sorted[0] as ShareEntry<T>).path;
  const leaf = first[first.length - 1] as string;
  const dot = leaf.lastIndexOf('.');
  const stem = dot > 0 ? leaf.slice(0, dot) : leaf;
  return sorted.length === 1 ? stem : `${stem} and ${sorted.length - 1} more`;
}
