import { ErrorCode, TabswarmError } from '../shared/errors.js';
import type { FileSaver, SaveOutcome } from '../client/src/adapters/file-saver.js';
import type { FolderSaveOutcome } from '../client/src/adapters/folder-saver.js';

/**
 * The Node peer's {@link FileSaver}: its {@link FsPieceStore} writes every piece into the file
 * itself (a multi-file torrent's into its folder), so a complete transfer is already saved; `save`
 * and `saveFiles` check that every byte reads back.
 */
export const inPlaceSaver: FileSaver = {
  async save(name, pieceCount, getPiece): Promise<SaveOutcome> {
    for (let i = 0; i < pieceCount; i++) {
      if ((await getPiece(i)) === undefined)
        throw new TabswarmError(ErrorCode.StorageFailed, `“${name}”: piece ${i} is not on disk`);
    }
    return 'download';
  },
  async saveFiles(entries): Promise<FolderSaveOutcome> {
    for (const entry of entries) {
      let read = 0;
      for await (const chunk of entry.chunks()) read += chunk.byteLength;
      if (read !== entry.length)
        throw new TabswarmError(ErrorCode.StorageFailed, `“${entry.path.join('/')}” is not complete on disk`);
    }
    return 'folder';
  },
};
