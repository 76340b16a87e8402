import { parseMagnet } from '../../../shared/magnet.js';
import { MAX_TORRENT_FILE_BYTES, isTorrentFile } from '../../../shared/torrent-file.js';
import type { TorrentMetadata } from '../adapters/piece-store.js';

/**
 * A .torrent by its name, or (for a small file whose name does not say) because it parses as
 * one; a file that merely starts like a dictionary is still shared.
 */
export async function looksLikeTorrent(file: Blob, name: string): Promise<boolean> {
  if (name.toLowerCase().endsWith('.torrent')) return true;
  if (file.size === 0 || file.size > MAX_TORRENT_FILE_BYTES) return false;
  const first = new Uint8Array(await file.slice(0, 1).arrayBuffer());
  if (first[0] !== 0x64) return false;
  return isTorrentFile(new Uint8Array(await file.arrayBuffer()));
}

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
