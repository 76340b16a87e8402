/**
 * The app shell offline: the page, its scripts and styles, the manifest and icons are kept in a
 * cache so the page opens without a network. Pages are fetched from the network first (a new
 * build is seen at once) and from the cache when offline; built assets, named by content hash,
 * from the cache first. Nothing else is touched: the signaling socket, the server's operator
 * endpoints, other origins and anything but GET go to the network as they would without a worker.
 */

/** The cache of this version of the shell; older `tabswarm-shell-*` caches are deleted. */
export const SHELL_CACHE = 'tabswarm-shell-v1';
/** What the shell is besides the built assets the page names. */
export const SHELL_FILES = [
  '/',
  '/manifest.webmanifest',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
];

/** How the shell treats a request. */
export type ShellRoute = 'page' | 'asset' | 'network';

/** Whether a GET request to `url` is the page (any query), a cached asset, or left to the network. */
export function shellRoute(url: URL, scope: URL, method: string): ShellRoute {
  if (method !== 'GET' || url.origin !== scope.origin) return 'network';
  if (url.pathname === '/' || url.pathname === '/index.html') return 'page';
  if (url.pathname.startsWith('/assets/') || SHELL_FILES.includes(url.pathname)) return 'asset';
  return 'network';
}

/** The built assets a page names (`/assets/...` in `src` and `href`), each once. */
export function assetsInPage(html: string): string[] {
  const found = new Set<string>();
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"?#]+)"/g)) if (m[1]) found.add(m[1]);
  return [...found];
}

/** The parts of a service worker's events the shell uses (the DOM typings have no worker scope). */
export interface ShellEvent {
  waitUntil(work: Promise<unknown>): void;
}
export interface ShellFetchEvent extends ShellEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
export interface ShellScope {
  readonly registration: { readonly scope: string };
  readonly caches: CacheStorage;
  fetch(request: Request | string): Promise<Response>;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (e: ShellEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: ShellFetchEvent) => void): void;
}

/** Caches the page and what it names, and drops assets the page no longer names. */
async function keepPage(scope: ShellScope, page: Response): Promise<void> {
  const cache = await scope.caches.open(SHELL_CACHE);
  const html = await page.clone().text();
  await cache.put('/', page);
  const assets = assetsInPage(html);
  await Promise.all(
    assets.map(async (path) => {
      if (!(await cache.match(path))) await cache.add(path);
    }),
  );
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/assets/') && !assets.includes(path)) await cache.delete(request);
  }
}

/** The network's answer, or the cached page when there is no network. */
async function page(scope: ShellScope, request: Request): Promise<Response> {
  try {
    const response = await scope.fetch(request);
    if (response.ok && new URL(request.url).pathname === '/')
      await keepPage(scope, response.clone()).catch(() => {});
    return response;
  } catch (err) {
    const cached = await (await scope.caches.open(SHELL_CACHE)).match('/');
    if (cached) return cached;
    throw err;
  }
}

/** The cached asset, else the network's (kept for next time). */
async function asset(scope: ShellScope, request: Request): Promise<Response> {
  const cache = await scope.caches.open(SHELL_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await scope.fetch(request);
  if (response.ok) await cache.put(request, response.clone()).catch(() => {});
  return response;
}

/** Installs the app shell on a service worker's scope. */
export function installAppShell(scope: ShellScope): void {
  scope.addEventListener('install', (e) => {
    e.waitUntil(
      (async () => {
        const cache = await scope.caches.open(SHELL_CACHE);
        await cache.addAll(SHELL_FILES.filter((f) => f !== '/'));
        await keepPage(scope, await scope.fetch('/'));
        await scope.skipWaiting();
      })(),
    );
  });
  scope.addEventListener('activate', (e) => {
    e.waitUntil(
      (async () => {
        for (const name of await scope.caches.keys())
          if (name.startsWith('tabswarm-shell-') && name !== SHELL_CACHE) await scope.caches.delete(name);
        await scope.clients.claim();
      })(),
    );
  });
  scope.addEventListener('fetch', (e) => {
    const url = new URL(e.request.url);
    const route = shellRoute(url, new URL(scope.registration.scope), e.request.method);
    if (route === 'page') e.respondWith(page(scope, e.request));
    else if (route === 'asset') e.respondWith(asset(scope, e.request));
  });
}
