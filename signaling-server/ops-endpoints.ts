import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import type { ServerStats } from './server.js';

/** Paths of the operator endpoints. */
export const OPS_PATHS = {
  /** JSON counters. */
  stats: '/stats',
  /** The same counters and the process's, in the Prometheus text format. */
  metrics: '/metrics',
  /** Liveness: 200 while the process serves HTTP at all. */
  health: '/healthz',
  /** Readiness: 200 while the server takes new sockets, 503 while it drains. */
  ready: '/readyz',
} as const;

/** What the endpoints read. */
export interface OpsSources {
  stats: () => ServerStats;
  metrics: Metrics;
  ready: () => boolean;
}

/**
 * Answers GET/HEAD on the operator endpoints; returns false for any other request (the caller
 * serves it). Nothing here names a peer or an address: the endpoints are open to all.
 */
export function serveOps(
  sources: OpsSources,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const head = req.method === 'HEAD';
  switch (path) {
    case OPS_PATHS.stats:
      send(res, head, 200, 'application/json; charset=utf-8', JSON.stringify(sources.stats()));
      return true;
    case OPS_PATHS.health:
      send(res, head, 200, 'text/plain; charset=utf-8', 'ok\n');
      return true;
    case OPS_PATHS.ready: {
      const ready = sources.ready();
      send(res, head, ready ? 200 : 503, 'text/plain; charset=utf-8', ready ? 'ready\n' : 'draining\n');
      return true;
    }
    case OPS_PATHS.metrics:
      sources.metrics.text().then(
        (body) => send(res, head, 200, sources.metrics.contentType, body),
        () => send(res, head, 500, 'text/plain; charset=utf-8', 'metrics failed\n'),
      );
      return true;
    default:
      return false;
  }
}

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : body);
}
