import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes } from '../../../shared/bytes.js';
import {
  DEADLINE_STEP_MS,
  DEADLINE_WINDOW_BYTES,
  RECEIVE_BUFFER_BUDGET,
} from '../../../shared/swarm/swarm.js';
import { encodeMessage } from '../../../shared/wire/wire-codec.js';
import { rawPeer } from './raw-peer.js';
import { Harness, makeTorrent } from './swarm-harness.js';

const PIECE = 64 * 1024;
const WINDOW = DEADLINE_WINDOW_BYTES / PIECE;

function verifiedOrder(h: Harness, name: string): number[] {
  return h.node(name).events.flatMap((e) => (e.type === 'piece-verified' ? [e.index] : []));
}

describe('Swarm playback (deadline window)', () => {
  it('fetches the pieces from the playhead first, in order, then the rest', () => {
    const torrent = makeTorrent(3 * WINDOW * PIECE, PIECE, 61);
    const h = new Harness();
    h.add('seed', torrent, { seed: true, extra: { initialSeeding: false } });
    h.add('leech', torrent);
    const last = torrent.info.pieceCount - 1;
    h.input('leech', (s, now) => s.playFrom(WINDOW, last, now));
    h.connect('seed', 'leech');
    expect(h.run(() => h.assembled('leech') !== undefined)).toBe(true);
    const order = verifiedOrder(h, 'leech');
    const window = Array.from({ length: WINDOW }, (_, k) => WINDOW + k);
    expect(order[0]).toBe(WINDOW);
    expect(new Set(order.slice(0, WINDOW))).toEqual(new Set(window));
    expect(bytesEqual(h.assembled('leech') as Uint8Array, torrent.data)).toBe(true);
  });

  it('a seek withdraws the requests outside the new window and asks for the new window first', () => {
    const torrent = makeTorrent(4 * WINDOW * PIECE, PIECE, 62);
    const h = new Harness(true);
    h.add('seed', torrent, { seed: true, extra: { initialSeeding: false } });
    h.add('leech', torrent);
    const last = torrent.info.pieceCount - 1;
    h.input('leech', (s, now) => s.playFrom(0, last, now));
    h.connect('seed', 'leech');
    expect(h.run(() => verifiedOrder(h, 'leech').length >= 2)).toBe(true);
    const head = 3 * WINDOW;
    const before = h.messages('leech', 'seed').length;
    const outstanding = h.input('leech', (s, now) => s.status(now).peers[0]?.requestsOut ?? 0) as number;
    h.input('leech', (s, now) => s.playFrom(head, last, now));
    const after = h.messages('leech', 'seed').slice(before);
    const cancels = after.filter((m) => m.type === 'cancel');
    expect(cancels.length).toBe(outstanding);
    const requests = after
      .filter((m) => m.type === 'request')
      .map((m) => (m.type === 'request' ? m.index : -1));
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((i) => i >= head && i < head + WINDOW)).toBe(true);
    expect(h.run(() => h.assembled('leech') !== undefined)).toBe(true);
    const verifiedAfterSeek = verifiedOrder(h, 'leech').slice(2);
    // Blocks already on the wire at the seek may complete a piece or two; then the new window.
    const firstNew = verifiedAfterSeek.findIndex((i) => i >= head);
    expect(firstNew).toBeLessThanOrEqual(2);
    expect(new Set(verifiedAfterSeek.slice(firstNew, firstNew + WINDOW))).toEqual(
      new Set(Array.from({ length: WINDOW }, (_, k) => head + k)),
    );
  });

  it('arms the deadline timer for the head piece, and stops when nothing plays', () => {
    const torrent = makeTorrent(8 * PIECE, PIECE, 63);
    const h = new Harness();
    const leech = h.add('leech', torrent);
    h.input('leech', (s) => s.playFrom(2, 7, 1000));
    expect(leech.swarm.nextTimeout()).toBe(1000 + DEADLINE_STEP_MS);
    leech.swarm.stopPlaying();
    expect(leech.swarm.nextTimeout()).toBeUndefined();
  });
});

describe('Swarm receive budget', () => {
  it('starts no new piece while the pieces not yet stored fill the budget, and resumes as they are', () => {
    const piece = 256 * 1024;
    const torrent = makeTorrent(2 * (RECEIVE_BUFFER_BUDGET / piece) * piece, piece, 64);
    const h = new Harness();
    const leech = h.add('leech', torrent).swarm;
    const seed = rawPeer(leech, 'seed');
    seed.handshake(torrent.infoHash);
    const bits = new Uint8Array(Math.ceil(torrent.info.pieceCount / 8)).fill(0xff);
    seed.send(concatBytes([encodeMessage({ type: 'bitfield', bits }), encodeMessage({ type: 'unchoke' })]));
    const answered = new Set<string>();
    const toVerify: number[] = [];
    let now = 0;
    let peakHeld = 0;
    // The seed answers every request at once; the store (the verify answers) is stalled.
    for (let round = 0; round < 200; round++) {
      now += 5;
      const open = seed.state.frames.filter(
        (f) => f.type === 'request' && !answered.has(`${f.index}:${f.begin}`),
      );
      if (open.length === 0) break;
      for (const r of open) {
        if (r.type !== 'request') continue;
        answered.add(`${r.index}:${r.begin}`);
        const start = r.index * piece + r.begin;
        seed.send(
          encodeMessage({
            type: 'piece',
            index: r.index,
            begin: r.begin,
            block: torrent.data.slice(start, start + r.length),
          }),
          now,
        );
      }
      for (const a of seed.state.actions.splice(0)) if (a.type === 'verify') toVerify.push(a.index);
      peakHeld = Math.max(peakHeld, leech.status(now).receiveBuffered);
    }
    const requestedPieces = new Set(
      seed.state.frames.flatMap((f) => (f.type === 'request' ? [f.index] : [])),
    );
    expect(requestedPieces.size * piece).toBe(RECEIVE_BUFFER_BUDGET);
    expect(peakHeld).toBe(RECEIVE_BUFFER_BUDGET);
    // The store catches up with one piece: one more piece is asked for.
    seed.apply(() => leech.pieceVerified(toVerify[0] as number, true, now));
    const more = seed.state.frames.flatMap((f) => (f.type === 'request' ? [f.index] : []));
    expect(new Set(more).size).toBe(requestedPieces.size + 1);
    expect(leech.status(now).receiveBuffered).toBe(RECEIVE_BUFFER_BUDGET);
  });
});
