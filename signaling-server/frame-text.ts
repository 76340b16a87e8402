import type { RawData } from 'ws';

/**
 * Sent with every challenge: a WebTorrent client reads each frame as a tracker response, and an
 * announce for a swarm it does not have (the all-zero info-hash, which no torrent has) it ignores;
 * without it, it fails with "invalid action in WS response" and drops the socket.
 */
export const CHALLENGE_FOR_WEBTORRENT = { action: 'announce', info_hash: '\u0000'.repeat(20) } as const;

/** Whether a decoded frame is a WebTorrent tracker message (an object with `action`). */
export function hasAction(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'action' in value;
}

/** A text frame's string, however ws handed over its bytes. */
export function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
