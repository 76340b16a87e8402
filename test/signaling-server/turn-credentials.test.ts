import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { checkServerMessage } from '../../shared/signaling/messages.js';
import { resolveConfig } from '../../signaling-server/config.js';
import { MASK, describeConfig } from '../../signaling-server/config-printout.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { readSettings } from '../../signaling-server/settings.js';
import { turnCredential, turnRenewalMs, type TurnSettings } from '../../signaling-server/turn-credentials.js';
import { registered, tabId } from './ws-client.js';

const STUN = { urls: 'stun:stun.example.org:3478' };
const TURN: TurnSettings = { urls: ['turn:turn.example.org:3478'], secret: 'north-wind', ttlSeconds: 1 };

describe('turnCredential', () => {
  it('matches a known HMAC-SHA1 vector (computed with openssl dgst -sha1 -hmac)', () => {
    const peer = '0123456789abcdef0123456789abcdef01234567';
    const c = turnCredential('north-wind', peer, 1_700_000_000);
    expect(c).toEqual({
      username: `1700000000:${peer}`,
      credential: 'mBxj1pd9Xg+/wv7cmilIQPxFhx4=',
      expiresAt: 1_700_000_000_000,
    });
    // The same thing the long way, as coturn computes it.
    expect(c.credential).toBe(createHmac('sha1', 'north-wind').update(c.username).digest('base64'));
  });
});

describe('TURN settings', () => {
  it('are read, with a default TTL, and need both the URLs and the secret', () => {
    expect(
      readSettings({ TURN_URLS: 'turn:a.example.org, turns:a.example.org:443', TURN_SECRET: 's' }).options
        .turn,
    ).toEqual({ urls: ['turn:a.example.org', 'turns:a.example.org:443'], secret: 's', ttlSeconds: 86_400 });
    expect(() => readSettings({ TURN_SECRET: 's' })).toThrow(/^TURN_URLS: is required/);
    expect(() => readSettings({ TURN_URLS: 'turn:a.example.org' })).toThrow(/^TURN_SECRET: is required/);
    expect(() => readSettings({ TURN_URLS: 'stun:a.example.org', TURN_SECRET: 's' })).toThrow(
      /^TURN_URLS: "stun:a.example.org" is not a turn:/,
    );
    expect(() => readSettings({ TURN_TTL_S: '60' })).toThrow(/^TURN_TTL_S: set TURN_URLS/);
    expect(() =>
      readSettings({ TURN_URLS: 'turn:a.example.org', TURN_SECRET: 's', TURN_TTL_S: '0' }),
    ).toThrow(/^TURN_TTL_S must be >= 1/);
  });

  it('are printed at start with the secret masked', () => {
    const settings = readSettings({
      TURN_URLS: 'turn:a.example.org',
      TURN_SECRET: 'hunter2',
      TURN_TTL_S: '600',
    });
    const printed = describeConfig(resolveConfig(settings.options), settings);
    expect(JSON.stringify(printed)).not.toContain('hunter2');
    expect(printed).toMatchObject({ TURN_URLS: ['turn:a.example.org'], TURN_SECRET: MASK, TURN_TTL_S: 600 });
  });
});

describe('the server issues TURN credentials', () => {
  let server: RunningServer | undefined;
  afterEach(() => server?.close());

  it('in the registered reply, then again before they expire, each valid for the TTL', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', iceServers: [STUN], turn: TURN });
    const before = Math.floor(Date.now() / 1000);
    const { client, reply } = await registered(server.wsUrl, tabId(1));
    const [stun, turn] = reply.iceServers as { urls: unknown; username: string; credential: string }[];
    expect(stun).toEqual(STUN);
    expect(turn?.urls).toEqual(TURN.urls);
    const [expiry, peer] = (turn?.username ?? '').split(':');
    expect(peer).toBe(tabId(1));
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(TURN.ttlSeconds);
    expect(Number(expiry) - before).toBeLessThanOrEqual(TURN.ttlSeconds + 1);
    expect(turn?.credential).toBe(turnCredential(TURN.secret, tabId(1), Number(expiry)).credential);

    // Renewed at half the TTL, before the first expires, as a message the tab's schema accepts.
    const renewal = await client.next(turnRenewalMs(TURN) + 1000);
    const checked = checkServerMessage(renewal);
    expect(checked.ok).toBe(true);
    expect(renewal.type).toBe('ice-servers');
    const renewed = (renewal.iceServers as { username: string; credential: string }[])[1];
    const newExpiry = Number(renewed?.username.split(':')[0]);
    expect(newExpiry).toBeGreaterThanOrEqual(Number(expiry));
    expect(renewal.expiresAt).toBe(newExpiry * 1000);
    expect(renewed?.credential).toBe(turnCredential(TURN.secret, tabId(1), newExpiry).credential);
    await client.close();
  });

  it('sends no renewals without TURN configured', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', iceServers: [STUN] });
    const { client, reply } = await registered(server.wsUrl, tabId(2));
    expect(reply.iceServers).toEqual([STUN]);
    expect(await client.silentFor(turnRenewalMs(TURN) + 200)).toBe(true);
    await client.close();
  });
});
