import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { hexId, tabId, registered } from './ws-client.js';

let work: string;
let server: RunningServer;
let unbuilt: RunningServer;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tabswarm-static-'));
  const dist = join(work, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>tabswarm</title>');
  await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1);');
  await writeFile(join(dist, 'assets', 'style.css'), 'body{}');
  await writeFile(join(dist, 'assets', 'index-abc123.js.map'), '{}');
  await writeFile(join(work, 'secret.txt'), 'do not serve');
  server = await startServer({ port: 0, host: '127.0.0.1', staticDir: dist });
  unbuilt = await startServer({ port: 0, host: '127.0.0.1', staticDir: join(work, 'missing-dist') });
});
afterAll(async () => {
  await Promise.all([server.close(), unbuilt.close()]);
  await rm(work, { recursive: true, force: true });
});

/** A raw GET that does not normalise `..` the way fetch does. */
function rawGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  it('serves index.html for / and files with their content types', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>tabswarm</title>');
    const js = await fetch(`${server.url}assets/index-abc123.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('console.log(1);');
    expect((await fetch(`${server.url}assets/style.css`)).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    );
    const map = await fetch(`${server.url}assets/index-abc123.js.map`);
    expect(map.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('404s missing files and never serves outside the directory', async () => {
    expect((await fetch(`${server.url}nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}assets`)).status).toBe(404);
    expect(await rawGet(server.port, '/../secret.txt')).toBe(404);
    expect(await rawGet(server.port, '/%2e%2e/secret.txt')).toBe(404);
    expect(await rawGet(server.port, '/assets/%2e%2e/%2e%2e/secret.txt')).toBe(404);
    expect(await rawGet(server.port, '/%E0%A4%A')).toBe(404);
    expect(await rawGet(server.port, '/index.html%00.js')).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('answers 503 with a page saying to run npm run build when dist is missing', async () => {
    for (const path of ['', 'assets/index.js']) {
      const res = await fetch(unbuilt.url + path);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('npm run build');
    }
    // Signaling works regardless.
    const a = await registered(unbuilt.wsUrl, tabId(1));
    await a.client.close();
  });
});

describe('stats and upgrade routing', () => {
  it('GET /stats reports peers, swarms and relayed messages', async () => {
    const a = (await registered(server.wsUrl, tabId(1))).client;
    const b = (await registered(server.wsUrl, tabId(2))).client;
    await a.request({ type: 'announce', infoHash: hexId(9, 'c') });
    a.send({ type: 'signal', to: tabId(2), data: 'hi' });
    await b.next();
    const res = await fetch(`${server.url}stats`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toMatchObject({ connections: 2, peers: 2, swarms: 1, messagesRelayed: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/elsewhere`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(404);
    ws.terminate();
  });
});
