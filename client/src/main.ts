import { createApi, type TabswarmApi } from './api.js';
import { detectCapabilities } from './app/page-features.js';
import { browserPageAttention } from './adapters/page-attention.js';
import { FinishAlerts } from './app/finish-alerts.js';
import { startStreaming } from './app/stream-worker.js';
import { createNode } from './lib/create-node.js';
import type { TsApp } from './ui/ts-app.js';
import './ui/ts-app.js';

declare global {
  interface Window {
    tabswarm: TabswarmApi;
  }
}

// The signaling server serves this page, so it is at the same origin unless ?server= says otherwise.
const params = new URLSearchParams(location.search);
const wsBase = location.origin.replace(/^http/, 'ws');
// ?server=URL,URL lists several processes of one deployment: the tab moves on when one is lost.
const [serverUrl = `${wsBase}/signal`, ...moreServerUrls] = (params.get('server') ?? '')
  .split(',')
  .filter((u) => u !== '');

// The page is one app on the library (client/src/lib/): the browser's adapters, and a key pair
// held (a Web Lock) for the page's life; the browser releases it on unload.
const lib = await createNode({
  server: serverUrl,
  moreServers: moreServerUrls,
  // Every magnet lists the server (a tabswarm and a WebTorrent tracker), then ?trackers= (comma-separated).
  trackers: (params.get('trackers') ?? '').split(',').filter((t) => t !== ''),
  // ?tracker=off finds swarm peers through the DHT alone.
  useTracker: params.get('tracker') !== 'off',
  ...numberParam('connections', (v) => ({ connectionBudget: v })),
  ...numberParam('uploadLimit', (v) => ({ uploadLimit: v })),
  ...numberParam('relayUploadLimit', (v) => ({ relayUploadLimit: v })),
  ...numberParam('metadataPatience', (v) => ({ metadataPatienceMs: v })),
  dht: dhtParams(),
  // Storage figures, and persistence asked for the first time a person shares.
  storage: navigator.storage,
});

/** `?name=123` as options, if present and a positive number. */
function numberParam<T>(name: string, make: (v: number) => T): T | object {
  const v = Number(params.get(name));
  return Number.isFinite(v) && v > 0 ? make(v) : {};
}

/** DHT overrides from `?dht.<option>=<number>` (e.g. `?dht.targetConnections=2`). */
function dhtParams(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of params) {
    const v = Number(value);
    if (key.startsWith('dht.') && Number.isFinite(v) && v > 0) out[key.slice(4)] = v;
  }
  return out;
}

const node = lib.engine;
const ready = lib.ready;
window.tabswarm = createApi(lib);

// Plain http from another machine is not a secure context: the page says what that turns off.
const capabilities = detectCapabilities(window);
const app = document.createElement('ts-app') as TsApp;
app.node = node;
app.capabilities = capabilities;
// A download finished while the tab is in the background says so: in the title, and by notification.
app.alerts = new FinishAlerts(node, browserPageAttention());

document.body.append(app);

// The service worker (client/src/sw/), where the browser has them (secure contexts): the app shell
// kept for offline use, and players fetching files while they download.
if (capabilities.serviceWorker)
  startStreaming(node, navigator.serviceWorker).catch((err: unknown) =>
    console.warn('no service worker:', err),
  );

// A link that opens the app directly: <page url>#magnet:?xt=... (also when pasted into an open tab).
function openFromHash(): void {
  const hash = location.hash.slice(1);
  if (/^magnet(:|%3A)/i.test(hash)) node.download(location.href).catch(() => {});
}
void ready.then(openFromHash);
window.addEventListener('hashchange', openFromHash);
