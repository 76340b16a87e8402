import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { createInfoDictionary } from '../../../shared/info-dictionary.js';
import {
  MediaStreams,
  STREAM_WAIT_NOTICE_MS,
  type StreamPort,
  type StreamSource,
} from '../../../client/src/app/media-streams.js';
import { PieceWaiters } from '../../../client/src/app/piece-waiters.js';
import { STREAM_OPEN, type TabToWorker } from '../../../client/src/sw/stream-messages.js';

const PIECE = 16 * 1024;
const HASH = 'ab'.repeat(20);

/** A port whose messages to the worker are recorded. */
function port(): StreamPort & { sent: TabToWorker[]; closed: boolean } {
  const p = {
    sent: [] as TabToWorker[],
    closed: false,
    onmessage: null as StreamPort['onmessage'],
    postMessage(m: TabToWorker) {
      p.sent.push(m);
    },
    close() {
      p.closed = true;
    },
  };
  return p;
}

function source(availability: number): StreamSource & { waiters: PieceWaiters; stopped: number } {
  const stored = new Set<number>();
  const waiters = new PieceWaiters();
  const s = {
    name: 'film.webm',
    info: createInfoDictionary({
      name: 'film.webm',
      length: 3 * PIECE,
      pieceLength: PIECE,
      pieceHashes: new Uint8Array(60),
    }).info,
    waiters,
    stopped: 0,
    hasPiece: (i: number) => stored.has(i),
    whenPiece: (i: number) => (stored.has(i) ? Promise.resolve() : waiters.wait(i)),
    getVerifiedPiece: async () => new Uint8Array(PIECE),
    availability: () => availability,
    playFrom: () => {},
    stopPlaying: () => void s.stopped++,
  };
  return s;
}

afterEach(() => vi.useRealTimers());

describe('MediaStreams (the tab’s side of the worker’s streams)', () => {
  it('says on the page why a player waits long for a piece, and clears it when the piece comes', async () => {
    vi.useFakeTimers();
    const src = source(0);
    const notices: string[] = [];
    const streams = new MediaStreams({
      source: () => src,
      notice: (_level, text, code) => notices.push(`${code}: ${text}`),
      clearNotice: () => notices.splice(0),
    });
    const p = port();
    streams.serve(p, { type: STREAM_OPEN, infoHash: HASH, fileIndex: 0 });
    expect(p.sent[0]).toEqual({ type: 'file', length: 3 * PIECE, name: 'film.webm' });
    p.onmessage?.({ data: { type: 'read', offset: PIECE + 5 } });
    await vi.advanceTimersByTimeAsync(STREAM_WAIT_NOTICE_MS - 1);
    expect(notices).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(notices).toEqual([
      `${ErrorCode.StreamWaiting}: “film.webm” is waiting for piece 1: no connected peer has it yet; it plays on when one does.`,
    ]);
    src.waiters.arrived(1);
    await vi.waitFor(() => expect(p.sent.length).toBe(2));
    expect(p.sent[1]).toMatchObject({ type: 'data', offset: PIECE + 5 });
    expect((p.sent[1] as { bytes: ArrayBuffer }).bytes.byteLength).toBe(PIECE - 5);
    expect(notices).toEqual([]);
  });

  it('refuses an unknown transfer or file, and a read outside the file', () => {
    const src = source(1);
    const streams = new MediaStreams({
      source: (h) => (h === HASH ? src : undefined),
      notice: () => {},
      clearNotice: () => {},
    });
    for (const [infoHash, fileIndex] of [
      ['cd'.repeat(20), 0],
      [HASH, 1],
    ] as const) {
      const p = port();
      streams.serve(p, { type: STREAM_OPEN, infoHash, fileIndex });
      expect(p.sent).toMatchObject([{ type: 'error', code: ErrorCode.StreamUnavailable }]);
      expect(p.closed).toBe(true);
    }
    const p = port();
    streams.serve(p, { type: STREAM_OPEN, infoHash: HASH, fileIndex: 0 });
    p.onmessage?.({ data: { type: 'read', offset: 3 * PIECE } });
    expect(p.sent[1]).toMatchObject({ type: 'error', code: ErrorCode.StreamUnavailable });
    expect([p.closed, streams.open, src.stopped]).toEqual([true, 0, 1]);
  });

  it('keeps the window while another stream of the transfer is open', () => {
    const src = source(1);
    const streams = new MediaStreams({ source: () => src, notice: () => {}, clearNotice: () => {} });
    const [a, b] = [port(), port()];
    streams.serve(a, { type: STREAM_OPEN, infoHash: HASH, fileIndex: 0 });
    streams.serve(b, { type: STREAM_OPEN, infoHash: HASH, fileIndex: 0 });
    a.onmessage?.({ data: { type: 'close' } });
    expect([streams.open, src.stopped]).toEqual([1, 0]);
    b.onmessage?.({ data: { type: 'close' } });
    expect([streams.open, src.stopped]).toEqual([0, 1]);
  });
});
