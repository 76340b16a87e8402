import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { OPS_PATHS } from '../../signaling-server/ops-endpoints.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';
import { registered, tabId } from './ws-client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterAll(() => server.close());

const get = (path: string) => fetch(`${server.url}${path.slice(1)}`);

async function scrape() {
  const res = await get(OPS_PATHS.metrics);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe('health', () => {
  it('is live and ready while serving', async () => {
    const health = await get(OPS_PATHS.health);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    const ready = await get(OPS_PATHS.ready);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    expect(server.ready()).toBe(true);
  });
});

describe('GET /metrics', () => {
  it('is Prometheus text with the server gauges, counters and the process metrics', async () => {
    const { samples, types } = await scrape();
    for (const gauge of ['tabswarm_sockets', 'tabswarm_peers', 'tabswarm_swarms', 'tabswarm_ready'])
      expect(types.get(gauge)).toBe('gauge');
    for (const counter of [
      'tabswarm_messages_received_total',
      'tabswarm_messages_sent_total',
      'tabswarm_messages_relayed_total',
      'tabswarm_rate_limit_drops_total',
      'tabswarm_errors_sent_total',
      'tabswarm_registrations_total',
    ])
      expect(types.get(counter)).toBe('counter');
    expect(sampleValue(samples, 'tabswarm_ready')).toBe(1);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts messages in, out, relayed and errors by code as they flow, the same as /stats', async () => {
    const before = (await scrape()).samples;
    const a = await registered(server.wsUrl, tabId(1));
    const b = await registered(server.wsUrl, tabId(2));
    a.client.send({ type: 'signal', to: tabId(2), data: { sdp: 'x' } });
    expect(await b.client.next()).toMatchObject({ type: 'signal', from: tabId(1) });
    expect(await a.client.request({ type: 'announce', infoHash: 'xyz' })).toMatchObject({
      code: ErrorCode.SignalInvalid,
    });
    const after = (await scrape()).samples;
    const grew = (name: string, labels: Record<string, string> = {}): number =>
      (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    // in: two registers, a signal, an announce; out: two challenges, two replies, the relay, the error
    expect(grew('tabswarm_messages_received_total')).toBe(4);
    expect(grew('tabswarm_messages_sent_total')).toBe(6);
    expect(grew('tabswarm_messages_relayed_total')).toBe(1);
    expect(grew('tabswarm_registrations_total')).toBe(2);
    expect(grew('tabswarm_errors_sent_total', { code: ErrorCode.SignalInvalid })).toBe(1);
    expect(sampleValue(after, 'tabswarm_sockets')).toBe(2);
    expect(sampleValue(after, 'tabswarm_peers')).toBe(2);
    const stats = server.stats();
    expect(sampleValue(after, 'tabswarm_messages_received_total')).toBe(stats.messagesReceived);
    expect(stats.errorsByCode[ErrorCode.SignalInvalid]).toBe(1);
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it('names no peer and no address', async () => {
    const a = await registered(server.wsUrl, tabId(3));
    const text = await (await get(OPS_PATHS.metrics)).text();
    expect(text).not.toContain(tabId(3));
    expect(text).not.toContain('127.0.0.1');
    await a.client.close();
  });
});
