import { describe, expect, it } from 'vitest';
import { TimerTable } from '../../../shared/machine/timer-table.js';

describe('TimerTable', () => {
  it('reports the earliest deadline and moves a timer that is set again', () => {
    const t = new TimerTable<'a' | 'b'>();
    expect(t.next()).toBeUndefined();
    t.set('a', 50);
    t.set('b', 20, 'peer1');
    expect(t.next()).toBe(20);
    t.set('b', 70, 'peer1');
    expect(t.next()).toBe(50);
    expect(t.get('b', 'peer1')).toBe(70);
    expect(t.size).toBe(2);
  });

  it('hands back due timers earliest first, ties in the order they were set, and forgets them', () => {
    const t = new TimerTable<'x' | 'y'>();
    t.set('y', 10, 2);
    t.set('x', 10, 1);
    t.set('x', 5, 'p');
    t.set('y', 30);
    expect(t.due(10).map((d) => [d.name, d.subject, d.at])).toEqual([
      ['x', 'p', 5],
      ['y', 2, 10],
      ['x', 1, 10],
    ]);
    expect(t.due(10)).toEqual([]);
    expect(t.next()).toBe(30);
  });

  it('keeps subjects apart: the number 1 and the string "1" are two timers', () => {
    const t = new TimerTable<'k'>();
    t.set('k', 1, 1);
    t.set('k', 2, '1');
    expect(t.size).toBe(2);
    t.clear('k', 1);
    expect(t.next()).toBe(2);
  });

  it('clears one timer, or every timer of a subject', () => {
    const t = new TimerTable<'a' | 'b'>();
    t.set('a', 1, 'p');
    t.set('b', 2, 'p');
    t.set('a', 3, 'q');
    t.clear('a', 'p');
    expect(t.next()).toBe(2);
    t.clearSubject('p');
    expect(t.next()).toBe(3);
    expect(t.has('a', 'q')).toBe(true);
  });

  it('setEarliest only ever brings a timer forward', () => {
    const t = new TimerTable<'a'>();
    t.setEarliest('a', 10);
    t.setEarliest('a', 20);
    expect(t.get('a')).toBe(10);
    t.setEarliest('a', 5);
    expect(t.get('a')).toBe(5);
  });

  it('stays small and exact when one timer is moved many times', () => {
    const t = new TimerTable<'a' | 'b'>();
    t.set('b', 1_000_000);
    for (let i = 0; i < 10_000; i++) t.set('a', 10_000 - i);
    expect(t.next()).toBe(1);
    expect(t.due(1).length).toBe(1);
    expect(t.next()).toBe(1_000_000);
  });
});
