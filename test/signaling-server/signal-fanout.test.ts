import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { DEFAULTS, resolveConfig } from '../../signaling-server/config.js';
import { optionsFromEnv } from '../../signaling-server/settings.js';
import { SignalFanout } from '../../signaling-server/signal-fanout.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { sleep } from './wait-for.js';
import type { TestClient } from './ws-client.js';
import { registered, tabId } from './ws-client.js';

describe('SignalFanout', () => {
  const { maxSignalTargets: maxTargets, signalTargetWindowMs: windowMs } = DEFAULTS;

  it('allows maxTargets new targets per window, and known targets always', () => {
    const f = new SignalFanout({ maxTargets, windowMs });
    for (let i = 0; i < maxTargets; i++) expect(f.allow(`t${i}`, i)).toBe(true);
    expect(f.allow('new', maxTargets)).toBe(false);
    expect(f.allow('t0', maxTargets)).toBe(true);
    expect(f.allow('new', windowMs - 1)).toBe(false);
    // The first target's window has passed: one new target fits again.
    expect(f.allow('new', windowMs)).toBe(true);
    expect(f.allow('other', windowMs)).toBe(false);
  });
});

describe('signal fan-out settings', () => {
  it('default, and come from MAX_SIGNAL_TARGETS and SIGNAL_TARGET_WINDOW_MS', () => {
    expect(resolveConfig({ port: 0 })).toMatchObject({
      maxSignalTargets: DEFAULTS.maxSignalTargets,
      signalTargetWindowMs: DEFAULTS.signalTargetWindowMs,
    });
    const targets = DEFAULTS.maxSignalTargets * 2;
    const windowMs = DEFAULTS.signalTargetWindowMs * 3;
    const env = { MAX_SIGNAL_TARGETS: String(targets), SIGNAL_TARGET_WINDOW_MS: String(windowMs) };
    expect(resolveConfig(optionsFromEnv(env))).toMatchObject({
      maxSignalTargets: targets,
      signalTargetWindowMs: windowMs,
    });
    expect(() => optionsFromEnv({ MAX_SIGNAL_TARGETS: '0' })).toThrow(/MAX_SIGNAL_TARGETS/);
    expect(() => optionsFromEnv({ SIGNAL_TARGET_WINDOW_MS: 'soon' })).toThrow(/SIGNAL_TARGET_WINDOW_MS/);
  });
});

describe('signal fan-out per socket', () => {
  /** Small, so the test runs in a second; the defaults are 64 targets per 10 s. */
  const MAX_TARGETS = 5;
  const WINDOW_MS = 600;
  const TARGETS = 12;
  let server: RunningServer;
  let targets: TestClient[];

  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      maxSignalTargets: MAX_TARGETS,
      signalTargetWindowMs: WINDOW_MS,
    });
    targets = await Promise.all(
      Array.from(
        { length: TARGETS },
        async (_, i) => (await registered(server.wsUrl, tabId(100 + i))).client,
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.close()));
    await server.close();
  });

  it('throttles one socket offering links to many tabs with RATE_LIMITED; others are served', async () => {
    const flooder = (await registered(server.wsUrl, tabId(1))).client;
    const offer = { link: 'x', signal: { type: 'offer', sdp: 'v=0' } };
    for (let i = 0; i < TARGETS; i++)
      flooder.send({ type: 'signal', to: tabId(100 + i), data: offer, rid: i });
    const errors = [];
    for (let i = MAX_TARGETS; i < TARGETS; i++) errors.push(await flooder.next());
    expect(errors.map((e) => e.ref)).toEqual(
      Array.from({ length: TARGETS - MAX_TARGETS }, (_, i) => tabId(100 + MAX_TARGETS + i)),
    );
    for (const e of errors) expect(e).toMatchObject({ type: 'error', code: ErrorCode.RateLimited });
    for (let i = 0; i < TARGETS; i++) {
      if (i < MAX_TARGETS)
        expect(await targets[i]!.next()).toEqual({ type: 'signal', from: tabId(1), data: offer });
      else expect(await targets[i]!.silentFor(50)).toBe(true);
    }
    // A target it already signals is still reachable (the candidates after the offer).
    flooder.send({ type: 'signal', to: tabId(100), data: { candidate: 'c' } });
    expect(await targets[0]!.next()).toEqual({ type: 'signal', from: tabId(1), data: { candidate: 'c' } });
    // Another socket is not affected.
    const other = (await registered(server.wsUrl, tabId(2))).client;
    other.send({ type: 'signal', to: tabId(100 + TARGETS - 1), data: offer });
    expect(await targets[TARGETS - 1]!.next()).toEqual({ type: 'signal', from: tabId(2), data: offer });
    // After the window, the flooder may signal new targets again.
    await sleep(WINDOW_MS);
    flooder.send({ type: 'signal', to: tabId(100 + TARGETS - 1), data: offer });
    expect(await targets[TARGETS - 1]!.next()).toEqual({ type: 'signal', from: tabId(1), data: offer });
    await Promise.all([flooder.close(), other.close()]);
  });
});
