import { fileSpans } from '../../../shared/files/file-layout.js';
import { mediaTypeOf } from '../../../shared/files/media-type.js';
import { streamPath } from '../../../shared/files/stream-url.js';
import type { InfoDictionary } from '../../../shared/info-dictionary.js';
import type { TransferView } from './status.js';

/** The first file of a torrent the page can play or show while it downloads, as its stream URL. */
export function mediaOf(infoHash: string, info: InfoDictionary): TransferView['media'] {
  for (const span of fileSpans(info)) {
    const name = span.path[span.path.length - 1] ?? info.name;
    const { kind } = mediaTypeOf(name);
    if (kind !== undefined && span.length > 0)
      return { url: streamPath(infoHash, span.index, name), kind, name };
  }
  return undefined;
}
