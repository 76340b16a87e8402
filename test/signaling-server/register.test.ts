import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../shared/bytes.js';
import { ErrorCode } from '../../shared/errors.js';
import { NONCE_BYTES, proveRegister } from '../../shared/identity/index.js';
import { DEFAULTS } from '../../signaling-server/config.js';
import { CloseCode } from '../../signaling-server/hub.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { waitFor } from './wait-for.js';
import {
  TestClient,
  hexId,
  registerMessage,
  registered,
  stillServed,
  tabId,
  tabIdentity,
} from './ws-client.js';

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
    const a = await registered(server.wsUrl, tabId(1));
    // Nobody else: the reply says when asking again is worth it.
    expect(a.reply).toEqual({
      type: 'registered',
      peerId: tabId(1),
      peers: [],
      iceServers: ICE,
      retryAfterMs: DEFAULTS.bootstrapRetryAfterMs,
    });
    const b = await registered(server.wsUrl, tabId(2));
    expect(b.reply).toEqual({ type: 'registered', peerId: tabId(2), peers: [tabId(1)], iceServers: ICE });
    const c = await TestClient.open(server.wsUrl);
    const reply = await c.request(await registerMessage(c, tabId(3).toUpperCase(), { rid: 'r1' }));
    expect(reply).toMatchObject({ type: 'registered', peerId: tabId(3), rid: 'r1' });
    expect([...(reply.peers as string[])].sort()).toEqual([tabId(1), tabId(2)].sort());
    await Promise.all([a.client.close(), b.client.close(), c.close()]);
    await peersBecome(0);
  });

  it('caps the bootstrap set and never includes the registering peer', async () => {
    const clients = [];
    for (let i = 0; i < 8; i++) clients.push((await registered(server.wsUrl, tabId(100 + i))).client);
    const last = await TestClient.open(server.wsUrl);
    const reply = await last.request(await registerMessage(last, tabId(200)));
    const peers = reply.peers as string[];
    expect(peers).toHaveLength(5);
    expect(new Set(peers).size).toBe(5);
    expect(peers).not.toContain(tabId(200));
    const fewer = await last.request({ type: 'register', peerId: tabId(200), numWant: 2 });
    expect(fewer.peers).toHaveLength(2);
    await Promise.all([...clients, last].map((c) => c.close()));
    await peersBecome(0);
  });

  it('re-registering with the same id refreshes the bootstrap set; another id is refused', async () => {
    const a = await registered(server.wsUrl, tabId(10));
    const b = await registered(server.wsUrl, tabId(11));
    const again = await a.client.request({ type: 'register', peerId: tabId(10) });
    expect(again).toMatchObject({ type: 'registered', peerId: tabId(10), peers: [tabId(11)] });
    const other = await a.client.request(await registerMessage(a.client, tabId(12), { rid: 'x' }));
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
    const signal = await c.request({ type: 'signal', to: tabId(1), data: {} });
    expect(signal).toMatchObject({ type: 'error', code: 'SIGNAL_INVALID' });
    await c.close();
  });

  it('registrations vanish when the socket closes', async () => {
    const a = await registered(server.wsUrl, tabId(20));
    await a.client.request({ type: 'announce', infoHash: hexId(5, 'b') });
    expect(server.stats()).toMatchObject({ peers: 1, swarms: 1 });
    await a.client.close();
    await peersBecome(0);
    expect(server.stats().swarms).toBe(0);
    const b = await registered(server.wsUrl, tabId(21));
    expect(b.reply.peers).toEqual([]);
    const announced = await b.client.request({ type: 'announce', infoHash: hexId(5, 'b') });
    expect(announced).toMatchObject({ peers: [], complete: 0, incomplete: 1 });
    await b.client.close();
  });
});

