import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from '@playwright/test';

/**
 * A page that runs the real WebTorrent browser build (the `webtorrent` package's
 * dist/webtorrent.min.js), served by the test (never shipped with the
 * app, from a server of the test's own), with a few calls a test uses the way a person uses a WebTorrent app: share a file, open a
 * magnet link, wait for the file.
 */

/** What the WebTorrent test page offers a test (window.wt). */
export interface WebTorrentPageApi {
  /** The client's peer id (hex). */
  peerId: string;
  seed(base64: string, name: string, trackers: string[]): Promise<string>;
  add(magnet: string): Promise<string>;
  throttleUpload(bytesPerSecond: number): void;
  sha256(infoHash: string): Promise<string>;
  receivedFrom(infoHash: string): Promise<Record<string, number>>;
}

declare global {
  interface Window {
    wt: WebTorrentPageApi;
    wtReady?: boolean;
  }
}

/** Where the test page and the WebTorrent build appear on the test's own static server. */
export const WEBTORRENT_PAGE = 'webtorrent-test.html';
const WEBTORRENT_SCRIPT = 'webtorrent-test.min.js';

const PAGE_HTML = `<!doctype html>
<meta charset="utf-8" />
<title>WebTorrent</title>
<script type="module">
  import WebTorrent from './${WEBTORRENT_SCRIPT}';
  // The client's options, when the test gives any (JSON in ?options=).
  const options = new URLSearchParams(location.search).get('options');
  const client = new WebTorrent(options ? JSON.parse(options) : {});
  client.on('error', (err) => console.error('[webtorrent] ' + err.message));
  const toHex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
  window.wt = {
    peerId: client.peerId,
    /** Shares bytes (base64) as a file announced to \`trackers\` only; resolves its magnet link. */
    seed: (base64, name, trackers) =>
      new Promise((resolve) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        client.seed(new File([bytes], name), { announce: trackers }, (t) => resolve(t.magnetURI));
      }),
    /** Opens a magnet link; resolves its info-hash once parsed. */
    add: (magnet) =>
      new Promise((resolve) => {
        const t = client.add(magnet);
        if (t.infoHash) resolve(t.infoHash);
        else t.once('infoHash', () => resolve(t.infoHash));
      }),
    /** Caps uploads (bytes per second). */
    throttleUpload: (rate) => client.throttleUpload(rate),
    /** Resolves the SHA-256 (hex) of the torrent's file once it is complete. */
    sha256: async (infoHash) => {
      const t = await client.get(infoHash);
      if (!t.done) await new Promise((resolve) => t.once('done', resolve));
      return toHex(await crypto.subtle.digest('SHA-256', await t.files[0].arrayBuffer()));
    },
    /** Peers of a torrent by peer id (hex) with the bytes received from each. */
    receivedFrom: async (infoHash) => {
      const t = await client.get(infoHash);
      return Object.fromEntries((t?.wires ?? []).map((w) => [w.peerId, w.downloaded]));
    },
  };
  window.wtReady = true;
</script>`;

/** A tiny static server for the WebTorrent page: at its own loopback origin, like a real site. */
export interface WebTorrentSite {
  url: string;
  close(): Promise<void>;
}

/** The WebTorrent browser build's text. */
function webTorrentScript(): Promise<Buffer> {
  return readFile(createRequire(import.meta.url).resolve('webtorrent/dist/webtorrent.min.js'));
}

/** Serves the WebTorrent test page and build on 127.0.0.1 (a free port). */
export async function startWebTorrentSite(): Promise<WebTorrentSite> {
  const script = await webTorrentScript();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === `/${WEBTORRENT_PAGE}`) res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE_HTML);
    else if (path === `/${WEBTORRENT_SCRIPT}`)
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The WebTorrent test page and build at `origin` (ending in '/') for `context` alone, answered by
 * the browser itself: where no server of the test's own is reachable (a browser in a network
 * namespace), at a real origin of that network.
 */
export async function routeWebTorrentSite(context: BrowserContext, origin: string): Promise<WebTorrentSite> {
  const script = await webTorrentScript();
  const at = (file: string) => (url: URL) => url.href.startsWith(origin) && url.pathname === `/${file}`;
  await context.route(at(WEBTORRENT_PAGE), (route) =>
    route.fulfill({ contentType: 'text/html', body: PAGE_HTML }),
  );
  await context.route(at(WEBTORRENT_SCRIPT), (route) =>
    route.fulfill({ contentType: 'text/javascript', body: script }),
  );
  return { url: origin, close: () => context.unrouteAll() };
}

/** WebTorrent client options a test may set (the rest are WebTorrent's defaults). */
export interface WebTorrentOptions {
  /** Passed to its trackers' peer connections, as WebTorrent's `tracker.rtcConfig`. */
  tracker?: { rtcConfig: { iceServers: RTCIceServer[] } };
}

/** Opens the WebTorrent page in `context` and waits until its client is up. */
export async function openWebTorrent(
  context: BrowserContext,
  site: WebTorrentSite,
  options?: WebTorrentOptions,
): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[webtorrent page error] ${err.message}`));
  const query = options ? `?options=${encodeURIComponent(JSON.stringify(options))}` : '';
  await page.goto(site.url + WEBTORRENT_PAGE + query);
  await page.waitForFunction(() => window.wtReady === true);
  return page;
}
