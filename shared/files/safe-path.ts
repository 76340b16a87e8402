/**
 * The policy for file paths that come from a torrent: they are untrusted, and a save must never
 * leave the folder the person chose nor fail halfway on a name one system refuses. A path is
 * refused when no safe name says what it meant (`..`, `.`, empty, a separator inside a component:
 * absolute paths and traversal), and made safe otherwise (control and bidi characters, characters
 * Windows forbids, trailing dots and spaces, reserved device names, components over 255 bytes),
 * always with the reason, so the page can name the file and say what happened.
 */

/** Longest file or folder name most file systems take, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;
/** Longest relative path (folders and name, `/`-joined) saved, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Extensions up to this many bytes are kept when an over-long name is cut. */
const MAX_KEPT_EXTENSION_BYTES = 32;

/** Windows device names, reserved with any extension (`nul.txt` too), in any case. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.|$)/i;
// C0 and C1 controls, DEL, and bidi overrides that make `exe.txt` read as `txt.exe`. Not global:
// `test` on a global pattern would start where the last match ended.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;
const everywhere = (pattern: RegExp): RegExp => new RegExp(pattern.source, 'g');

/** What {@link safePath} made of a path. */
export type PathVerdict =
  | {
      ok: true;
      /** The components to create, each safe as one name. */
      path: string[];
      /** Why it differs from the torrent's path (empty when it does not). */
      changes: string[];
    }
  | { ok: false; reason: string };

/** One file's place on disk, from {@link safeFilePaths}. */
export interface SafeFilePath {
  /** Position in the list given (the file's index in the torrent). */
  index: number;
  /** Components to create under the chosen folder; undefined when the file is refused. */
  path: string[] | undefined;
  /** Why the path was changed or refused, for the page; absent when it is saved as given. */
  note?: string;
}

/** Bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** `text` cut to at most `max` UTF-8 bytes, never inside a character. */
function cutUtf8(text: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = utf8Length(ch);
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** One component made safe, or the reason it cannot be. */
function safeName(name: string): { name: string; changes: string[] } | { reason: string } {
  if (name === '') return { reason: 'an empty name' };
  if (name === '.' || name === '..') return { reason: `“${name}” (a path that leaves its folder)` };
  if (/[/\\]/.test(name)) return { reason: 'a path separator inside a name (an absolute or escaping path)' };
  const changes: string[] = [];
  let out = name;
  if (CONTROL.test(out)) {
    out = out.replace(everywhere(CONTROL), '_');
    changes.push('control characters replaced');
  }
  if (WINDOWS_FORBIDDEN.test(out)) {
    out = out.replace(everywhere(WINDOWS_FORBIDDEN), '_');
    changes.push('characters Windows forbids (<>:"|?*) replaced');
  }
  if (/[. ]$/.test(out)) {
    out = out.replace(/[. ]+$/, '');
    if (out === '') out = '_';
    changes.push('trailing dots or spaces removed');
  }
  if (RESERVED.test(out)) {
    out = `_${out}`;
    changes.push('a name Windows reserves for devices');
  }
  if (utf8Length(out) > MAX_NAME_BYTES) {
    const dot = out.lastIndexOf('.');
    const ext = dot > 0 && utf8Length(out.slice(dot)) <= MAX_KEPT_EXTENSION_BYTES ? out.slice(dot) : '';
    out = cutUtf8(out.slice(0, out.length - ext.length), MAX_NAME_BYTES - utf8Length(ext)) + ext;
    changes.push(`a name over ${MAX_NAME_BYTES} bytes shortened`);
  }
  return { name: out, changes };
}

/**
 * Makes one path from a torrent (its components, top folder first) safe to create under a
 * chosen folder, or refuses it.
 */
export function safePath(components: readonly string[]): PathVerdict {
  if (components.length === 0) return { ok: false, reason: 'an empty path' };
  const path: string[] = [];
  const changes: string[] = [];
  for (const component of components) {
    const r = safeName(component);
    if ('reason' in r) return { ok: false, reason: r.reason };
    path.push(r.name);
    for (const c of r.changes) if (!changes.includes(c)) changes.push(c);
  }
  const bytes = utf8Length(path.join('/'));
  if (bytes > MAX_PATH_BYTES)
    return { ok: false, reason: `a path of ${bytes} bytes, over ${MAX_PATH_BYTES}` };
  return { ok: true, path, changes };
}

/** `name (n).ext` */
function numbered(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

/**
 * Every file's safe path: each made safe ({@link safePath}), then unique where file systems fold
 * case and Unicode forms (a later file that would land on an earlier one, or on a folder another
 * file needs, is numbered: `a (1).txt`). Linear in the number of path components.
 */
export function safeFilePaths(paths: readonly (readonly string[])[]): SafeFilePath[] {
  const verdicts = paths.map((p) => safePath(p));
  const key = (parts: readonly string[]): string => parts.join('/').normalize('NFC').toLowerCase();
  const folders = new Set<string>();
  for (const v of verdicts) {
    if (!v.ok) continue;
    for (let i = 1; i < v.path.length; i++) folders.add(key(v.path.slice(0, i)));
  }
  const files = new Set<string>();
  // The number to try next for a taken name, so many files of one name stay linear.
  const nextNumber = new Map<string, number>();
  return verdicts.map((v, index) => {
    if (!v.ok) return { index, path: undefined, note: `not saved: ${v.reason}` };
    const changes = [...v.changes];
    let path = v.path;
    const wanted = key(path);
    if (files.has(wanted) || folders.has(wanted)) {
      changes.push('another file or folder has the same name');
      const leaf = path[path.length - 1] as string;
      let n = nextNumber.get(wanted) ?? 1;
      do path = [...v.path.slice(0, -1), numbered(leaf, n++)];
      while (files.has(key(path)) || folders.has(key(path)));
      nextNumber.set(wanted, n);
    }
    files.add(key(path));
    return changes.length === 0
      ? { index, path }
      : { index, path, note: `saved as “${path.join('/')}”: ${changes.join('; ')}` };
  });
}
