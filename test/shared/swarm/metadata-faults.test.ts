import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { createInfoDictionary } from '../../../shared/info-dictionary.js';
import { seededRandom } from '../../../shared/random.js';
import {
  METADATA_BUFFER_BUDGET,
  METADATA_REQUESTS_PER_PEER,
  METADATA_REQUEST_TIMEOUT,
} from '../../../shared/swarm/metadata-exchange.js';
import {
  METADATA_PIECE_SIZE,
  MAX_METADATA_SIZE,
  metadataPieceCount,
} from '../../../shared/wire/ut-metadata.js';
import { WireFilter, silentMetadata } from '../../../sim/wire-filter.js';
import { Harness } from './swarm-harness.js';
import type { Node, TestTorrent } from './swarm-harness.js';

/**
 * A torrent whose info dictionary spans several metadata pieces. Only the metadata matters here,
 * so the piece hashes are random and there is no file data (no node seeds it).
 */
function metadataTorrent(pieces = 3000): TestTorrent {
  const { info, infoBytes, infoHash } = createInfoDictionary({
    name: 'big.iso',
    length: pieces * 16384,
    pieceLength: 16384,
    pieceHashes: seededRandom(11).bytes(20 * pieces),
  });
  return { data: new Uint8Array(0), info, infoBytes, infoHash };
}

/** The info dictionary with one byte flipped in every metadata piece: right size, wrong content. */
function corrupted(infoBytes: Uint8Array): Uint8Array {
  const out = infoBytes.slice();
  for (let at = 7; at < out.length; at += METADATA_PIECE_SIZE) out[at] = (out[at] as number) ^ 0xff;
  return out;
}

/** A liar: knows the torrent (so it passes as a peer) but serves `fake` as its metadata. */
function liar(h: Harness, name: string, torrent: TestTorrent, fake: Uint8Array): Node {
  return h.add(name, torrent, { extra: { infoBytes: fake } });
}

/** Makes `node` never answer ut_metadata requests (it still claims its metadata_size). */
function silence(node: Node): void {
  const filters = new Map<string, WireFilter>();
  node.tamper = (to, data) => {
    let f = filters.get(to);
    if (!f) filters.set(to, (f = new WireFilter(silentMetadata)));
    return f.push(data) ?? new Uint8Array(0);
  };
}

const banned = (node: Node, peer: string): boolean =>
  node.events.some((e) => e.type === 'peer-banned' && e.peer === peer) &&
  node.closes.some((c) => c.peer === peer && c.code === ErrorCode.PeerBanned);

const blamed = (node: Node, peer: string): boolean =>
  node.events.some((e) => e.type === 'metadata-invalid' && e.peer === peer);

