import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../shared/bytes.js';
import { ErrorCode, TabswarmError } from '../../shared/errors.js';
import { createMagnet, parseMagnet } from '../../shared/magnet.js';

const HEX = 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36';
// The same info-hash in RFC 4648 base32 (computed independently with Python's base64.b32encode).
const BASE32 = '2JDU5BWJLMM3RPH5XEV4CLE5IRTHZ6RW';

function magnetError(input: string): TabswarmError {
  try {
    parseMagnet(input);
  } catch (err) {
    expect(err).toBeInstanceOf(TabswarmError);
    expect((err as TabswarmError).code).toBe(ErrorCode.MagnetInvalid);
    return err as TabswarmError;
  }
  throw new Error(`expected ${input} to be rejected`);
}

describe('parseMagnet', () => {
  it('parses the WebTorrent "leaves" magnet (webtorrent/magnet-uri README form)', () => {
    const link = parseMagnet(
      `magnet:?xt=urn:btih:${HEX}&dn=Leaves+of+Grass+by+Walt+Whitman.epub` +
        '&tr=udp%3A%2F%2Ftracker.example4.com%3A80&tr=udp%3A%2F%2Ftracker.example5.com%3A80&tr=wss%3A%2F%2Ftracker.btorrent.xyz',
    );
    expect(link.infoHashHex).toBe(HEX);
    expect(toHex(link.infoHash)).toBe(HEX);
    expect(link.name).toBe('Leaves of Grass by Walt Whitman.epub');
    expect(link.length).toBeUndefined();
    expect(link.trackers).toEqual([
      'udp://tracker.example4.com:80',
      'udp://tracker.example5.com:80',
      'wss://tracker.btorrent.xyz',
    ]);
  });

  it('accepts a bare xt and leaves optional fields out', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}`)).toEqual({
      infoHash: fromHex(HEX),
      infoHashHex: HEX,
      trackers: [],
    });
  });

  it('accepts a page URL with the magnet in its fragment', () => {
    const link = parseMagnet(`https://tabswarm.example/app/?x=1#magnet:?xt=urn:btih:${HEX}&xl=362017`);
    expect(link.infoHashHex).toBe(HEX);
    expect(link.length).toBe(362017);
  });

  it('accepts a percent-encoded fragment and surrounding whitespace', () => {
    const link = parseMagnet(`  http://localhost:8080/#magnet%3A%3Fxt%3Durn%3Abtih%3A${HEX}%26dn%3Dx \n`);
    expect(link.infoHashHex).toBe(HEX);
    expect(link.name).toBe('x');
  });

  it('accepts base32 and upper-case hex info-hashes, and upper-case keys and scheme', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${BASE32}`).infoHashHex).toBe(HEX);
    expect(parseMagnet(`magnet:?xt=urn:btih:${BASE32.toLowerCase()}`).infoHashHex).toBe(HEX);
    expect(parseMagnet(`MAGNET:?XT=URN:BTIH:${HEX.toUpperCase()}`).infoHashHex).toBe(HEX);
  });

  it('picks the btih of a hybrid v1/v2 link and ignores unknown parameters', () => {
    const link = parseMagnet(
      `magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}&xt=urn:btih:${HEX}&ws=https%3A%2F%2Fexample.com%2Ff&x.pe=1.2.3.4:5&so=0`,
    );
    expect(link.infoHashHex).toBe(HEX);
  });

  it('reads numbered keys (tr.1) and dedupes trackers, dropping unusable ones', () => {
    const ws = encodeURIComponent('wss://t.example/announce');
    const link = parseMagnet(
      `magnet:?xt=urn:btih:${HEX}&tr.1=${ws}&tr.2=${ws}&tr=not%20a%20url&tr=${encodeURIComponent('ftp://x.example/')}&tr=`,
    );
    expect(link.trackers).toEqual(['wss://t.example/announce']);
  });

  it('rejects input that is not a magnet', () => {
    expect(magnetError('hello world').message).toMatch(/not a magnet link/);
    expect(magnetError('').message).toMatch(/not a magnet link/);
    expect(magnetError('https://example.com/#section').message).toMatch(/not a magnet link/);
    magnetError('magnet:xt=urn:btih:' + HEX);
    magnetError('\u0000\uffff%%%');
  });

  it('rejects a magnet without xt', () => {
    expect(magnetError('magnet:?dn=file.txt&tr=wss%3A%2F%2Fx').message).toMatch(/no "xt"/);
    expect(magnetError('magnet:?').message).toMatch(/no "xt"/);
  });

  it('rejects a non-btih xt and a v2-only link, saying so', () => {
    expect(magnetError('magnet:?xt=urn:sha1:ABCDEFGH').message).toMatch(/urn:btih/);
    expect(magnetError(`magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}`).message).toMatch(/v2/);
  });

  it('rejects info-hashes of the wrong length or alphabet', () => {
    expect(magnetError(`magnet:?xt=urn:btih:${HEX.slice(0, 39)}`).message).toMatch(/39 characters/);
    expect(magnetError(`magnet:?xt=urn:btih:${HEX}00`).message).toMatch(/42 characters/);
    expect(magnetError('magnet:?xt=urn:btih:').message).toMatch(/0 characters/);
    expect(magnetError(`magnet:?xt=urn:btih:${'g'.repeat(40)}`).message).toMatch(/not hex/);
    expect(magnetError(`magnet:?xt=urn:btih:${'1'.repeat(32)}`).message).toMatch(/not base32/);
  });

  it('rejects two different btih hashes', () => {
    magnetError(`magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${'0'.repeat(40)}`);
  });

  it('rejects a bad xl', () => {
    for (const xl of ['abc', '-5', '0', '1.5', '1e6', '', '99999999999999999999']) {
      expect(magnetError(`magnet:?xt=urn:btih:${HEX}&xl=${xl}`).message).toMatch(/xl=/);
    }
  });

  it('rejects broken percent-encoding', () => {
    expect(magnetError(`magnet:?xt=urn:btih:${HEX}&dn=%E0%A4%A`).message).toMatch(/percent-encoding/);
  });
});

describe('createMagnet', () => {
  it('writes lower-case hex, encoded name, length and trackers', () => {
    const uri = createMagnet({
      infoHash: fromHex(HEX.toUpperCase()) as Uint8Array,
      name: 'a b&c=d+e',
      length: 1234,
      trackers: ['wss://t.example/announce?x=1&y=2', 'wss://t.example/announce?x=1&y=2'],
    });
    expect(uri).toBe(
      `magnet:?xt=urn:btih:${HEX}&dn=a%20b%26c%3Dd%2Be&xl=1234&tr=wss%3A%2F%2Ft.example%2Fannounce%3Fx%3D1%26y%3D2`,
    );
  });

  it('round-trips names with spaces, unicode and reserved characters', () => {
    for (const name of ['my file.txt', 'Łódź — 東京 🎉.mp4', '100% + 50% = #1?.txt', 'a&dn=b']) {
      const link = parseMagnet(
        createMagnet({
          infoHash: fromHex(HEX) as Uint8Array,
          name,
          length: 42,
          trackers: ['ws://localhost:8080/'],
        }),
      );
      expect(link.name).toBe(name);
      expect(link.length).toBe(42);
      expect(link.trackers).toEqual(['ws://localhost:8080/']);
      expect(link.infoHashHex).toBe(HEX);
    }
  });

  it('rejects a wrong-size hash and a bad length', () => {
    expect(() => createMagnet({ infoHash: new Uint8Array(19) })).toThrow(TabswarmError);
    expect(() => createMagnet({ infoHash: new Uint8Array(20), length: 0 })).toThrow(TabswarmError);
  });
});
