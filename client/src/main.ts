import { blobFileReader } from './adapters/file-reader.js';
import { browserFileSaver } from './adapters/file-saver.js';
import { IdbPieceStore } from './adapters/idb-piece-store.js';
import { createPieceHasher } from './adapters/piece-hasher.js';
import { SimplePeerLinkFactory } from './adapters/simple-peer-link.js';
import { WebSocketSignalingSocketFactory } from './adapters/websocket-signaling-socket.js';
import { createApi, type TabswarmApi } from './api.js';
import { claimIdentity, newRandom } from './app/identity.js';
import { detectCapabilities } from './app/page-features.js';
import { requestPersistentStorage } from './adapters/persistent-storage.js';
import { TabNode } from './app/tab-node.js';
import { startStreaming } from './app/stream-worker.js';
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
const serverUrl = params.get('server') ?? `${wsBase}/signal`;

// The key pair is held (a Web Lock) for the page's life; the browser releases it on unload.
const { identity } = await claimIdentity();

const node = new TabNode({
  identity,
  random: newRandom(),
  serverUrl,
  // Every magnet lists the server (a tabswarm and a WebTorrent tracker), then ?trackers= (comma-separated).
  trackers: [serverUrl, ...(params.get('trackers') ?? '').split(',').filter((t) => t !== '')],
  store: new IdbPieceStore(),
  hasher: createPieceHasher(),
  reader: blobFileReader,
  saver: browserFileSaver,
  links: new SimplePeerLinkFactory(),
  sockets: new WebSocketSignalingSocketFactory(),
  // ?tracker=off finds swarm peers through the DHT alone.
  useTracker: params.get('tracker') !== 'off',
  ...numberParam('connections', (v) => ({ connectionBudget: v })),
  ...numberParam('uploadLimit', (v) => ({ uploadLimit: v })),
  ...numberParam('relayUploadLimit', (v) => ({ relayUploadLimit: v })),
  ...numberParam('metadataPatience', (v) => ({ metadataPatienceMs: v })),
  dht: dhtParams(),
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

const ready = node.start();
window.tabswarm = createApi(node, ready);
// Players fetch files through the service worker while they download (see client/src/sw/).
startStreaming(node, navigator.serviceWorker).catch((err: unknown) => console.warn('no streaming:', err));

// Plain http from another machine is not a secure context: the page says what that turns off.
const capabilities = detectCapabilities(window);
const app = document.createElement('ts-app') as TsApp;
app.node = node;
app.capabilities = capabilities;

// Once the tab holds pieces, ask the browser to keep them when space runs low.
if (capabilities.persistentStorage) {
  const askOnce = (): void => {
    if (node.view().transfers.length === 0) return;
    node.off('change', askOnce);
    void requestPersistentStorage(navigator.storage);
  };
  node.on('change', askOnce);
}
document.body.append(app);

// A link that opens the app directly: <page url>#magnet:?xt=... (also when pasted into an open tab).
function openFromHash(): void {
  const hash = location.hash.slice(1);
  if (/^magnet(:|%3A)/i.test(hash)) node.download(location.href).catch(() => {});
}
void ready.then(openFromHash);
window.addEventListener('hashchange', openFromHash);
