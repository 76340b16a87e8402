import { describe, expect, it } from 'vitest';
import { MachineDriver } from '../../../shared/machine/driver.js';
import { Outbox, type Machine } from '../../../shared/machine/machine.js';
import { TimerTable } from '../../../shared/machine/timer-table.js';
import { ManualScheduler } from '../../helpers/manual-scheduler.js';

/** Echoes inputs as outputs; a 'tick' timer every `period` ms while started. */
class Echo implements Machine<string> {
  private readonly out = new Outbox<string>();
  private readonly timers = new TimerTable<'tick'>();
  constructor(private readonly period = 100) {}
  start(now: number): number {
    this.timers.set('tick', now + this.period);
    return 7;
  }
  say(words: string[], _now: number): void {
    for (const w of words) this.out.push(w);
  }
  poll(): string[] {
    return this.out.poll();
  }
  nextTimeout(): number | undefined {
    return this.timers.next();
  }
  handleTimeout(now: number): void {
    for (const t of this.timers.due(now)) {
      this.out.push(`${t.name}@${now}`);
      this.timers.set('tick', now + this.period);
    }
  }
}

describe('MachineDriver', () => {
  it('executes outputs in order, returns the input answer and keeps one timer armed', () => {
    const clock = new ManualScheduler();
    const m = new Echo();
    const seen: string[] = [];
    const d = new MachineDriver(m, clock, { execute: (o) => seen.push(o) });
    expect(d.input((now) => m.start(now))).toBe(7);
    d.input((now) => m.say(['a', 'b'], now));
    expect(seen).toEqual(['a', 'b']);
    expect(clock.armed).toEqual([100]);
    clock.advance(250);
    expect(seen).toEqual(['a', 'b', 'tick@100', 'tick@200']);
    expect(clock.armed).toEqual([300]);
  });

  it('runs an input fed back while executing after the outputs already taken', () => {
    const clock = new ManualScheduler();
    const m = new Echo();
    const seen: string[] = [];
    const d: MachineDriver<string> = new MachineDriver(m, clock, {
      execute: (o) => {
        seen.push(o);
        if (o === 'a') d.input((now) => m.say(['reply'], now));
      },
    });
    d.input((now) => m.say(['a', 'b'], now));
    expect(seen).toEqual(['a', 'b', 'reply']);
  });

  it('stops for good: no timer fires and inputs are ignored', () => {
    const clock = new ManualScheduler();
    const m = new Echo();
    const seen: string[] = [];
    const d = new MachineDriver(m, clock, { execute: (o) => seen.push(o) });
    d.input((now) => m.start(now));
    d.stop();
    clock.advance(1000);
    expect(d.input((now) => m.say(['x'], now))).toBeUndefined();
    expect(seen).toEqual([]);
    expect(d.isStopped).toBe(true);
  });

  it('reports a throwing input or executor to onError and carries on', () => {
    const clock = new ManualScheduler();
    const m = new Echo();
    const errors: unknown[] = [];
    const seen: string[] = [];
    const d = new MachineDriver(m, clock, {
      execute: (o) => {
        if (o === 'bad') throw new Error('executor');
        seen.push(o);
      },
      onError: (e) => errors.push(e),
    });
    d.input(() => {
      throw new Error('input');
    });
    d.input((now) => m.say(['bad'], now));
    d.input((now) => m.say(['good'], now));
    expect(errors.map((e) => (e as Error).message)).toEqual(['input', 'executor']);
    expect(seen).toEqual(['good']);
  });

  it('without onError, a throwing input propagates', () => {
    const d = new MachineDriver(new Echo(), new ManualScheduler(), { execute: () => {} });
    expect(() =>
      d.input(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
  });
});
