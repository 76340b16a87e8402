import { describe, expect, it } from 'vitest';
import { parseMagnet, createMagnet } from '../../../shared/magnet.js';
import { shareLink } from '../../../client/src/ui/share-link.js';

describe('shareLink', () => {
  const magnet = createMagnet({ infoHash: new Uint8Array(20).fill(0xab), name: 'a b.bin', length: 5 });

  it('is the page address with the magnet in the fragment, without the query', () => {
    const page = new URL('https://swarm.example.org/app/?tracker=off#magnet:?xt=old');
    const link = shareLink(page, magnet);
    expect(link).toBe(`https://swarm.example.org/app/#${magnet}`);
    expect(new URL(link).hash.slice(1)).toBe(magnet);
  });

  it('parses back to the same transfer', () => {
    const link = shareLink(new URL('http://127.0.0.1:8080/'), magnet);
    expect(parseMagnet(link)).toEqual(parseMagnet(magnet));
  });
});
