import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatStorage } from '../../../client/src/ui/format.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

describe('formatBytes', () => {
  it('uses binary units with one decimal under 10', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * MIB)).toBe('300 MiB');
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes, hours', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(44.2)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(180)).toBe('3 min');
    expect(formatDuration(12 * 60 + 30)).toBe('12 min');
    expect(formatDuration(2 * 3600 + 5 * 60)).toBe('2 h 5 min');
    expect(formatDuration(3 * 3600)).toBe('3 h');
    expect(formatDuration(3 * 86_400)).toBe('more than a day');
  });
});

describe('formatStorage', () => {
  it('says used, share and free of the quota', () => {
    expect(formatStorage(3 * MIB, 12 * GIB)).toBe('3.0 MiB used (<1%), 12 GiB free of 12 GiB');
    expect(formatStorage(6 * GIB, 12 * GIB)).toBe('6.0 GiB used (50%), 6.0 GiB free of 12 GiB');
    expect(formatStorage(0, 10 * GIB)).toBe('0 B used (0%), 10 GiB free of 10 GiB');
  });

  it('never shows negative free space, and says what it does not know', () => {
    expect(formatStorage(13 * GIB, 12 * GIB)).toBe('13 GiB used (108%), 0 B free of 12 GiB');
    expect(formatStorage(5 * MIB, undefined)).toBe('5.0 MiB used');
    expect(formatStorage(undefined, 2 * GIB)).toBe('2.0 GiB available');
    expect(formatStorage(undefined, undefined)).toMatch(/does not say/);
  });
});
