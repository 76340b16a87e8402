import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerOptions } from '../../signaling-server/config.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { tabId, registered } from './ws-client.js';

const PUBLIC_ORIGIN = 'https://swarm.example.org';
const OTHER_ORIGIN = 'https://evil.example.net';

const servers: RunningServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function serve(options: Partial<ServerOptions>): Promise<RunningServer> {
  const s = await startServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(s);
  return s;
}

/** The HTTP status an upgrade gets: 101 when the socket opens. */
function upgradeStatus(wsUrl: string, origin: string | undefined): Promise<number> {
  const ws = new WebSocket(wsUrl, origin === undefined ? {} : { origin });
  return new Promise<number>((resolve) => {
    ws.on('open', () => resolve(101));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  }).finally(() => ws.terminate());
}

describe('Origin allow-list', () => {
  it('lets only listed origins open a WebSocket, and clients that send no Origin', async () => {
    const s = await serve({ allowedOrigins: [PUBLIC_ORIGIN, 'http://localhost:8080'] });
    expect(await upgradeStatus(s.wsUrl, PUBLIC_ORIGIN)).toBe(101);
    expect(await upgradeStatus(s.wsUrl, 'http://localhost:8080')).toBe(101);
    expect(await upgradeStatus(s.wsUrl, OTHER_ORIGIN)).toBe(403);
    expect(await upgradeStatus(s.wsUrl, 'null')).toBe(403);
    expect(await upgradeStatus(s.wsUrl, undefined)).toBe(101);
    expect(s.stats().originsRefused).toBe(2);
    // Pages themselves are served to anyone.
    expect((await fetch(`${s.url}stats`, { headers: { Origin: OTHER_ORIGIN } })).status).toBe(200);
    await (await registered(s.wsUrl, tabId(1))).client.close();
  });

  it('defaults to the origin of PUBLIC_URL when one is set', async () => {
    const s = await serve({ publicUrl: `${PUBLIC_ORIGIN}/app/` });
    expect(await upgradeStatus(s.wsUrl, PUBLIC_ORIGIN)).toBe(101);
    expect(await upgradeStatus(s.wsUrl, OTHER_ORIGIN)).toBe(403);
  });

  it('allows any origin with no public URL, or with *', async () => {
    const open = await serve({});
    expect(await upgradeStatus(open.wsUrl, OTHER_ORIGIN)).toBe(101);
    const star = await serve({ publicUrl: PUBLIC_ORIGIN, allowedOrigins: ['*'] });
    expect(await upgradeStatus(star.wsUrl, OTHER_ORIGIN)).toBe(101);
  });
});
