import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { DEFAULTS } from '../../signaling-server/config.js';
import { CloseCode } from '../../signaling-server/hub.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { waitFor } from './wait-for.js';
import { TestClient, hexId, tabId, registered, stillServed } from './ws-client.js';

/** Another loopback address: on Linux all of 127/8 reaches a server bound to 127.0.0.1. */
const OTHER_ADDRESS = '127.0.0.2';

describe('sockets per address', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => server.close());

  it(`refuses socket ${DEFAULTS.maxSocketsPerAddress + 1} from one address; other addresses are served`, async () => {
    const cap = DEFAULTS.maxSocketsPerAddress;
    const tab = (await registered(server.wsUrl, tabId(1), { localAddress: OTHER_ADDRESS })).client;
    // Idle sockets that never register, as in the attack: the cap holds before the deadline does.
    const idle = await Promise.all(Array.from({ length: cap }, () => TestClient.open(server.wsUrl)));
    const extra = await Promise.all(Array.from({ length: 20 }, () => TestClient.open(server.wsUrl)));
    for (const refused of extra) {
      expect(await refused.next()).toMatchObject({ type: 'error', code: ErrorCode.LimitExceeded });
      expect((await refused.closed).code).toBe(CloseCode.TryAgainLater);
    }
    expect(idle.every((c) => c.isOpen)).toBe(true);
    expect(server.stats()).toMatchObject({ connections: cap + 1, socketsRefused: extra.length });
    // A tab from another address registers and is served throughout.
    const newcomer = await registered(server.wsUrl, tabId(2), { localAddress: OTHER_ADDRESS });
    await stillServed(tab);
    // A slot freed is a slot to take again.
    await idle[0]?.close();
    await waitFor(() => server.stats().connections === cap + 1, 'the closed socket to be forgotten');
    const retry = await registered(server.wsUrl, tabId(3));
    await Promise.all([...idle.slice(1), tab, newcomer.client, retry.client].map((c) => c.close()));
  });
});

describe('tracker entries per address', () => {
  const PER_PEER = 3;
  const PER_ADDRESS = 5;
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      maxSwarmsPerPeer: PER_PEER,
      maxSwarmsPerAddress: PER_ADDRESS,
    });
  });
  afterAll(() => server.close());

  it('bounds the entries all sockets of one address hold together', async () => {
    const a = (await registered(server.wsUrl, tabId(1))).client;
    const b = (await registered(server.wsUrl, tabId(2))).client;
    const other = (await registered(server.wsUrl, tabId(3), { localAddress: OTHER_ADDRESS })).client;
    for (let i = 0; i < PER_PEER; i++)
      expect((await a.request({ type: 'announce', infoHash: hexId(i, 'd') })).type).toBe('announced');
    for (let i = PER_PEER; i < PER_ADDRESS; i++)
      expect((await b.request({ type: 'announce', infoHash: hexId(i, 'd') })).type).toBe('announced');
    const refused = await b.request({ type: 'announce', infoHash: hexId(PER_ADDRESS, 'd'), rid: 'cap' });
    expect(refused).toMatchObject({ type: 'error', code: ErrorCode.LimitExceeded, rid: 'cap' });
    expect(refused.message).toMatch(/address/);
    // Re-announcing a swarm already joined adds nothing and is served.
    expect((await b.request({ type: 'announce', infoHash: hexId(PER_PEER, 'd') })).type).toBe('announced');
    // Another address is not affected.
    expect((await other.request({ type: 'announce', infoHash: hexId(PER_ADDRESS, 'd') })).type).toBe(
      'announced',
    );
    // Closing a socket gives its entries back to its address.
    await a.close();
    await waitFor(() => server.stats().peers === 2, 'the closed peer to be forgotten');
    expect((await b.request({ type: 'announce', infoHash: hexId(PER_ADDRESS, 'd') })).type).toBe('announced');
    await Promise.all([b.close(), other.close()]);
  });
});
