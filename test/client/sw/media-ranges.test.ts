import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { streamPath } from '../../../shared/files/stream-url.js';
import { createInfoDictionary } from '../../../shared/info-dictionary.js';
import { seededRandom } from '../../../shared/random.js';
import { MediaStreams, type StreamPort, type StreamSource } from '../../../client/src/app/media-streams.js';
import { PieceWaiters } from '../../../client/src/app/piece-waiters.js';
import { mediaRanges, type ClientLike } from '../../../client/src/sw/media-ranges.js';
import { isStreamOpen } from '../../../client/src/sw/stream-messages.js';
import { waitFor } from '../wait-for.js';

const PIECE = 16 * 1024;
const PIECES = 6;
const LENGTH = PIECES * PIECE - 123;
const NAME = 'tone.wav';

/** A transfer whose pieces arrive when the test says. */
class FakeSource implements StreamSource {
  readonly name = NAME;
  readonly data = seededRandom(5).bytes(LENGTH);
  readonly info = createInfoDictionary({
    name: NAME,
    length: LENGTH,
    pieceLength: PIECE,
    pieceHashes: new Uint8Array(20 * PIECES),
  }).info;
  readonly plays: number[] = [];
  stopped = 0;
  private readonly stored = new Set<number>();
  private readonly waiters = new PieceWaiters();

  constructor(have: number[]) {
    for (const i of have) this.stored.add(i);
  }
  hasPiece(i: number): boolean {
    return this.stored.has(i);
  }
  whenPiece(i: number): Promise<void> {
    return this.hasPiece(i) ? Promise.resolve() : this.waiters.wait(i);
  }
  async getVerifiedPiece(i: number): Promise<Uint8Array> {
    return this.data.slice(i * PIECE, (i + 1) * PIECE);
  }
  availability(): number {
    return 0;
  }
  playFrom(head: number): void {
    this.plays.push(head);
  }
  stopPlaying(): void {
    this.stopped++;
  }
  arrive(i: number): void {
    this.stored.add(i);
    this.waiters.arrived(i);
  }
}

const ALL = Array.from({ length: PIECES }, (_, i) => i);
let streams: MediaStreams;

/** The worker's fetch handler, talking to a tab that holds `source` under `infoHash`. */
function worker(source: FakeSource, infoHash: string) {
  streams = new MediaStreams({
    source: (h) => (h === infoHash ? source : undefined),
    notice: () => {},
    clearNotice: () => {},
  });
  const page: ClientLike = {
    postMessage: (message, transfer) => {
      if (isStreamOpen(message)) streams.serve(transfer[0] as unknown as StreamPort, message);
    },
  };
  const handler = mediaRanges({
    get: async (id) => (id === 'page' ? page : undefined),
    matchAll: async () => [page],
  });
  return (path: string, init: RequestInit = {}): Promise<Response> | undefined => {
    let response: Promise<Response> | undefined;
    handler({
      request: new Request(`http://localhost${path}`, init),
      clientId: 'page',
      respondWith: (r) => (response = r),
    });
    return response;
  };
}

const HASH = 'cd'.repeat(20);
const URL_PATH = streamPath(HASH, 0, NAME);

afterEach(async () => {
  await waitFor('every stream closed', () => streams.open === 0);
});

describe('the service worker’s byte ranges, answered by the tab', () => {
  it('answers a Range with 206 and the bytes, and moves the window to the reader’s piece', async () => {
    const source = new FakeSource(ALL);
    const res = await worker(source, HASH)(URL_PATH, { headers: { Range: `bytes=100-${3 * PIECE + 49}` } });
    expect(res?.status).toBe(206);
    expect(res?.headers.get('Content-Range')).toBe(`bytes 100-${3 * PIECE + 49}/${LENGTH}`);
    expect(res?.headers.get('Content-Type')).toBe('audio/wav');
    expect(res?.headers.get('Accept-Ranges')).toBe('bytes');
    const body = new Uint8Array(await (res as Response).arrayBuffer());
    expect(body).toEqual(source.data.slice(100, 3 * PIECE + 50));
    expect(source.plays).toEqual([0, 1, 2, 3]);
  });

  it('answers no Range with 200 and the whole file, HEAD with headers alone, and past the end with 416', async () => {
    const source = new FakeSource(ALL);
    const fetch = worker(source, HASH);
    const whole = (await fetch(URL_PATH)) as Response;
    expect(whole.status).toBe(200);
    expect(whole.headers.get('Content-Length')).toBe(String(LENGTH));
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(source.data);
    const head = (await fetch(URL_PATH, { method: 'HEAD' })) as Response;
    expect([head.status, head.headers.get('Content-Length')]).toEqual([200, String(LENGTH)]);
    const past = (await fetch(URL_PATH, { headers: { Range: `bytes=${LENGTH}-` } })) as Response;
    expect([past.status, past.headers.get('Content-Range')]).toEqual([416, `bytes */${LENGTH}`]);
  });

  it('answers 404 when no tab holds the file, and leaves other requests alone', async () => {
    const fetch = worker(new FakeSource(ALL), HASH);
    const missing = (await fetch(streamPath('ef'.repeat(20), 0, NAME))) as Response;
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain(ErrorCode.StreamUnavailable);
    expect((await fetch(streamPath(HASH, 7, NAME))) as Response).toMatchObject({ status: 404 });
    expect(fetch('/assets/index.js')).toBeUndefined();
  });

  it('waits for a piece that is not there yet, then goes on (the body streams as pieces arrive)', async () => {
    const source = new FakeSource([0, 1]);
    const res = (await worker(source, HASH)(URL_PATH, { headers: { Range: 'bytes=0-' } })) as Response;
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let got = 0;
    while (got < 2 * PIECE) got += ((await reader.read()).value as Uint8Array).length;
    const third = reader.read();
    let done = false;
    void third.then(() => (done = true));
    await waitFor('the reader asks for piece 2', () => source.plays.includes(2));
    expect(done).toBe(false);
    source.arrive(2);
    expect(((await third).value as Uint8Array).length).toBe(PIECE);
    await reader.cancel();
    await waitFor('the window goes when the player drops the stream', () => source.stopped === 1);
  });
});
