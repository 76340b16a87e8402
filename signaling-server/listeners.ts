import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The main listener: HTTPS when the config has a certificate, plain HTTP otherwise. */
export function createWebServer(config: ServerConfig, onRequest: Handler): Server {
  const http = {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: config.httpTimeoutCheckMs,
  };
  const server: Server =
    config.tls === undefined
      ? createHttpServer(http, onRequest)
      : createHttpsServer({ ...http, cert: config.tls.cert, key: config.tls.key }, onRequest);
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.maxConnections = config.maxTcpConnections;
  return server;
}

/** Starts listening; rejects with the listen error (EADDRINUSE, EACCES, ...). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * A plain-HTTP listener that sends every request to the same host and path over HTTPS on
 * `httpsPort` (308, so a method and body survive). The host comes from the request's `Host`
 * header, checked to be a host name or address so the answer cannot point elsewhere.
 */
export function createRedirectServer(config: ServerConfig, httpsPort: () => number): Server {
  const server = createHttpServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: config.httpTimeoutCheckMs,
    },
    (req, res) => {
      const host = hostName(req.headers.host);
      if (host === undefined || !(req.url ?? '').startsWith('/')) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end('this port redirects to https; the request has no usable Host\n');
        return;
      }
      const port = httpsPort();
      const location = `https://${host}${port === 443 ? '' : `:${port}`}${req.url ?? '/'}`;
      res.writeHead(308, { Location: location, 'Content-Length': 0, Connection: 'close' });
      res.end();
    },
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  return server;
}

/** `example.org:80` -> `example.org`, `[::1]:80` -> `[::1]`; undefined for anything else. */
export function hostName(header: string | undefined): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header ?? '');
  return m?.[1];
}
