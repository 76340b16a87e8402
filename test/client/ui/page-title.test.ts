import { describe, expect, it } from 'vitest';
import {
  ANNOUNCE_STEP_PERCENT,
  APP_TITLE,
  pageTitle,
  progressAnnouncement,
  type TitleTransfer,
} from '../../../client/src/ui/page-title.js';

function transfer(name: string, state: TitleTransfer['state'], done: number, length: number): TitleTransfer {
  return { name, state, verifiedBytes: done, length, progress: length > 0 ? done / length : 0 };
}

describe('pageTitle', () => {
  it('is the app name when nothing downloads', () => {
    expect(pageTitle([], [])).toBe(APP_TITLE);
    expect(pageTitle([transfer('a.bin', 'seeding', 10, 10)], [])).toBe(APP_TITLE);
  });

  it('shows the progress of one download, or of all of them', () => {
    expect(pageTitle([transfer('a.bin', 'downloading', 425, 1000)], [])).toBe(`42% a.bin — ${APP_TITLE}`);
    const two = [transfer('a.bin', 'downloading', 500, 1000), transfer('b.bin', 'downloading', 0, 1000)];
    expect(pageTitle(two, [])).toBe(`25% of 2 downloads — ${APP_TITLE}`);
    expect(pageTitle([transfer('m', 'metadata', 0, 0)], [])).toBe(`0% m — ${APP_TITLE}`);
  });

  it('says a download finished in the background first', () => {
    const busy = [transfer('b.bin', 'downloading', 1, 2)];
    expect(pageTitle(busy, ['a.bin'])).toBe(`✓ a.bin downloaded — ${APP_TITLE}`);
    expect(pageTitle(busy, ['a.bin', 'c.bin'])).toBe(`✓ 2 downloads finished — ${APP_TITLE}`);
  });
});

describe('progressAnnouncement', () => {
  it('changes only at steps of progress and at changes of state', () => {
    const at = (done: number) => progressAnnouncement([transfer('a.bin', 'downloading', done, 1000)]);
    expect(at(100)).toBe(at(100 + ANNOUNCE_STEP_PERCENT * 10 - 1));
    expect(at(120)).toBe('a.bin: 10% downloaded');
    expect(at(200)).toBe('a.bin: 20% downloaded');
    expect(
      progressAnnouncement([transfer('a.bin', 'seeding', 1000, 1000), transfer('b', 'paused', 0, 9)]),
    ).toBe('a.bin: complete, shared. b: paused');
  });
});
