import { describe, expect, it } from 'vitest';
import { mediaTypeOf } from '../../../shared/files/media-type.js';
import { parseStreamPath, streamPath } from '../../../shared/files/stream-url.js';

describe('mediaTypeOf', () => {
  it('knows the audio, video and image types browsers play, in any case', () => {
    expect(mediaTypeOf('Film.MP4')).toEqual({ contentType: 'video/mp4', kind: 'video' });
    expect(mediaTypeOf('clip.webm')).toEqual({ contentType: 'video/webm', kind: 'video' });
    expect(mediaTypeOf('song.mp3')).toEqual({ contentType: 'audio/mpeg', kind: 'audio' });
    expect(mediaTypeOf('tone.wav')).toEqual({ contentType: 'audio/wav', kind: 'audio' });
    expect(mediaTypeOf('a.b.ogg')).toEqual({ contentType: 'audio/ogg', kind: 'audio' });
    expect(mediaTypeOf('photo.jpeg')).toEqual({ contentType: 'image/jpeg', kind: 'image' });
  });

  it('serves anything else as bytes, pages and SVG included (nothing runs on this origin)', () => {
    for (const name of ['page.html', 'x.svg', 'script.js', 'README', 'archive.zip', '.mp4.'])
      expect(mediaTypeOf(name)).toEqual({ contentType: 'application/octet-stream', kind: undefined });
  });
});

describe('stream paths', () => {
  const infoHash = 'ab'.repeat(20);

  it('round-trips an info-hash, a file index and a name with any characters', () => {
    const name = 'a song #1 / ü?.mp3';
    expect(parseStreamPath(streamPath(infoHash, 3, name))).toEqual({ infoHash, fileIndex: 3, name });
  });

  it('is not fooled by other paths', () => {
    for (const path of [
      '/stream/',
      `/stream/${infoHash}/x/a.mp3`,
      `/stream/${'AB'.repeat(20)}/0/a.mp3`,
      `/stream/${infoHash}/0/a/b.mp3`,
      `/stream/${infoHash}/0/%E0%A4%A`,
      `/assets/${infoHash}/0/a.mp3`,
    ])
      expect(parseStreamPath(path)).toBeUndefined();
  });
});
