import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { waitFor } from './wait-for.js';
import { hexId, tabId, registered, type TestClient } from './ws-client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', maxSwarmsPerPeer: 3 });
});
afterAll(() => server.close());

const H1 = hexId(1, 'c');
const H2 = hexId(2, 'c');

describe('announce', () => {
  it('lists other members of the same swarm only; two swarms do not mix', async () => {
    const a = (await registered(server.wsUrl, tabId(1))).client;
    const b = (await registered(server.wsUrl, tabId(2))).client;
    const c = (await registered(server.wsUrl, tabId(3))).client;
    const d = (await registered(server.wsUrl, tabId(4))).client;
    expect(await a.request({ type: 'announce', infoHash: H1, event: 'started', rid: 1 })).toEqual({
      type: 'announced',
      infoHash: H1,
      peers: [],
      complete: 0,
      incomplete: 1,
      rid: 1,
    });
    expect(await b.request({ type: 'announce', infoHash: H1 })).toMatchObject({
      peers: [tabId(1)],
      incomplete: 2,
    });
    expect(await c.request({ type: 'announce', infoHash: H2, event: 'completed' })).toMatchObject({
      peers: [],
      complete: 1,
      incomplete: 0,
    });
    const dh2 = await d.request({ type: 'announce', infoHash: H2 });
    expect(dh2).toMatchObject({ infoHash: H2, peers: [tabId(3)], complete: 1, incomplete: 1 });
    const dh1 = await d.request({ type: 'announce', infoHash: H1.toUpperCase() });
    expect(dh1.infoHash).toBe(H1);
    expect([...(dh1.peers as string[])].sort()).toEqual([tabId(1), tabId(2)].sort());
    // A re-announce does not list the announcer itself.
    const again = await a.request({ type: 'announce', infoHash: H1 });
    expect([...(again.peers as string[])].sort()).toEqual([tabId(2), tabId(4)].sort());
    expect(server.stats().swarms).toBe(2);

    // stopped removes: b leaves H1.
    expect(await b.request({ type: 'announce', infoHash: H1, event: 'stopped' })).toMatchObject({
      peers: [],
      incomplete: 2,
    });
    const afterStop = await a.request({ type: 'announce', infoHash: H1 });
    expect(afterStop.peers).toEqual([tabId(4)]);

    // Closing a socket removes it from every swarm.
    await d.close();
    await waitFor(() => server.stats().peers === 3, '3 peers');
    expect((await a.request({ type: 'announce', infoHash: H1 })).peers).toEqual([]);
    expect(await c.request({ type: 'announce', infoHash: H2 })).toMatchObject({
      peers: [],
      complete: 1,
      incomplete: 0,
    });
    await Promise.all([a, b, c].map((x: TestClient) => x.close()));
  });

  it('caps the swarms per peer with LIMIT_EXCEEDED', async () => {
    const a = (await registered(server.wsUrl, tabId(50))).client;
    for (let i = 0; i < 3; i++)
      expect((await a.request({ type: 'announce', infoHash: hexId(i, 'd') })).type).toBe('announced');
    const refused = await a.request({ type: 'announce', infoHash: hexId(3, 'd'), rid: 'cap' });
    expect(refused).toMatchObject({ type: 'error', code: 'LIMIT_EXCEEDED', ref: hexId(3, 'd'), rid: 'cap' });
    await a.request({ type: 'announce', infoHash: hexId(0, 'd'), event: 'stopped' });
    expect((await a.request({ type: 'announce', infoHash: hexId(3, 'd') })).type).toBe('announced');
    await a.close();
  });
});
