import { describe, expect, it } from 'vitest';
import {
  SHELL_CACHE,
  SHELL_FILES,
  assetsInPage,
  installAppShell,
  shellRoute,
  type ShellEvent,
  type ShellFetchEvent,
  type ShellScope,
} from '../../../client/src/sw/app-shell.js';

const ORIGIN = 'https://swarm.example.org';
const SCOPE = new URL(`${ORIGIN}/`);
const page = (assets: string[]) =>
  `<!doctype html><html><head>${assets.map((a) => `<script type="module" crossorigin src="${a}"></script>`).join('')}</head></html>`;

/** A Cache keyed by path, as the shell (same origin only) uses it. */
class FakeCache {
  readonly entries = new Map<string, Response>();
  constructor(private readonly scope: FakeScope) {}
  private key(r: Request | string): string {
    return new URL(typeof r === 'string' ? r : r.url, ORIGIN).pathname;
  }
  async match(r: Request | string): Promise<Response | undefined> {
    return this.entries.get(this.key(r))?.clone();
  }
  async put(r: Request | string, response: Response): Promise<void> {
    this.entries.set(this.key(r), response);
  }
  async add(r: string): Promise<void> {
    this.entries.set(this.key(r), await this.scope.fetch(r));
  }
  async addAll(rs: string[]): Promise<void> {
    for (const r of rs) await this.add(r);
  }
  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((k) => new Request(ORIGIN + k));
  }
  async delete(r: Request | string): Promise<boolean> {
    return this.entries.delete(this.key(r));
  }
}

/** A worker scope over a fake network (`files`; `online` false makes every fetch fail). */
class FakeScope implements ShellScope {
  readonly registration = { scope: SCOPE.href };
  online = true;
  files = new Map<string, string>();
  fetched: string[] = [];
  readonly cacheMap = new Map<string, FakeCache>();
  readonly caches = {
    open: async (name: string) => {
      if (!this.cacheMap.has(name)) this.cacheMap.set(name, new FakeCache(this));
      return this.cacheMap.get(name)!;
    },
    keys: async () => [...this.cacheMap.keys()],
    delete: async (name: string) => this.cacheMap.delete(name),
  } as unknown as CacheStorage;
  readonly clients = { claim: async () => {} };
  private readonly listeners = new Map<string, (e: never) => void>();

  async fetch(r: Request | string): Promise<Response> {
    const path = new URL(typeof r === 'string' ? r : r.url, ORIGIN).pathname;
    this.fetched.push(path);
    if (!this.online) throw new TypeError('Failed to fetch');
    const body = this.files.get(path);
    return body === undefined ? new Response('not found', { status: 404 }) : new Response(body);
  }
  async skipWaiting(): Promise<void> {}
  addEventListener(type: string, listener: (e: never) => void): void {
    this.listeners.set(type, listener);
  }

  async lifecycle(type: 'install' | 'activate'): Promise<void> {
    const work: Promise<unknown>[] = [];
    const e: ShellEvent = { waitUntil: (p) => work.push(p) };
    this.listeners.get(type)!(e as never);
    await Promise.all(work);
  }

  /** What the worker answers for `path`; undefined when it lets the network answer. */
  async request(path: string, method = 'GET'): Promise<Response | undefined> {
    let answer: Promise<Response> | undefined;
    const work: Promise<unknown>[] = [];
    const e: ShellFetchEvent = {
      request: new Request(ORIGIN + path, { method }),
      respondWith: (r) => (answer = r),
      waitUntil: (p) => work.push(p),
    };
    this.listeners.get('fetch')!(e as never);
    return answer;
  }
}

function network(assets: string[]): FakeScope {
  const scope = new FakeScope();
  scope.files.set('/', page(assets));
  for (const f of SHELL_FILES.filter((f) => f !== '/')) scope.files.set(f, f);
  for (const a of assets) scope.files.set(a, `code of ${a}`);
  installAppShell(scope);
  return scope;
}

describe('shellRoute and assetsInPage', () => {
  it('takes the page and its assets, and leaves everything else to the network', () => {
    const route = (path: string, method = 'GET', base = ORIGIN) =>
      shellRoute(new URL(path, base), SCOPE, method);
    expect(route('/')).toBe('page');
    expect(route('/?tracker=off')).toBe('page');
    expect(route('/index.html')).toBe('page');
    expect(route('/assets/main-abc.js')).toBe('asset');
    expect(route('/icons/icon-192.png')).toBe('asset');
    expect(route('/signal')).toBe('network');
    expect(route('/metrics')).toBe('network');
    expect(route('/assets/main-abc.js', 'POST')).toBe('network');
    expect(route('/assets/x.js', 'GET', 'https://elsewhere.example')).toBe('network');
  });

  it('finds each built asset a page names once', () => {
    const html = `${page(['/assets/a-1.js', '/assets/a-1.js'])}<link rel="stylesheet" href="/assets/b-2.css"><link href="/icons/icon.svg">`;
    expect(assetsInPage(html)).toEqual(['/assets/a-1.js', '/assets/b-2.css']);
  });
});

describe('installAppShell', () => {
  it('keeps the shell at install, and opens the page offline from it', async () => {
    const scope = network(['/assets/main-1.js']);
    await scope.lifecycle('install');
    await scope.lifecycle('activate');
    scope.online = false;
    expect(await (await scope.request('/?tracker=off'))!.text()).toBe(page(['/assets/main-1.js']));
    expect(await (await scope.request('/assets/main-1.js'))!.text()).toBe('code of /assets/main-1.js');
    expect(await (await scope.request('/manifest.webmanifest'))!.text()).toBe('/manifest.webmanifest');
    expect(await scope.request('/signal')).toBeUndefined();
  });

  it('online, the page comes from the network, and a new build replaces the old assets', async () => {
    const scope = network(['/assets/main-1.js']);
    await scope.lifecycle('install');
    scope.files.set('/', page(['/assets/main-2.js']));
    scope.files.set('/assets/main-2.js', 'new code');
    expect(await (await scope.request('/'))!.text()).toBe(page(['/assets/main-2.js']));
    const cache = scope.cacheMap.get(SHELL_CACHE)!;
    await expect.poll(() => cache.entries.has('/assets/main-2.js')).toBe(true);
    expect(cache.entries.has('/assets/main-1.js')).toBe(false);
  });

  it('offline with nothing kept, the page fails as it would without a worker', async () => {
    const scope = network([]);
    scope.online = false;
    await expect(scope.request('/')).rejects.toThrow('Failed to fetch');
  });

  it('drops the caches of older shells when it activates', async () => {
    const scope = network([]);
    await scope.caches.open('tabswarm-shell-v0');
    await scope.caches.open('someone-else');
    await scope.lifecycle('install');
    await scope.lifecycle('activate');
    expect([...scope.cacheMap.keys()].sort()).toEqual(['someone-else', SHELL_CACHE]);
  });
});