describe('ids are bound to keys', () => {
  it('sends every socket a fresh challenge of NONCE_BYTES random bytes first', async () => {
    const [a, b] = await Promise.all([TestClient.open(server.wsUrl), TestClient.open(server.wsUrl)]);
    const [na, nb] = await Promise.all([a.nonce(), b.nonce()]);
    expect(na).toMatch(new RegExp(`^[0-9a-f]{${2 * NONCE_BYTES}}$`));
    expect(nb).not.toBe(na);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a register without proof with PEER_ID_UNPROVEN; the socket may then prove', async () => {
    const c = await TestClient.open(server.wsUrl);
    const bare = await c.request({ type: 'register', peerId: tabId(30), rid: 1 });
    expect(bare).toMatchObject({ type: 'error', code: ErrorCode.PeerIdUnproven, ref: 'publicKey', rid: 1 });
    const noSignature = { ...((await registerMessage(c, tabId(30))) as Record<string, unknown>) };
    delete noSignature.signature;
    const half = await c.request(noSignature);
    expect(half).toMatchObject({ type: 'error', code: ErrorCode.PeerIdUnproven, ref: 'signature' });
    expect(server.stats().peers).toBe(0);
    expect(await c.request(await registerMessage(c, tabId(30)))).toMatchObject({ type: 'registered' });
    await c.close();
    await peersBecome(0);
  });

  it('refuses a wrong proof and closes the socket: another key, a replayed challenge, a bad signature', async () => {
    const before = server.stats().proofsRefused;
    // Tab 32's key for tab 31's id.
    const otherKey = await TestClient.open(server.wsUrl);
    const theirs = proveRegister(tabIdentity(32), await otherKey.nonce());
    const wrongKey = await otherKey.request({ type: 'register', peerId: tabId(31), ...theirs });
    expect(wrongKey).toMatchObject({ type: 'error', code: ErrorCode.PeerIdUnproven, ref: 'publicKey' });
    expect((await otherKey.closed).code).toBe(CloseCode.PolicyViolation);
    // A proof made for another socket's challenge.
    const first = await TestClient.open(server.wsUrl);
    const seen = await registerMessage(first, tabId(31));
    const replay = await TestClient.open(server.wsUrl);
    const replayed = await replay.request(seen);
    expect(replayed).toMatchObject({ type: 'error', code: ErrorCode.PeerIdUnproven, ref: 'signature' });
    expect((await replay.closed).code).toBe(CloseCode.PolicyViolation);
    // Garbage of the right length.
    const forger = await TestClient.open(server.wsUrl);
    const forged = { ...(await registerMessage(forger, tabId(31))), signature: 'ab'.repeat(64) };
    expect(await forger.request(forged)).toMatchObject({ code: ErrorCode.PeerIdUnproven, ref: 'signature' });
    expect(server.stats()).toMatchObject({ peers: 0, proofsRefused: before + 3 });
    await first.close();
  });

  it('a squatter cannot register the id of a tab whose socket dropped', async () => {
    const victim = await registered(server.wsUrl, tabId(40));
    await victim.client.close();
    await peersBecome(0);
    // Today's attack: claim the free id by sending it; and with a key of one's own.
    const squatter = await TestClient.open(server.wsUrl);
    const bare = await squatter.request({ type: 'register', peerId: tabId(40) });
    expect(bare).toMatchObject({ type: 'error', code: ErrorCode.PeerIdUnproven });
    const ownKey = proveRegister(tabIdentity(41), await squatter.nonce());
    const stolen = await squatter.request({ type: 'register', peerId: tabId(40), ...ownKey });
    expect(stolen).toMatchObject({ type: 'error', code: ErrorCode.PeerIdUnproven, ref: 'publicKey' });
    expect(server.stats().peers).toBe(0);
    // The real tab comes back and gets its id.
    const back = await registered(server.wsUrl, tabId(40));
    expect(back.reply).toMatchObject({ type: 'registered', peerId: tabId(40) });
    await back.client.close();
    await peersBecome(0);
  });

  it('the key holder takes its id back from a stale socket that still holds it', async () => {
    const stale = await registered(server.wsUrl, tabId(50));
    await stale.client.request({ type: 'announce', infoHash: hexId(50, 'b') });
    const caller = await registered(server.wsUrl, tabId(51));
    // The tab's network changed: it reconnects while the server still holds its old socket.
    const fresh = await registered(server.wsUrl, tabId(50));
    expect(fresh.reply).toMatchObject({ type: 'registered', peerId: tabId(50), peers: [tabId(51)] });
    const told = await stale.client.next();
    expect(told).toMatchObject({ type: 'error', code: ErrorCode.PeerIdSuperseded, ref: tabId(50) });
    expect((await stale.client.closed).code).toBe(CloseCode.Superseded);
    expect(server.stats()).toMatchObject({ peers: 2, swarms: 0 });
    expect(server.stats().peersSuperseded).toBeGreaterThanOrEqual(1);
    // Offers meant for the tab reach its new socket.
    caller.client.send({ type: 'signal', to: tabId(50), data: 'offer' });
    expect(await fresh.client.next()).toEqual({ type: 'signal', from: tabId(51), data: 'offer' });
    await stillServed(fresh.client);
    await Promise.all([caller.client.close(), fresh.client.close()]);
    await peersBecome(0);
  });

  it('a peer id made of a key is what the client sent, in lower case', () => {
    expect(tabId(1)).toBe(toHex(tabIdentity(1).peerId));
  });
});
