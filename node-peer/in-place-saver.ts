import { ErrorCode, TabswarmError } from '../shared/errors.js';
import type { FileSaver, SaveOutcome } from '../client/src/adapters/file-saver.js';

/**
 * The Node peer's {@link FileSaver}: its {@link FsPieceStore} writes every piece into the file
 * itself, so a complete transfer is already saved; `save` checks that every piece reads back.
 */
export const inPlaceSaver: FileSaver = {
  async save(name, pieceCount, getPiece): Promise<SaveOutcome> {
    for (let i = 0; i < pieceCount; i++) {
      if ((await getPiece(i)) === undefined)
        throw new TabswarmError(ErrorCode.StorageFailed, `“${name}”: piece ${i} is not on disk`);
    }
    return 'download';
  },
};
