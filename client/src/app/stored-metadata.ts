import { ErrorCode, type TabswarmError } from '../../../shared/errors.js';
import type { TorrentMetadata } from '../adapters/piece-store.js';

/** Metadata with the person's pause flag set or cleared. */
export function withPaused(metadata: TorrentMetadata, paused: boolean): TorrentMetadata {
  const { paused: _, ...rest } = metadata.extra ?? {};
  return { ...metadata, extra: paused ? { ...rest, paused: true } : rest };
}

/** A storage failure about a transfer as the page says it: a full store says what to do. */
export function storageMessage(err: TabswarmError, name: string): string {
  return err.code === ErrorCode.StorageFull
    ? `Storage is full: cannot keep “${name}”. Free some space (or remove old files) and try again.`
    : `“${name}”: ${err.message}`;
}
