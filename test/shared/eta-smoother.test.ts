import { describe, expect, it } from 'vitest';
import { ETA_HALF_LIFE_MS, ETA_MIN_SAMPLE_MS, EtaSmoother } from '../../shared/eta-smoother.js';

const MIB = 1024 * 1024;

describe('EtaSmoother', () => {
  it('knows no time left until it has a rate, and 0 when done', () => {
    const eta = new EtaSmoother();
    expect(eta.secondsLeft(0, 10 * MIB)).toBeUndefined();
    eta.observe(0, 0);
    expect(eta.secondsLeft(0, 10 * MIB)).toBeUndefined();
    expect(eta.secondsLeft(10 * MIB, 10 * MIB)).toBe(0);
  });

  it('at a steady rate gives remaining bytes over that rate', () => {
    const eta = new EtaSmoother();
    for (let s = 0; s <= 10; s++) eta.observe(s * 1000, s * MIB);
    expect(eta.bytesPerSecond).toBeCloseTo(MIB, 6);
    expect(eta.secondsLeft(10 * MIB, 40 * MIB)).toBeCloseTo(30, 6);
  });

  it('moves halfway to a new rate after one half-life, however often it is asked', () => {
    const step = (every: number): number => {
      const eta = new EtaSmoother();
      let t = 0;
      let bytes = 0;
      eta.observe(t, bytes);
      // A long run at 1 MiB/s, then one half-life at 3 MiB/s.
      for (; t < 60_000;) eta.observe((t += every), (bytes += MIB * (every / 1000)));
      for (const end = t + ETA_HALF_LIFE_MS; t < end;)
        eta.observe((t += every), (bytes += 3 * MIB * (every / 1000)));
      return eta.bytesPerSecond!;
    };
    expect(step(1000)).toBeCloseTo(2 * MIB, -3);
    expect(step(2500)).toBeCloseTo(2 * MIB, -3);
  });

  it('a burst of one piece does not swing it: samples closer than the minimum gap are skipped', () => {
    const eta = new EtaSmoother();
    for (let s = 0; s <= 20; s++) eta.observe(s * 1000, s * MIB);
    const before = eta.bytesPerSecond!;
    eta.observe(20_000 + ETA_MIN_SAMPLE_MS / 10, 25 * MIB);
    expect(eta.bytesPerSecond).toBe(before);
  });

  it('a stalled download has no time left to show; pieces lost start a new baseline', () => {
    const eta = new EtaSmoother();
    eta.observe(0, 0);
    eta.observe(1000, MIB);
    for (let s = 2; s < 200; s++) eta.observe(s * 1000, MIB);
    expect(eta.secondsLeft(MIB, 10 * MIB)).toBeUndefined();

    const lost = new EtaSmoother();
    lost.observe(0, 0);
    lost.observe(1000, 4 * MIB);
    lost.observe(2000, 2 * MIB); // a piece failed in storage: fewer bytes than before
    expect(lost.bytesPerSecond).toBe(4 * MIB);
    lost.observe(3000, 6 * MIB);
    expect(lost.bytesPerSecond).toBeCloseTo(4 * MIB, 6);
  });

  it('reset forgets the rate', () => {
    const eta = new EtaSmoother();
    eta.observe(0, 0);
    eta.observe(1000, MIB);
    eta.reset();
    expect(eta.bytesPerSecond).toBeUndefined();
  });
});
