import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SIGNAL_DATA_BYTES } from '../../shared/signaling/messages.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { waitFor } from './wait-for.js';
import { tabId, registered } from './ws-client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterAll(() => server.close());

describe('signal relay', () => {
  it('relays opaque data to the named peer, stamped with the sender', async () => {
    const a = (await registered(server.wsUrl, tabId(1))).client;
    const b = (await registered(server.wsUrl, tabId(2))).client;
    const c = (await registered(server.wsUrl, tabId(3))).client;
    const offer = {
      type: 'offer',
      sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n',
      nested: [1, null, { ok: true }],
    };
    a.send({ type: 'signal', to: tabId(2), data: offer, rid: 'not forwarded' });
    expect(await b.next()).toEqual({ type: 'signal', from: tabId(1), data: offer });
    b.send({ type: 'signal', to: tabId(1).toUpperCase(), data: 'answer' });
    expect(await a.next()).toEqual({ type: 'signal', from: tabId(2), data: 'answer' });
    // Nothing for the bystander, and no acknowledgement for the sender.
    expect(await c.silentFor(100)).toBe(true);
    expect(await a.silentFor(50)).toBe(true);
    expect(server.stats().messagesRelayed).toBe(2);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('answers UNKNOWN_PEER naming the id, for never-seen and departed peers', async () => {
    const a = (await registered(server.wsUrl, tabId(10))).client;
    const b = (await registered(server.wsUrl, tabId(11))).client;
    const unknown = await a.request({ type: 'signal', to: tabId(99), data: {}, rid: 42 });
    expect(unknown).toMatchObject({ type: 'error', code: 'UNKNOWN_PEER', ref: tabId(99), rid: 42 });
    expect(unknown.message).toContain(tabId(99));
    await b.close();
    await waitFor(() => server.stats().peers === 1, '1 peers');
    const gone = await a.request({ type: 'signal', to: tabId(11), data: {} });
    expect(gone).toMatchObject({ type: 'error', code: 'UNKNOWN_PEER', ref: tabId(11) });
    await a.close();
  });

  it('refuses signal data over the cap without relaying it', async () => {
    const a = (await registered(server.wsUrl, tabId(20))).client;
    const b = (await registered(server.wsUrl, tabId(21))).client;
    const big = 'x'.repeat(MAX_SIGNAL_DATA_BYTES);
    const refused = await a.request({ type: 'signal', to: tabId(21), data: big, rid: 'big' });
    expect(refused).toMatchObject({ type: 'error', code: 'SIGNAL_INVALID', ref: 'data', rid: 'big' });
    expect(await b.silentFor(100)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});
