import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import type { FileSaver } from '../adapters/file-saver.js';
import type { DirectoryHandle, FolderSaveOutcome } from '../adapters/folder-saver.js';
import type { PieceStore } from '../adapters/piece-store.js';
import type { Notices } from './notices.js';
import type { TorrentHost } from './torrent-host.js';

/** The files of a transfer: choosing which to download, saving them with their folders, reading one. */

/** Chooses a transfer's files (undefined: all) and keeps the choice in the store for reloads. */
export async function selectFiles(
  host: TorrentHost,
  store: PieceStore,
  indexes: readonly number[] | undefined,
): Promise<void> {
  const selection = host.selectFiles(indexes);
  const stored = await store.getMetadata(host.infoHashHex);
  if (!stored) return;
  const { selectedFiles: _previous, ...rest } = stored;
  await store.putMetadata(host.infoHashHex, selection ? { ...rest, selectedFiles: selection } : rest);
}

/**
 * Saves the chosen files of a multi-file transfer, each under its safe path, read from verified
 * pieces. A file refused as unsafe is skipped and one saved under another name is noted: the
 * page names each and says why.
 */
export function saveFiles(
  host: TorrentHost,
  saver: FileSaver,
  notices: Notices,
  opts: { usePicker?: boolean; directory?: DirectoryHandle },
): Promise<FolderSaveOutcome> {
  if (!host.files) throw new TabswarmError(ErrorCode.MetadataTimeout, 'The file details are not known yet.');
  const plan = host.files.savePlan((i) => host.getVerifiedPiece(i));
  for (const { path, note } of [...plan.refused, ...plan.renamed])
    notices.add('info', `“${path}” ${note}`, ErrorCode.PathUnsafe);
  return saver.saveFiles(plan.entries, opts);
}

/** The bytes of one file of a transfer, read from verified pieces (for the scripting API and tests). */
export function readFile(host: TorrentHost | undefined, index: number): Promise<Uint8Array> {
  if (!host?.files)
    return Promise.reject(
      new TabswarmError(ErrorCode.MetadataTimeout, 'The file details are not known yet.'),
    );
  return host.files.readFile(index, (i) => host.getVerifiedPiece(i));
}
