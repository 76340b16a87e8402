import { fileSpans, type FileSpan } from '../../../shared/files/file-layout.js';
import { mediaTypeOf } from '../../../shared/files/media-type.js';
import { streamPath } from '../../../shared/files/stream-url.js';
import type { InfoDictionary } from '../../../shared/info-dictionary.js';
import type { TransferView } from './status.js';

/** The first file of a torrent the page can play or show while it downloads. */
export function mediaSpan(info: InfoDictionary): FileSpan | undefined {
  return fileSpans(info).find(
    (span) => span.length > 0 && mediaTypeOf(fileName(span, info)).kind !== undefined,
  );
}

/** That file as the page shows it: its stream URL, kind and name. */
export function mediaOf(infoHash: string, info: InfoDictionary): TransferView['media'] {
  const span = mediaSpan(info);
  if (!span) return undefined;
  const name = fileName(span, info);
  const kind = mediaTypeOf(name).kind;
  return kind === undefined ? undefined : { url: streamPath(infoHash, span.index, name), kind, name };
}

function fileName(span: FileSpan, info: InfoDictionary): string {
  return span.path[span.path.length - 1] ?? info.name;
}
