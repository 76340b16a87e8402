/**
 * The URL a player fetches a file of a transfer from: `/stream/<info-hash>/<file index>/<name>`.
 * The service worker answers it from the tab that holds the transfer; the name is there for the
 * player's and the person's sake (and its extension for the content type).
 */

/** Where stream URLs live under the page's origin. */
export const STREAM_PREFIX = '/stream/';

/** What a stream URL names. */
export interface StreamTarget {
  /** 40 lower-case hex. */
  infoHash: string;
  fileIndex: number;
  /** The file's name, decoded. */
  name: string;
}

/** The path of a file's stream. */
export function streamPath(infoHash: string, fileIndex: number, name: string): string {
  return `${STREAM_PREFIX}${infoHash}/${fileIndex}/${encodeURIComponent(name)}`;
}

const PATH = /^\/stream\/([0-9a-f]{40})\/(\d{1,9})\/([^/]*)$/;

/** What a URL path names, or undefined if it is not a stream path. */
export function parseStreamPath(path: string): StreamTarget | undefined {
  const m = PATH.exec(path);
  if (!m) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(m[3] as string);
  } catch {
    return undefined;
  }
  return { infoHash: m[1] as string, fileIndex: Number(m[2]), name };
}
