/**
 * What the page can show of a file while it downloads, by its name's extension: a video or audio
 * player, an image, or nothing. Only types browsers render themselves are listed; anything else
 * is served as bytes (`application/octet-stream`), so a torrent cannot put a page or a script on
 * this origin. SVG is left out for the same reason.
 */

/** How the page shows a file. */
export type MediaKind = 'video' | 'audio' | 'image';

/** A file's content type, and how the page shows it (undefined: not at all). */
export interface MediaType {
  contentType: string;
  kind: MediaKind | undefined;
}

const TYPES: Record<string, [string, MediaKind]> = {
  mp4: ['video/mp4', 'video'],
  m4v: ['video/mp4', 'video'],
  webm: ['video/webm', 'video'],
  ogv: ['video/ogg', 'video'],
  mov: ['video/quicktime', 'video'],
  mkv: ['video/x-matroska', 'video'],
  mp3: ['audio/mpeg', 'audio'],
  m4a: ['audio/mp4', 'audio'],
  aac: ['audio/aac', 'audio'],
  wav: ['audio/wav', 'audio'],
  ogg: ['audio/ogg', 'audio'],
  oga: ['audio/ogg', 'audio'],
  opus: ['audio/ogg', 'audio'],
  flac: ['audio/flac', 'audio'],
  jpg: ['image/jpeg', 'image'],
  jpeg: ['image/jpeg', 'image'],
  png: ['image/png', 'image'],
  gif: ['image/gif', 'image'],
  webp: ['image/webp', 'image'],
  avif: ['image/avif', 'image'],
  bmp: ['image/bmp', 'image'],
};

/** The type of a file named `name` (a path's last part, any case). */
export function mediaTypeOf(name: string): MediaType {
  const dot = name.lastIndexOf('.');
  const known = dot >= 0 ? TYPES[name.slice(dot + 1).toLowerCase()] : undefined;
  return known
    ? { contentType: known[0], kind: known[1] }
    : { contentType: 'application/octet-stream', kind: undefined };
}
