import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { clientAddress } from './client-address.js';
import { resolveConfig, type ServerOptions } from './config.js';
import { SignalingHub, type HubStats } from './hub.js';
import { originAllowed } from './origin-policy.js';
import { requestPath } from './request-path.js';
import { createStaticHandler } from './static-files.js';

/** Path of the WebSocket endpoint. */
export const SIGNAL_PATH = '/signal';
/** Path of the JSON counters. */
export const STATS_PATH = '/stats';

/** Counters served at GET /stats: the hub's plus the HTTP side's. */
export interface ServerStats extends HubStats {
  /** Requests answered 400 (unparseable) or 408/431 by the HTTP parser. */
  badRequests: number;
  /** WebSocket upgrades refused 403 because their Origin is not allowed. */
  originsRefused: number;
}

/** A running server. */
export interface RunningServer {
  /** Page URL, e.g. `http://localhost:8080/` (the bound address when a specific host was given). */
  url: string;
  /** WebSocket URL of the signaling endpoint, e.g. `ws://localhost:8080/signal`. */
  wsUrl: string;
  /** The bound port (useful with port 0). */
  port: number;
  /** Current counters (the same as GET /stats). */
  stats(): ServerStats;
  /** Closes every socket and stops listening. */
  close(): Promise<void>;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

/** Answers on a raw socket (no ServerResponse exists for upgrades and parse errors) and closes it. */
function refuse(socket: Duplex, status: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

const describeError = (err: unknown): string =>
  err instanceof Error ? (err.stack ?? err.message) : String(err);

/**
 * Starts the one process tabswarm needs: the built client over HTTP, the signaling WebSocket at
 * /signal and GET /stats, all on one port.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const config = resolveConfig(options);
  const hub = new SignalingHub(config);
  const serveStatic = createStaticHandler(config.staticDir);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxPayload,
    perMessageDeflate: false,
  });
  const counters = { badRequests: 0, originsRefused: 0, internalErrors: 0 };
  const stats = (): ServerStats => {
    const h = hub.stats();
    return { ...h, ...counters, internalErrors: h.internalErrors + counters.internalErrors };
  };
  const logInternal = (what: string, err: unknown): void => {
    counters.internalErrors++;
    config.log(`internal error in ${what}: ${describeError(err)}`);
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = requestPath(req.url);
    if (path === undefined) {
      counters.badRequests++;
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end('bad request target\n');
      return;
    }
    if (path === STATS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify(stats());
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    serveStatic(req, res, path).catch((err: unknown) => {
      config.log(`static: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };

  // One bad request never ends the process: whatever escapes a handler is logged and costs only
  // that request's connection.
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      route(req, res);
    } catch (err) {
      logInternal(`request ${req.method ?? '?'} ${JSON.stringify(req.url)}`, err);
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { Connection: 'close' }).end();
    }
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = requestPath(req.url);
    if (path === undefined) {
      counters.badRequests++;
      refuse(socket, 400);
      return;
    }
    if (path !== SIGNAL_PATH) {
      refuse(socket, 404);
      return;
    }
    if (!originAllowed(config.allowedOrigins, req.headers.origin)) {
      counters.originsRefused++;
      config.log(`refused a WebSocket from origin ${JSON.stringify(req.headers.origin)}`);
      refuse(socket, 403);
      return;
    }
    const address = clientAddress(req, config.trustProxy);
    wss.handleUpgrade(req, socket, head, (ws) => hub.handleConnection(ws, address));
  };

  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: config.httpTimeoutCheckMs,
    },
    onRequest,
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.maxConnections = config.maxTcpConnections;
  // What Node's parser cannot parse (or times out) is answered, not just dropped.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    counters.badRequests++;
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    refuse(socket, status);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      upgrade(req, socket, head);
    } catch (err) {
      logInternal(`upgrade ${JSON.stringify(req.url)}`, err);
      refuse(socket, 500);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const host = displayHost(config.host);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/`,
    wsUrl: `ws://${host}:${port}${SIGNAL_PATH}`,
    port,
    stats,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        hub.close();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
