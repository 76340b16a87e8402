import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { shareLayout, splitRelativePath, type ShareEntry } from '../../../shared/files/share-layout.js';

function entry(path: string, length = 1): ShareEntry<string> {
  return { path: splitRelativePath(path), length, item: path };
}

describe('shareLayout', () => {
  it('names a dropped folder after it, paths relative to it, sorted by path', () => {
    const layout = shareLayout([entry('Trip/b/2.jpg'), entry('Trip/a.txt'), entry('Trip/b/1.jpg')]);
    expect(layout.name).toBe('Trip');
    expect(layout.files.map((f) => f.path)).toEqual([['a.txt'], ['b', '1.jpg'], ['b', '2.jpg']]);
    expect(layout.files.map((f) => f.item)).toEqual(['Trip/a.txt', 'Trip/b/1.jpg', 'Trip/b/2.jpg']);
  });

  it('gives the same order whatever order the files came in', () => {
    const a = shareLayout([entry('x/β'), entry('x/B'), entry('x/a'), entry('x/b/c')]);
    const b = shareLayout([entry('x/b/c'), entry('x/a'), entry('x/β'), entry('x/B')]);
    expect(a.files.map((f) => f.path.join('/'))).toEqual(b.files.map((f) => f.path.join('/')));
    expect(a.files.map((f) => f.path.join('/'))).toEqual(['B', 'a', 'b/c', 'β']);
  });

  it('names loose files after the first one and how many more, unless a name is given', () => {
    expect(shareLayout([entry('song.mp3'), entry('cover.jpg'), entry('notes')]).name).toBe(
      'cover and 2 more',
    );
    expect(shareLayout([entry('a.txt'), entry('b.txt')], 'Letters').name).toBe('Letters');
    // Files from two folders are loose too: each keeps its folder.
    const mixed = shareLayout([entry('x/a'), entry('y/b')]);
    expect(mixed.name).toBe('a and 1 more');
    expect(mixed.files.map((f) => f.path)).toEqual([
      ['x', 'a'],
      ['y', 'b'],
    ]);
  });

  it('splits browser paths on either separator and drops empty parts', () => {
    expect(splitRelativePath('a//b\\c/./d')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses no files, escaping paths and two files at one path', () => {
    const code = { code: ErrorCode.InfoInvalid };
    expect(() => shareLayout([])).toThrow(expect.objectContaining(code));
    expect(() => shareLayout([{ path: ['a', '..', 'b'], length: 1, item: '' }])).toThrow(
      expect.objectContaining(code),
    );
    expect(() => shareLayout([entry('d/a'), entry('d/a')])).toThrow(expect.objectContaining(code));
  });
});
