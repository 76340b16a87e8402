import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { MAX_NOTICES, Notices } from '../../../client/src/app/notices.js';
import type { Notice } from '../../../client/src/app/status.js';

describe('Notices', () => {
  it('adds a notice once per text and tells of each new one', () => {
    const heard: Notice[] = [];
    const notices = new Notices((n) => heard.push(n));
    notices.add('error', 'no server', ErrorCode.ServerUnreachable);
    notices.add('error', 'no server', ErrorCode.ServerUnreachable);
    notices.add('info', 'hello');
    expect(notices.all()).toEqual([
      { id: 1, level: 'error', text: 'no server', code: ErrorCode.ServerUnreachable },
      { id: 2, level: 'info', text: 'hello' },
    ]);
    expect(heard).toEqual(notices.all());
  });

  it('keeps the newest MAX_NOTICES', () => {
    const notices = new Notices();
    for (let i = 0; i < MAX_NOTICES + 3; i++) notices.add('info', `n${i}`);
    const texts = notices.all().map((n) => n.text);
    expect(texts).toHaveLength(MAX_NOTICES);
    expect(texts[0]).toBe('n3');
    expect(texts.at(-1)).toBe(`n${MAX_NOTICES + 2}`);
  });

  it('clears by code and dismisses by id', () => {
    const notices = new Notices();
    notices.add('error', 'gone', ErrorCode.ServerGone);
    notices.add('error', 'unreachable', ErrorCode.ServerUnreachable);
    notices.add('error', 'full', ErrorCode.StorageFull);
    notices.add('info', 'plain');
    notices.clear(ErrorCode.ServerGone, ErrorCode.ServerUnreachable);
    expect(notices.all().map((n) => n.text)).toEqual(['full', 'plain']);
    const full = notices.all()[0]!;
    notices.dismiss(full.id);
    notices.dismiss(999);
    expect(notices.all().map((n) => n.text)).toEqual(['plain']);
  });

  it('a dismissed text can be said again', () => {
    const notices = new Notices();
    notices.add('info', 'again');
    notices.dismiss(notices.all()[0]!.id);
    notices.add('info', 'again');
    expect(notices.all().map((n) => n.text)).toEqual(['again']);
  });
});
