import { IdbPieceStore } from './adapters/idb-piece-store.js';
import { createPieceHasher } from './adapters/piece-hasher.js';
import { SimplePeerLinkFactory } from './adapters/simple-peer-link.js';
import { WebSocketSignalingSocketFactory } from './adapters/websocket-signaling-socket.js';
import { createApi, type TabswarmApi } from './api.js';
import { newPeerId, newRandom } from './app/identity.js';
import { TabNode } from './app/tab-node.js';
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

const node = new TabNode({
  peerId: newPeerId(),
  random: newRandom(),
  serverUrl,
  trackers: [serverUrl],
  store: new IdbPieceStore(),
  hasher: createPieceHasher(),
  links: new SimplePeerLinkFactory(),
  sockets: new WebSocketSignalingSocketFactory(),
  // ?tracker=off finds swarm peers through the DHT alone.
  useTracker: params.get('tracker') !== 'off',
});

const ready = node.start();
window.tabswarm = createApi(node, ready);

const app = document.createElement('ts-app') as TsApp;
app.node = node;
document.body.append(app);

// A link that opens the app directly: <page url>#magnet:?xt=...
void ready.then(() => {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith('magnet:')) node.download(hash).catch(() => {});
});
