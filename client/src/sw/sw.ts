/**
 * tabswarm's service worker, built to /sw.js at the site root so its scope covers the page. Each
 * module answers the requests that are its own and leaves the rest to the network:
 * `app-shell.ts` keeps the page for offline use (and takes over open pages at once),
 * `media-ranges.ts` answers the players' `/stream/...` requests from the tab that holds the file.
 */
import { installAppShell, type ShellScope } from './app-shell.js';
import { mediaRanges, type ClientsLike, type FetchEventLike } from './media-ranges.js';

/** The worker's global scope as the media module sees it (the DOM typings do not describe workers). */
interface MediaScope {
  clients: ClientsLike;
  addEventListener(type: 'fetch', listener: (e: FetchEventLike) => void): void;
}

installAppShell(self as unknown as ShellScope);
const scope = self as unknown as MediaScope;
const media = mediaRanges(scope.clients);
scope.addEventListener('fetch', (e) => void media(e));
