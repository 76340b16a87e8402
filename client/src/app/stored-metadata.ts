import type { TorrentMetadata } from '../adapters/piece-store.js';

/** Metadata with the person's pause flag set or cleared. */
export function withPaused(metadata: TorrentMetadata, paused: boolean): TorrentMetadata {
  const { paused: _, ...rest } = metadata.extra ?? {};
  return { ...metadata, extra: paused ? { ...rest, paused: true } : rest };
}
