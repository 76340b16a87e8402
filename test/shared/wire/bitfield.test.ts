import { describe, expect, it } from 'vitest';
import { Bitfield } from '../../../shared/wire/bitfield.js';

describe('Bitfield', () => {
  it('uses BEP 3 bit order and counts', () => {
    const b = new Bitfield(10);
    expect(b.set(0)).toBe(true);
    expect(b.set(9)).toBe(true);
    expect(b.set(9)).toBe(false);
    expect(b.toBytes()).toEqual(new Uint8Array([0x80, 0x40]));
    expect(b.count).toBe(2);
    expect([...b.indices()]).toEqual([0, 9]);
    b.clear(0);
    expect(b.count).toBe(1);
  });

  it('checks length and spare bits of received bitfields', () => {
    const b = new Bitfield(10);
    expect(() => b.assign(new Uint8Array(3))).toThrow(/bitfield/);
    expect(() => b.assign(new Uint8Array([0, 0x20]))).toThrow(/beyond/);
    b.assign(new Uint8Array([0xff, 0xc0]));
    expect(b.count).toBe(10);
  });

  it('grows before the size is known, within its cap', () => {
    const b = new Bitfield(undefined, 100);
    b.set(77);
    expect(() => b.set(100)).toThrow(/out of range/);
    b.setSize(78);
    expect(b.has(77)).toBe(true);
    expect(b.toBytes().length).toBe(10);
  });
});
