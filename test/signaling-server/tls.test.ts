import { writeFileSync } from 'node:fs';
import { get, request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../signaling-server/config.js';
import { OPS_PATHS } from '../../signaling-server/ops-endpoints.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { readSettings } from '../../signaling-server/settings.js';
import { runningPort, spawnServer } from './server-process.js';
import { makeTestCertificate, type TestCertificate } from './test-certificate.js';
import { waitFor } from './wait-for.js';
import { registered, tabId } from './ws-client.js';

let cert: TestCertificate;
let other: TestCertificate;
let server: RunningServer;

beforeAll(async () => {
  cert = makeTestCertificate();
  other = makeTestCertificate();
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    tls: { cert: cert.cert, key: cert.key },
    httpRedirectPort: 0,
  });
});
afterAll(async () => {
  await server.close();
  cert.remove();
  other.remove();
});

/** A GET over HTTPS that checks the server's certificate against the test one. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('HTTPS and WSS', () => {
  it('serves HTTPS with the given certificate', async () => {
    expect(server.url).toBe(`https://127.0.0.1:${server.port}/`);
    expect(server.wsUrl).toBe(`wss://127.0.0.1:${server.port}/signal`);
    expect(await httpsGet(`${server.url}${OPS_PATHS.health.slice(1)}`, cert.cert)).toEqual({
      status: 200,
      body: 'ok\n',
    });
    // Another certificate's holder cannot vouch for this server.
    await expect(httpsGet(server.url, other.cert)).rejects.toThrow(/self.signed|certificate/i);
  });

  it('registers a tab over WSS', async () => {
    const { client, reply } = await registered(server.wsUrl, tabId(1), { ca: cert.cert });
    expect(reply).toMatchObject({ type: 'registered', peerId: tabId(1) });
    await client.close();
  });

  it('refuses plain HTTP on the TLS port', async () => {
    const status = await new Promise<number | string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/' }, (res) =>
        resolve(res.statusCode ?? 0),
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      req.end();
    });
    expect(status).not.toBe(200);
  });
});

describe('the HTTP redirect', () => {
  const redirectOf = (
    path: string,
    host: string,
  ): Promise<{ status: number; location: string | undefined }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.redirectPort, path, headers: { Host: host } },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('sends plain HTTP to the same host and path over HTTPS', async () => {
    expect(server.redirectPort).toBeGreaterThan(0);
    expect(await redirectOf('/#ignored', 'swarm.example.org:80')).toMatchObject({ status: 308 });
    expect(await redirectOf('/?a=1', 'swarm.example.org')).toEqual({
      status: 308,
      location: `https://swarm.example.org:${server.port}/?a=1`,
    });
  });

  it('refuses a Host that is not a host name', async () => {
    expect((await redirectOf('/', 'evil.example/x@y')).status).toBe(400);
  });
});

describe('TLS settings', () => {
  it('read the certificate and key files named by TLS_CERT and TLS_KEY', () => {
    const { options, tlsFiles } = readSettings({ TLS_CERT: cert.certPath, TLS_KEY: cert.keyPath });
    expect(tlsFiles).toEqual({ cert: cert.certPath, key: cert.keyPath });
    expect(resolveConfig(options).tls).toEqual({ cert: cert.cert, key: cert.key });
  });

  it('name the bad setting: a missing file, half a pair, a key of another certificate', () => {
    expect(() => readSettings({ TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: cert.keyPath })).toThrow(
      /^TLS_CERT: cannot read \/nonexistent\/cert.pem \(ENOENT\)/,
    );
    expect(() => readSettings({ TLS_CERT: cert.certPath })).toThrow(/^TLS_KEY: is required/);
    expect(() => readSettings({ TLS_KEY: cert.keyPath })).toThrow(/^TLS_CERT: is required/);
    const crossed = readSettings({ TLS_CERT: cert.certPath, TLS_KEY: other.keyPath }).options;
    expect(() => resolveConfig(crossed)).toThrow(
      /^TLS_(KEY|CERT): the certificate and key cannot be used together/,
    );
    const garbage = readSettings({ TLS_CERT: cert.keyPath, TLS_KEY: cert.keyPath }).options;
    expect(() => resolveConfig(garbage)).toThrow(/^TLS_(KEY|CERT): /);
    expect(() => resolveConfig(readSettings({ HTTP_REDIRECT_PORT: '8080' }).options)).toThrow(
      /^HTTP_REDIRECT_PORT redirects to HTTPS: set TLS_CERT and TLS_KEY/,
    );
  });
});

// `request` is kept for a HEAD over HTTPS: the endpoints answer HEAD without a body.
describe('HEAD over HTTPS', () => {
  it('answers /readyz with no body', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}${OPS_PATHS.ready.slice(1)}`,
        { method: 'HEAD', ca: cert.cert },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});

describe('a renewed certificate', () => {
  it('is served to new connections after reloadTls; an unusable pair changes nothing', async () => {
    expect(() => server.reloadTls({ cert: other.cert, key: cert.key })).toThrow(/^TLS_(KEY|CERT): /);
    expect((await httpsGet(`${server.url}${OPS_PATHS.health.slice(1)}`, cert.cert)).status).toBe(200);
    server.reloadTls({ cert: other.cert, key: other.key });
    expect((await httpsGet(`${server.url}${OPS_PATHS.health.slice(1)}`, other.cert)).status).toBe(200);
  });

  it('is picked up by the server process on SIGHUP, without a restart', async () => {
    const renewed = makeTestCertificate();
    const proc = spawnServer({
      PORT: '0',
      HOST: '127.0.0.1',
      TLS_CERT: renewed.certPath,
      TLS_KEY: renewed.keyPath,
    });
    try {
      const port = await runningPort(proc);
      const health = `https://127.0.0.1:${port}${OPS_PATHS.health}`;
      expect((await httpsGet(health, renewed.cert)).status).toBe(200);
      // Renewal: new files in place, then SIGHUP.
      writeFileSync(renewed.certPath, other.cert);
      writeFileSync(renewed.keyPath, other.key);
      proc.child.kill('SIGHUP');
      await waitFor(() => proc.lines.some((l) => l.msg === 'certificate reloaded'), 'the reload', 5_000);
      expect((await httpsGet(health, other.cert)).status).toBe(200);
      expect(proc.child.exitCode).toBe(null);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      renewed.remove();
    }
  });
});
