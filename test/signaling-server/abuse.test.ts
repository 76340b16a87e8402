import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { MAX_FRAME_BYTES } from '../../shared/signaling/messages.js';
import { DEFAULTS } from '../../signaling-server/config.js';
import { CloseCode } from '../../signaling-server/hub.js';
import { NOTIFY_INTERVAL_MS } from '../../signaling-server/rate-limiter.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { sleep, waitFor } from './wait-for.js';
import { TestClient, hexId, tabId, registered, stillServed, type Msg } from './ws-client.js';

const { perSecond, burst, maxDropped } = DEFAULTS.rateLimit;
/** Replies to a burst: all but the register's token of the burst, plus what refills meanwhile. */
const SERVED_AT_LEAST = burst - 1;
const SERVED_BELOW = burst + perSecond;

let server: RunningServer;
/** Registered before any abuse; must be served after each. */
let bystander: TestClient;
/** Registered too, so relays to it can be checked. */
let listener: TestClient;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  bystander = (await registered(server.wsUrl, tabId(1))).client;
  listener = (await registered(server.wsUrl, tabId(2))).client;
});
afterAll(async () => {
  await Promise.all([bystander.close(), listener.close()]);
  await server.close();
});

/** The bystander still registers-refreshes, announces and relays. */
async function othersStillServed(): Promise<void> {
  await stillServed(bystander);
  expect(await bystander.request({ type: 'register', peerId: tabId(1) })).toMatchObject({
    type: 'registered',
  });
  bystander.send({ type: 'signal', to: tabId(2), data: { still: 'here' } });
  expect(await listener.next()).toEqual({ type: 'signal', from: tabId(1), data: { still: 'here' } });
}

describe('bad messages', () => {
  it('answers each malformed message with an error naming what is wrong, and keeps the socket', async () => {
    const c = (await registered(server.wsUrl, tabId(10))).client;
    const cases: [string, Partial<Msg>, RegExp][] = [
      ['{"type": "announce"', {}, /not valid JSON/],
      ['42', {}, /JSON object/],
      ['{"rid": 5}', { ref: 'type', rid: 5 }, /^type: is required/],
      [
        '{"type": "subscribe", "rid": "s"}',
        { ref: 'type', rid: 's' },
        /^type: unknown message type "subscribe"/,
      ],
      [JSON.stringify({ type: 'announce', rid: 1 }), { ref: 'infoHash', rid: 1 }, /^infoHash: is required/],
      [JSON.stringify({ type: 'announce', infoHash: 7 }), { ref: 'infoHash' }, /^infoHash: must be a string/],
      [
        JSON.stringify({ type: 'announce', infoHash: 'g'.repeat(40) }),
        { ref: 'infoHash' },
        /^infoHash: must be 40 hex/,
      ],
      [
        JSON.stringify({ type: 'announce', infoHash: 'ab' }),
        { ref: 'infoHash' },
        /^infoHash: must be 40 hex/,
      ],
      [JSON.stringify({ type: 'announce', infoHash: tabId(1), event: 'seed' }), { ref: 'event' }, /^event:/],
      [JSON.stringify({ type: 'signal', to: tabId(2) }), { ref: 'data' }, /^data: is required/],
      [JSON.stringify({ type: 'signal', to: [tabId(2)], data: 1 }), { ref: 'to' }, /^to: must be a string/],
      [JSON.stringify({ type: 'register', peerId: null }), { ref: 'peerId' }, /^peerId: must be a string/],
    ];
    for (const [text, fields, pattern] of cases) {
      const reply = await c.request(text);
      expect(reply, text).toMatchObject({ type: 'error', code: ErrorCode.SignalInvalid, ...fields });
      expect(reply.message, text).toMatch(pattern);
    }
    c.ws.send(Buffer.from([1, 2, 3]));
    expect(await c.next()).toMatchObject({ type: 'error', code: ErrorCode.SignalInvalid, message: /binary/ });
    // Nothing was relayed to the listener by any of that.
    expect(await listener.silentFor(50)).toBe(true);
    await stillServed(c);
    await othersStillServed();
    await c.close();
  });

  it('closes only the socket that sends a frame over maxPayload', async () => {
    const c = (await registered(server.wsUrl, tabId(11))).client;
    c.send(JSON.stringify({ type: 'signal', to: tabId(2), data: 'x'.repeat(MAX_FRAME_BYTES) }));
    const { code } = await c.closed;
    expect(code).toBe(CloseCode.MessageTooBig);
    await othersStillServed();
    // Its id is free again.
    await waitFor(() => server.stats().peers === 2, '2 peers');
    const again = await registered(server.wsUrl, tabId(11));
    await again.client.close();
  });
});

describe('flooding', () => {
  it('throttles a burst over the limit with one RATE_LIMITED error, then serves it again', async () => {
    const c = (await registered(server.wsUrl, tabId(20))).client;
    for (let i = 0; i < 2 * burst; i++) c.send({ type: 'announce', infoHash: hexId(3, 'e'), rid: i });
    const got: Msg[] = [];
    for (;;) {
      const m = await c.next(500).catch(() => undefined);
      if (m === undefined) break;
      got.push(m);
    }
    const errors = got.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: ErrorCode.RateLimited });
    // The register took one token of the burst; a few more refill while the burst arrives.
    const served = got.filter((m) => m.type === 'announced').length;
    expect(served).toBeGreaterThanOrEqual(SERVED_AT_LEAST);
    expect(served).toBeLessThan(SERVED_BELOW);
    expect(c.isOpen).toBe(true);
    // The limiter's notice window is a constant of the rate limiter, not a server parameter.
    await sleep(NOTIFY_INTERVAL_MS + 100);
    await stillServed(c);
    await othersStillServed();
    await c.close();
  });

  it('closes a socket that keeps flooding with 1008, and only that one', async () => {
    const c = (await registered(server.wsUrl, tabId(21))).client;
    for (let i = 0; i < 2 * (burst + maxDropped); i++) c.send({ type: 'signal', to: tabId(99), data: i });
    const { code } = await c.closed;
    expect(code).toBe(CloseCode.PolicyViolation);
    const got = c.drain();
    expect(got.filter((m) => m.code === ErrorCode.RateLimited)).toHaveLength(1);
    const served = got.filter((m) => m.code === ErrorCode.UnknownPeer).length;
    expect(served).toBeGreaterThanOrEqual(SERVED_AT_LEAST);
    expect(served).toBeLessThan(SERVED_BELOW);
    expect(server.stats().messagesDropped).toBeGreaterThan(maxDropped);
    await othersStillServed();
    const again = await registered(server.wsUrl, tabId(21));
    await again.client.close();
  });
});

describe('connection cap', () => {
  it('refuses sockets beyond maxConnections with LIMIT_EXCEEDED and 1013', async () => {
    const small = await startServer({ port: 0, host: '127.0.0.1', maxConnections: 1 });
    const first = (await registered(small.wsUrl, tabId(1))).client;
    const second = await TestClient.open(small.wsUrl);
    expect(await second.next()).toMatchObject({ type: 'error', code: ErrorCode.LimitExceeded });
    expect((await second.closed).code).toBe(CloseCode.TryAgainLater);
    await stillServed(first);
    await first.close();
    await small.close();
  });
});