describe('Swarm metadata against a bad peer', () => {
  const torrent = metadataTorrent();
  const size = torrent.infoBytes.length;

  it('a liar met first that claims another metadata_size and never answers does not hold the magnet back', () => {
    expect(metadataPieceCount(size)).toBeGreaterThan(2);
    const h = new Harness();
    const leech = h.add('leech', torrent, { magnet: true });
    silence(liar(h, 'liar', torrent, seededRandom(5).bytes(size + 5000)));
    h.connect('leech', 'liar');
    h.run(() => false, 1000);
    expect(leech.info).toBeUndefined();
    for (const name of ['h1', 'h2']) h.add(name, torrent);
    const start = h.now;
    h.connect('leech', 'h1');
    h.connect('leech', 'h2');
    expect(h.run(() => leech.info !== undefined)).toBe(true);
    const took = h.now - start;
    console.log(`metadata ${took} ms after honest peers connected (liar claims another size, silent)`);
    expect(took).toBeLessThan(METADATA_REQUEST_TIMEOUT);
    expect(leech.info?.pieceCount).toBe(torrent.info.pieceCount);
    // Quiet is not proof: the liar is only backed off.
    expect(leech.closes).toEqual([]);
  });

  it('a liar that serves wrong pieces of the right size is banned, and honest peers complete the metadata', () => {
    const h = new Harness();
    const leech = h.add('leech', torrent, { magnet: true });
    liar(h, 'liar', torrent, corrupted(torrent.infoBytes));
    for (const name of ['h1', 'h2']) h.add(name, torrent);
    for (const name of ['liar', 'h1', 'h2']) h.connect('leech', name);
    expect(h.run(() => leech.info !== undefined)).toBe(true);
    console.log(`metadata at ${h.now} ms with a liar serving wrong pieces among two honest peers`);
    expect(h.now).toBeLessThan(METADATA_REQUEST_TIMEOUT);
    expect(banned(leech, 'liar')).toBe(true);
    expect(blamed(leech, 'liar')).toBe(true);
    for (const honest of ['h1', 'h2']) {
      expect(banned(leech, honest)).toBe(false);
      expect(blamed(leech, honest)).toBe(false);
    }
  });

  it('a liar alone that serves wrong pieces is banned at its first failed assembly', () => {
    const h = new Harness();
    const leech = h.add('leech', torrent, { magnet: true });
    liar(h, 'liar', torrent, corrupted(torrent.infoBytes));
    h.connect('leech', 'liar');
    expect(h.run(() => banned(leech, 'liar'))).toBe(true);
    expect(blamed(leech, 'liar')).toBe(true);
    expect(leech.events.filter((e) => e.type === 'metadata-invalid')).toHaveLength(1);
    h.add('h1', torrent);
    h.connect('leech', 'h1');
    expect(h.run(() => leech.info !== undefined)).toBe(true);
  });

  it('completes from the others after the liar met first leaves', () => {
    const h = new Harness();
    const leech = h.add('leech', torrent, { magnet: true });
    silence(liar(h, 'liar', torrent, seededRandom(6).bytes(size - 3000)));
    h.connect('leech', 'liar');
    h.run(() => false, 1000);
    h.disconnect('leech', 'liar');
    h.add('h1', torrent);
    const start = h.now;
    h.connect('leech', 'h1');
    expect(h.run(() => leech.info !== undefined)).toBe(true);
    expect(h.now - start).toBeLessThan(METADATA_REQUEST_TIMEOUT);
  });

  it('holds at most one metadata cap of bytes however many liars claim the maximum size', () => {
    const h = new Harness(true);
    const leech = h.add('leech', torrent, { magnet: true });
    let peak = 0;
    const watch = (done: () => boolean) => () => {
      peak = Math.max(peak, leech.swarm.status(h.now).metadataBuffered);
      return done();
    };
    // One liar alone, claiming the cap: fetched, fails, banned; nothing stays held.
    liar(h, 'huge0', torrent, seededRandom(20).bytes(MAX_METADATA_SIZE));
    h.connect('leech', 'huge0');
    expect(h.run(watch(() => banned(leech, 'huge0')))).toBe(true);
    expect(peak).toBeLessThanOrEqual(METADATA_BUFFER_BUDGET);
    expect(leech.swarm.status(h.now).metadataBuffered).toBe(0);
    // More liars claiming sizes at the cap, alongside honest peers: the small honest size goes first.
    peak = 0;
    const liars = ['huge1', 'huge2', 'huge3'];
    liars.forEach((name, i) => liar(h, name, torrent, seededRandom(21 + i).bytes(MAX_METADATA_SIZE - i)));
    for (const name of ['h1', 'h2']) h.add(name, torrent);
    for (const name of [...liars, 'h1', 'h2']) h.connect('leech', name);
    expect(h.run(watch(() => leech.info !== undefined))).toBe(true);
    console.log(`peak metadata held with three 8 MiB liars and two honest peers: ${peak} bytes`);
    expect(peak).toBeLessThanOrEqual(size + liars.length * METADATA_REQUESTS_PER_PEER * METADATA_PIECE_SIZE);
    const liarPieces = liars.flatMap((name) =>
      h.messages(name, 'leech').filter((f) => f.type === 'extended' && f.id !== 0),
    );
    expect(liarPieces.length).toBeLessThanOrEqual(liars.length * METADATA_REQUESTS_PER_PEER);
  });
});
