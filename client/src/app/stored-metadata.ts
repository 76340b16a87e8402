import { parseMagnet } from '../../../shared/magnet.js';
import type { TorrentMetadata } from '../adapters/piece-store.js';

/**
 * The trackers of a stored transfer: those of the .torrent file it came from, and those of the
 * magnet it came from or was shared as.
 */
export function storedTrackers(metadata: TorrentMetadata): string[] {
  let fromMagnet: string[] = [];
  if (metadata.magnet !== undefined) {
    try {
      fromMagnet = parseMagnet(metadata.magnet).trackers;
    } catch {
      // A stored magnet that no longer parses lists no trackers; the transfer still resumes.
    }
  }
  return [...new Set([...(metadata.trackers ?? []), ...fromMagnet])];
}

/** Metadata with the person's pause flag set or cleared. */
export function withPaused(metadata: TorrentMetadata, paused: boolean): TorrentMetadata {
  const { paused: _, ...rest } = metadata.extra ?? {};
  return { ...metadata, extra: paused ? { ...rest, paused: true } : rest };
}
