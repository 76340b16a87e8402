import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_BYTES,
  MAX_PATH_BYTES,
  safeFilePaths,
  safePath,
  utf8Length,
} from '../../../shared/files/safe-path.js';

function safe(components: string[]): string[] {
  const v = safePath(components);
  if (!v.ok) throw new Error(`refused: ${v.reason}`);
  return v.path;
}

function refused(components: string[]): string {
  const v = safePath(components);
  if (v.ok) throw new Error(`accepted as ${v.path.join('/')}`);
  return v.reason;
}

describe('safePath', () => {
  it('keeps an ordinary path as it is, with no changes', () => {
    expect(safePath(['Album', 'CD 1', '01 – Intro.mp3'])).toEqual({
      ok: true,
      path: ['Album', 'CD 1', '01 – Intro.mp3'],
      changes: [],
    });
  });

  it('refuses traversal: `..` and `.` components', () => {
    expect(refused(['top', '..', 'etc', 'passwd'])).toMatch(/leaves its folder/);
    expect(refused(['..'])).toMatch(/leaves its folder/);
    expect(refused(['top', '.', 'a'])).toMatch(/leaves its folder/);
  });

  it('refuses absolute paths and separators inside a name', () => {
    expect(refused(['/etc/passwd'])).toMatch(/separator/);
    expect(refused(['top', 'a/b'])).toMatch(/separator/);
    expect(refused(['top', '..\\..\\windows'])).toMatch(/separator/);
    expect(refused(['\\\\server\\share'])).toMatch(/separator/);
  });

  it('makes a Windows drive letter an ordinary name', () => {
    expect(safe(['C:', 'x'])).toEqual(['C_', 'x']);
  });

  it('refuses empty names and empty paths', () => {
    expect(refused(['top', ''])).toMatch(/empty name/);
    expect(refused([])).toMatch(/empty path/);
  });

  it('renames names Windows reserves for devices, with or without an extension, in any case', () => {
    for (const name of [
      'CON',
      'nul',
      'Aux',
      'PRN',
      'COM1',
      'com9',
      'LPT1',
      'lpt3',
      'nul.txt',
      'CON.tar.gz',
    ]) {
      const v = safePath(['top', name]);
      expect(v.ok && v.path[1]).toBe(`_${name}`);
      expect(v.ok && v.changes).toEqual(['a name Windows reserves for devices']);
    }
    expect(safe(['top', 'CONSOLE.txt'])).toEqual(['top', 'CONSOLE.txt']);
    expect(safe(['top', 'nullify'])).toEqual(['top', 'nullify']);
  });

  it('removes trailing dots and spaces, which Windows drops silently', () => {
    expect(safe(['top', 'notes. '])).toEqual(['top', 'notes']);
    expect(safe(['dir...', 'a'])).toEqual(['dir', 'a']);
    expect(safe(['top', '...'])).toEqual(['top', '_']);
    expect(safe(['top', 'nul.'])).toEqual(['top', '_nul']);
  });

  it('replaces control characters, DEL and bidi overrides', () => {
    expect(safe(['top', 'a\u0000b\u001fc\u007f'])).toEqual(['top', 'a_b_c_']);
    expect(safe(['top', 'bad\u202etxt.exe'])).toEqual(['top', 'bad_txt.exe']);
    expect(safe(['top', 'line\nbreak'])).toEqual(['top', 'line_break']);
  });

  it('finds control characters in every name, whatever the names before it held', () => {
    expect(safe(['long name with a control \u0001 far in'])).toEqual(['long name with a control _ far in']);
    expect(safe(['\u0002x'])).toEqual(['_x']);
    expect(safe(['abcdefghijk?'])).toEqual(['abcdefghijk_']);
    expect(safe(['?'])).toEqual(['_']);
  });

  it('replaces characters Windows forbids in names', () => {
    expect(safe(['top', 'what? <that>: "x" | *'])).toEqual(['top', 'what_ _that__ _x_ _ _']);
  });

  it('shortens a name over 255 UTF-8 bytes, keeping its extension and whole characters', () => {
    const long = `${'é'.repeat(200)}.flac`; // 400 bytes of é
    const [, name] = safe(['top', long]);
    expect(utf8Length(name as string)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(name).toMatch(/^é+\.flac$/);
    const emoji = safe(['😀'.repeat(100)])[0] as string; // 4 bytes each
    expect(utf8Length(emoji)).toBe(252);
    expect(emoji).toBe('😀'.repeat(63));
  });

  it('refuses a whole path over the path limit', () => {
    const parts = Array.from({ length: 20 }, () => 'd'.repeat(250));
    expect(utf8Length(parts.join('/'))).toBeGreaterThan(MAX_PATH_BYTES);
    expect(refused(parts)).toMatch(/over 4096/);
  });
});

describe('safeFilePaths', () => {
  it('numbers files that would land on the same name where case or Unicode forms fold', () => {
    const out = safeFilePaths([
      ['top', 'Readme.txt'],
      ['top', 'README.txt'],
      ['top', 'readme.txt'],
      ['top', 'caf\u00e9'],
      ['top', 'cafe\u0301'],
    ]);
    expect(out.map((f) => f.path?.join('/'))).toEqual([
      'top/Readme.txt',
      'top/README (1).txt',
      'top/readme (2).txt',
      'top/café',
      'top/cafe\u0301 (1)',
    ]);
    expect(out[0]!.note).toBeUndefined();
    expect(out[1]!.note).toMatch(/same name/);
  });

  it('numbers a file that has the name of a folder another file needs', () => {
    const out = safeFilePaths([
      ['top', 'a'],
      ['top', 'a', 'b'],
    ]);
    expect(out.map((f) => f.path?.join('/'))).toEqual(['top/a (1)', 'top/a/b']);
  });

  it('numbers names that only differ by what was made safe', () => {
    const out = safeFilePaths([
      ['top', 'x?'],
      ['top', 'x*'],
    ]);
    expect(out.map((f) => f.path?.join('/'))).toEqual(['top/x_', 'top/x_ (1)']);
  });

  it('skips a refused file, naming why, and keeps the rest', () => {
    const out = safeFilePaths([
      ['top', 'ok'],
      ['top', '..', 'evil'],
    ]);
    expect(out[0]).toEqual({ index: 0, path: ['top', 'ok'] });
    expect(out[1]!.path).toBeUndefined();
    expect(out[1]!.note).toMatch(/^not saved: .*leaves its folder/);
  });

  it('numbers 10,000 files of one name in each folder 1, 2, 3... without a clash', () => {
    const paths = Array.from({ length: 10_000 }, (_, i) => ['top', `d${i % 10}`, i % 2 ? 'same' : 'SAME']);
    const out = safeFilePaths(paths);
    expect(new Set(out.map((f) => f.path!.join('/').toLowerCase())).size).toBe(10_000);
    expect(out[9_990]!.path).toEqual(['top', 'd0', 'SAME (999)']);
  });
});
