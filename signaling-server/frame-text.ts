import type { RawData } from 'ws';

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
