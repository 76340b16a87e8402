import { isStreamOpen } from '../sw/stream-messages.js';
import { MediaStreams, type StreamPort } from './media-streams.js';
import { registerServiceWorker } from './service-worker.js';
import type { TabNode } from './tab-node.js';

/**
 * Registers the service worker and answers the streams it opens from this tab's transfers. Files
 * show as playable (TransferView.media) once the worker controls the page. Without service
 * workers (plain http from another machine) nothing streams; files still download.
 */
export async function startStreaming(
  node: TabNode,
  container: ServiceWorkerContainer | undefined,
): Promise<MediaStreams | undefined> {
  if (!container) return undefined;
  const streams = new MediaStreams({
    source: (infoHash) => node.transfers.get(infoHash),
    notice: (level, text, code) => node.notices.add(level, text, code),
    clearNotice: (code) => node.notices.clear(code),
  });
  container.addEventListener('message', (e: MessageEvent) => {
    const port = e.ports[0];
    if (isStreamOpen(e.data) && port) streams.serve(port as unknown as StreamPort, e.data);
  });
  container.startMessages();
  const update = (): void => node.transfers.setStreaming(container.controller !== null);
  container.addEventListener('controllerchange', update);
  update();
  await registerServiceWorker(container);
  return streams;
}
