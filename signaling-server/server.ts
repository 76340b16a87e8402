import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { clientAddress } from './client-address.js';
import { checkTls, resolveConfig, type ServerConfig, type ServerOptions, type TlsFiles } from './config.js';
import type { HubStore } from './hub-store.js';
import { MemoryBackplane, MemoryHubStore } from './memory-hub-store.js';
import { RedisHubStore } from './redis-hub-store.js';
import { SignalingHub, type HubStats } from './hub.js';
import { createRedirectServer, createWebServer, listen } from './listeners.js';
import { createMetrics } from './metrics.js';
import { OPS_PATHS, serveOps } from './ops-endpoints.js';
import { originAllowed } from './origin-policy.js';
import { requestPath } from './request-path.js';
import { createStaticHandler } from './static-files.js';

/** Path of the WebSocket endpoint. */
export const SIGNAL_PATH = '/signal';
/** Path of the JSON counters. */
export const STATS_PATH = OPS_PATHS.stats;

/** Counters served at GET /stats: the hub's plus the HTTP side's. */
export interface ServerStats extends HubStats {
  /** Requests answered 400 (unparseable) or 408/431 by the HTTP parser. */
  badRequests: number;
  /** WebSocket upgrades refused 403 because their Origin is not allowed. */
  originsRefused: number;
}

/** A running server. */
export interface RunningServer {
  /** Page URL, e.g. `http://localhost:8080/` (`https://` with TLS; the bound address when a specific host was given). */
  url: string;
  /** WebSocket URL of the signaling endpoint, e.g. `ws://localhost:8080/signal` (`wss://` with TLS). */
  wsUrl: string;
  /** The bound port (useful with port 0). */
  port: number;
  /** The bound port of the HTTP-to-HTTPS redirect, when there is one. */
  redirectPort: number | undefined;
  /** Current counters (the same as GET /stats). */
  stats(): ServerStats;
  /** False from the moment a drain starts (GET /readyz answers 503). */
  ready(): boolean;
  /**
   * Drains: unready at once (new WebSockets are refused with 503), after `drainDelayMs` every
   * tab is told to reconnect later (close 1012) and the listeners stop; resolves when all is
   * closed, or after `drainTimeoutMs` with whatever is left cut.
   */
  drain(): Promise<void>;
  /**
   * Serves new TLS connections with another certificate and key (a renewed one); open
   * connections keep theirs. Throws, changing nothing, if the pair is unusable or there is no TLS.
   */
  reloadTls(tls: TlsFiles): void;
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
  503: 'Service Unavailable',
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

/** The hub store the settings ask for: Redis with REDIS_URL, else this process's memory. */
function createHubStore(config: ServerConfig): HubStore {
  const limits = { maxSwarmsPerPeer: config.maxSwarmsPerPeer, maxSwarmsPerOwner: config.maxSwarmsPerAddress };
  if (config.redisUrl === undefined)
    return new MemoryHubStore(new MemoryBackplane(limits, config.random), { leaseMs: config.hubLeaseMs });
  return new RedisHubStore({
    ...limits,
    url: config.redisUrl,
    prefix: config.redisPrefix,
    leaseMs: config.hubLeaseMs,
    random: config.random,
    log: config.log,
  });
}

/** Keeps the process alive on purpose: a drain holds it until done (and bounds itself). */
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the one process tabswarm needs: the built client over HTTP (or HTTPS), the signaling
 * WebSocket at /signal and the operator endpoints (/stats, /metrics, /healthz, /readyz), all on
 * one port; with TLS and a redirect port, a plain-HTTP listener that redirects to it.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const config = resolveConfig(options);
  const store = options.hubStore ?? createHubStore(config);
  const hub = new SignalingHub(config, store);
  await store.start(hub.storeEvents);
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
  let draining = false;
  const ready = (): boolean => !draining;
  const ops = { stats, metrics: createMetrics(stats, ready), ready };
  const logInternal = (what: string, err: unknown): void => {
    counters.internalErrors++;
    config.log.error('internal error', { where: what, error: describeError(err) });
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = requestPath(req.url);
    if (path === undefined) {
      counters.badRequests++;
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end('bad request target\n');
      return;
    }
    if (serveOps(ops, req, res, path)) return;
    serveStatic(req, res, path).catch((err: unknown) => {
      config.log.warn('static file failed', { error: err instanceof Error ? err.message : String(err) });
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
    // A draining server takes no new sockets, on any path.
    if (draining) {
      refuse(socket, 503);
      return;
    }
    if (path !== SIGNAL_PATH) {
      refuse(socket, 404);
      return;
    }
    if (!originAllowed(config.allowedOrigins, req.headers.origin)) {
      counters.originsRefused++;
      config.log.info('refused a WebSocket for its origin', { origin: req.headers.origin });
      refuse(socket, 403);
      return;
    }
    const address = clientAddress(req, config.trustProxy);
    wss.handleUpgrade(req, socket, head, (ws) => hub.handleConnection(ws, address));
  };

  const server = createWebServer(config, onRequest);
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

  const port = await listen(server, config.port, config.host);
  const listeners: Server[] = [server];
  let redirectPort: number | undefined;
  if (config.httpRedirectPort !== undefined) {
    const redirect = createRedirectServer(config, () => port);
    redirectPort = await listen(redirect, config.httpRedirectPort, config.host).catch(
      async (err: unknown) => {
        await new Promise((r) => server.close(r));
        throw err;
      },
    );
    listeners.push(redirect);
  }

  const host = displayHost(config.host);
  const secure = config.tls !== undefined;
  let closing: Promise<void> | undefined;
  let drained: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      hub.close();
      // This process's registrations go at once; a killed process's lapse with its lease.
      await store.release();
      await store.close();
      wss.close();
      await Promise.all(
        listeners.map(
          (l) =>
            new Promise<void>((resolve) => {
              l.close(() => resolve());
              l.closeAllConnections();
            }),
        ),
      );
    })();
    return closing;
  };
  const drain = (): Promise<void> => {
    drained ??= (async () => {
      draining = true;
      config.log.info('draining', { delayMs: config.drainDelayMs, timeoutMs: config.drainTimeoutMs });
      const work = (async () => {
        await sleep(config.drainDelayMs);
        hub.drain();
        for (const l of listeners) {
          l.close();
          l.closeIdleConnections();
        }
        while (hub.socketCount > 0) await sleep(20);
      })();
      let bound: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([work, new Promise((r) => (bound = setTimeout(r, config.drainTimeoutMs)))]);
      clearTimeout(bound);
      await close();
      config.log.info('drained', { socketsLeft: hub.socketCount });
    })();
    return drained;
  };
  return {
    url: `${secure ? 'https' : 'http'}://${host}:${port}/`,
    wsUrl: `${secure ? 'wss' : 'ws'}://${host}:${port}${SIGNAL_PATH}`,
    port,
    redirectPort,
    stats,
    ready,
    drain,
    reloadTls: (tls) => {
      if (!secure)
        throw new Error('TLS_CERT: the server was started without TLS; restart it with TLS_CERT and TLS_KEY');
      checkTls(tls);
      (server as HttpsServer).setSecureContext({ cert: tls.cert, key: tls.key });
      config.log.info('certificate reloaded');
    },
    close,
  };
}
