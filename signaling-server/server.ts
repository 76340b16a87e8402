import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { resolveConfig, type ServerOptions } from './config.js';
import { SignalingHub, type HubStats } from './hub.js';
import { createStaticHandler } from './static-files.js';

/** Path of the WebSocket endpoint. */
export const SIGNAL_PATH = '/signal';
/** Path of the JSON counters. */
export const STATS_PATH = '/stats';

/** A running server. */
export interface RunningServer {
  /** Page URL, e.g. `http://localhost:8080/` (the bound address when a specific host was given). */
  url: string;
  /** WebSocket URL of the signaling endpoint, e.g. `ws://localhost:8080/signal`. */
  wsUrl: string;
  /** The bound port (useful with port 0). */
  port: number;
  /** Current counters (the same as GET /stats). */
  stats(): HubStats;
  /** Closes every socket and stops listening. */
  close(): Promise<void>;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

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

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === STATS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify(hub.stats());
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    serveStatic(req, res).catch((err: unknown) => {
      config.log(`static: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };

  const server = createServer(onRequest);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== SIGNAL_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.handleConnection(ws));
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
    stats: () => hub.stats(),
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
