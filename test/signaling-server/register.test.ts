import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { waitFor } from './wait-for.js';
import { TestClient, hexId, registered, stillServed } from './ws-client.js';

const ICE = [
  { urls: 'stun:stun.example.org:3478' },
  { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' },
];
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', iceServers: ICE, peersPerReply: 5 });
});
afterAll(() => server.close());

/** Waits until the server's peer count reaches `n` (close events are asynchronous). */
const peersBecome = (n: number): Promise<void> => waitFor(() => server.stats().peers === n, `${n} peers`);

describe('register', () => {
  it('replies with the peer id, ICE servers and a bootstrap set of other peers', async () => {
    const a = await registered(server.wsUrl, hexId(1));
    expect(a.reply).toEqual({ type: 'registered', peerId: hexId(1), peers: [], iceServers: ICE });
    const b = await registered(server.wsUrl, hexId(2));
    expect(b.reply.peers).toEqual([hexId(1)]);
    const c = await TestClient.open(server.wsUrl);
    const reply = await c.request({ type: 'register', peerId: hexId(3).toUpperCase(), rid: 'r1' });
    expect(reply).toMatchObject({ type: 'registered', peerId: hexId(3), rid: 'r1' });
    expect([...(reply.peers as string[])].sort()).toEqual([hexId(1), hexId(2)]);
    await Promise.all([a.client.close(), b.client.close(), c.close()]);
    await peersBecome(0);
  });

  it('caps the bootstrap set and never includes the registering peer', async () => {
    const clients = [];
    for (let i = 0; i < 8; i++) clients.push((await registered(server.wsUrl, hexId(100 + i))).client);
    const last = await TestClient.open(server.wsUrl);
    const reply = await last.request({ type: 'register', peerId: hexId(200) });
    const peers = reply.peers as string[];
    expect(peers).toHaveLength(5);
    expect(new Set(peers).size).toBe(5);
    expect(peers).not.toContain(hexId(200));
    const fewer = await last.request({ type: 'register', peerId: hexId(200), numWant: 2 });
    expect(fewer.peers).toHaveLength(2);
    await Promise.all([...clients, last].map((c) => c.close()));
    await peersBecome(0);
  });

  it('refuses a duplicate id while the first socket lives, allows it after it closes', async () => {
    const first = await registered(server.wsUrl, hexId(7));
    const second = await TestClient.open(server.wsUrl);
    const refused = await second.request({ type: 'register', peerId: hexId(7), rid: 9 });
    expect(refused).toMatchObject({ type: 'error', code: 'DUPLICATE_PEER_ID', ref: hexId(7), rid: 9 });
    expect(refused.message).toContain(hexId(7));
    // Upper case is the same id.
    const upper = await second.request({ type: 'register', peerId: hexId(7).toUpperCase() });
    expect(upper).toMatchObject({ type: 'error', code: 'DUPLICATE_PEER_ID' });
    // The refused socket is still usable and the holder is unaffected.
    await stillServed(first.client);
    await first.client.close();
    await peersBecome(0);
    const accepted = await second.request({ type: 'register', peerId: hexId(7) });
    expect(accepted).toMatchObject({ type: 'registered', peerId: hexId(7) });
    await second.close();
  });

  it('re-registering with the same id refreshes the bootstrap set; another id is refused', async () => {
    const a = await registered(server.wsUrl, hexId(10));
    const b = await registered(server.wsUrl, hexId(11));
    const again = await a.client.request({ type: 'register', peerId: hexId(10) });
    expect(again).toMatchObject({ type: 'registered', peerId: hexId(10), peers: [hexId(11)] });
    const other = await a.client.request({ type: 'register', peerId: hexId(12), rid: 'x' });
    expect(other).toMatchObject({ type: 'error', code: 'SIGNAL_INVALID', ref: 'peerId', rid: 'x' });
    expect(server.stats().peers).toBe(2);
    await Promise.all([a.client.close(), b.client.close()]);
    await peersBecome(0);
  });

  it('refuses other messages before register', async () => {
    const c = await TestClient.open(server.wsUrl);
    const announce = await c.request({ type: 'announce', infoHash: hexId(1, 'b'), rid: 3 });
    expect(announce).toMatchObject({ type: 'error', code: 'SIGNAL_INVALID', ref: 'type', rid: 3 });
    expect(announce.message).toMatch(/register first/);
    const signal = await c.request({ type: 'signal', to: hexId(1), data: {} });
    expect(signal).toMatchObject({ type: 'error', code: 'SIGNAL_INVALID' });
    await c.close();
  });

  it('registrations vanish when the socket closes', async () => {
    const a = await registered(server.wsUrl, hexId(20));
    await a.client.request({ type: 'announce', infoHash: hexId(5, 'b') });
    expect(server.stats()).toMatchObject({ peers: 1, swarms: 1 });
    await a.client.close();
    await peersBecome(0);
    expect(server.stats().swarms).toBe(0);
    const b = await registered(server.wsUrl, hexId(21));
    expect(b.reply.peers).toEqual([]);
    const announced = await b.client.request({ type: 'announce', infoHash: hexId(5, 'b') });
    expect(announced).toMatchObject({ peers: [], complete: 0, incomplete: 1 });
    await b.client.close();
  });
});
