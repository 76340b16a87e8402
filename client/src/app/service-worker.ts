/** Where the service worker is served (the site root, so its scope is the whole page). */
export const SERVICE_WORKER_URL = '/sw.js';

/** The part of `navigator.serviceWorker` used here. */
export interface ServiceWorkerHost {
  register(url: string, options?: { scope?: string; type?: 'classic' | 'module' }): Promise<unknown>;
}

/**
 * Registers the service worker (the app shell for offline use, media streams). Resolves whether it is
 * registered; false without service workers (plain http from another machine) or on failure,
 * when the page simply needs the network to open.
 */
export async function registerServiceWorker(host: ServiceWorkerHost | undefined): Promise<boolean> {
  if (host === undefined) return false;
  try {
    // A module worker: the build shares chunks between the page and the worker.
    await host.register(SERVICE_WORKER_URL, { type: 'module', scope: '/' });
    return true;
  } catch {
    return false;
  }
}
