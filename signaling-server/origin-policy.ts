import type { ServerConfig } from './config.js';

/**
 * Whether a WebSocket upgrade with this Origin header may connect. Browsers always send Origin on
 * a WebSocket handshake, so the allow-list keeps other sites' pages from using this server; a
 * request without one comes from a non-browser client, which could forge any Origin anyway, so
 * it is let through.
 */
export function originAllowed(allowed: ServerConfig['allowedOrigins'], origin: string | undefined): boolean {
  if (allowed === 'any' || origin === undefined) return true;
  try {
    return allowed.has(new URL(origin).origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and garbage
  }
}
