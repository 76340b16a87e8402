import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../client/src/util/emitter.js';

type Events = { ping: (n: number) => void; other: () => void };

describe('Emitter', () => {
  it('calls listeners in registration order with the arguments, until they are removed', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    const first = (n: number): void => void calls.push(`first ${n}`);
    e.on('ping', first);
    e.on('ping', (n) => calls.push(`second ${n}`));
    e.emit('ping', 1);
    e.off('ping', first);
    e.emit('ping', 2);
    e.emit('other');
    expect(calls).toEqual(['first 1', 'second 1', 'second 2']);
  });

  it('a listener that throws is reported and does not stop the others', () => {
    const e = new Emitter<Events>();
    const report = vi.spyOn(console, 'error').mockImplementation(() => {});
    const after = vi.fn();
    e.on('other', () => {
      throw new Error('bug');
    });
    e.on('other', after);
    e.emit('other');
    expect(after).toHaveBeenCalledOnce();
    expect(report).toHaveBeenCalledOnce();
    report.mockRestore();
  });

  it('clear drops every listener', () => {
    const e = new Emitter<Events>();
    const listener = vi.fn();
    e.on('ping', listener);
    e.clear();
    e.emit('ping', 1);
    expect(listener).not.toHaveBeenCalled();
  });
});
