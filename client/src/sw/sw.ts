/**
 * tabswarm's service worker, served at the site root so its scope covers the page. Each module
 * of it answers the requests that are its own and leaves the rest to the network:
 * `media-ranges.ts` answers the players' `/stream/...` requests from the tab that holds the file.
 */
import { mediaRanges, type ClientsLike, type FetchEventLike } from './media-ranges.js';

/** The worker's global scope (the part used here; the DOM typings do not describe workers). */
interface WorkerScope {
  clients: ClientsLike & { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(
    type: 'install' | 'activate',
    listener: (e: { waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
  addEventListener(type: 'fetch', listener: (e: FetchEventLike) => void): void;
}

const scope = self as unknown as WorkerScope;

// A new worker takes over at once, and controls the pages already open: the page that registered
// it can play a file without a reload.
scope.addEventListener('install', (e) => e.waitUntil(scope.skipWaiting()));
scope.addEventListener('activate', (e) => e.waitUntil(scope.clients.claim()));

const media = mediaRanges(scope.clients);
scope.addEventListener('fetch', (e) => void media(e));
