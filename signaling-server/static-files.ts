import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

/** Content types of what a Vite build emits. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tabswarm: client not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>The tabswarm client has not been built</h1>
<p>The signaling server is running, but there is no built client to serve.</p>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds and then starts the server),
then reload this page.</p>
</body></html>
`;

function sendText(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(head ? undefined : body);
}

async function isFile(path: string): Promise<{ size: number } | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Maps a URL path to a file under `root`, or undefined if it is malformed or escapes `root`. */
function resolveUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = resolve(join(root, relative));
  return full.startsWith(root + sep) ? full : undefined;
}

/**
 * Serves the built client from `staticDir`: GET/HEAD only, `/` is index.html, nothing outside
 * the directory. While the directory is missing every request gets a 503 page saying to build.
 * `path` is the request's already parsed URL path.
 */
export function createStaticHandler(
  staticDir: string,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const root = resolve(staticDir);
  return async (req, res, path) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false);
      return;
    }
    if (!(await isDirectory(root))) {
      sendText(res, 503, 'text/html; charset=utf-8', NOT_BUILT_PAGE, head);
      return;
    }
    const file = resolveUnder(root, path);
    const info = file === undefined ? undefined : await isFile(file);
    if (file === undefined || info === undefined) {
      sendText(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
      return;
    }
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Vite names files under assets/ by content hash, so they never change; the rest may.
    const immutable = path.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': info.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (head) {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
