import { ErrorCode } from '../../../shared/errors.js';
import { parseRange, rangeHeaders } from '../../../shared/files/byte-range.js';
import { mediaTypeOf } from '../../../shared/files/media-type.js';
import { parseStreamPath, type StreamTarget } from '../../../shared/files/stream-url.js';
import { STREAM_OPEN, type StreamOpen, type TabToWorker, type WorkerToTab } from './stream-messages.js';

/** A window client as the worker sees it (the part used here). */
export interface ClientLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** The worker's `clients` (the part used here). */
export interface ClientsLike {
  get(id: string): Promise<ClientLike | undefined>;
  matchAll(options: { type: 'window' }): Promise<readonly ClientLike[]>;
}

/** A fetch event (the part used here). */
export interface FetchEventLike {
  request: Request;
  clientId: string;
  respondWith(response: Promise<Response>): void;
}

/** How long a tab may take to say whether it holds a transfer before the next one is asked. */
export const OPEN_TIMEOUT_MS = 5_000;

/**
 * Answers the player's requests for `/stream/<info-hash>/<file>/<name>` with byte ranges (206,
 * `Content-Range`; 200 without `Range`; 416 past the end), from the tab that holds the transfer:
 * the page that made the request, else any window of the origin. The body streams piece by piece
 * as the tab has them, one read ahead at most. Returns the fetch handler; it returns false for
 * requests that are not its (another module of the worker may answer them).
 */
export function mediaRanges(clients: ClientsLike): (event: FetchEventLike) => boolean {
  return (event) => {
    const url = new URL(event.request.url);
    const target = parseStreamPath(url.pathname);
    if (!target || (event.request.method !== 'GET' && event.request.method !== 'HEAD')) return false;
    event.respondWith(respond(clients, event, target));
    return true;
  };
}

async function respond(clients: ClientsLike, event: FetchEventLike, target: StreamTarget): Promise<Response> {
  const stream = await openStream(clients, event.clientId, target);
  if (!stream) {
    return new Response(`${ErrorCode.StreamUnavailable}: no open tab holds this file\n`, {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }
  const { port, replies, length, name } = stream;
  const answer = parseRange(event.request.headers.get('Range'), length);
  const headers = rangeHeaders(answer, length, mediaTypeOf(target.name || name).contentType);
  if (answer.status === 416 || event.request.method === 'HEAD' || answer.end === answer.start) {
    close(port);
    return new Response(null, { status: answer.status, headers });
  }
  return new Response(pieceStream(port, replies, answer.start, answer.end), {
    status: answer.status,
    headers,
  });
}

/** An open stream: its port, the replies as they come, and the file it names. */
interface OpenStream {
  port: MessagePort;
  replies: Replies;
  length: number;
  name: string;
}

/** Asks the requesting page, then every window, until one says it holds the file. */
async function openStream(
  clients: ClientsLike,
  clientId: string,
  target: StreamTarget,
): Promise<OpenStream | undefined> {
  const first = clientId ? await clients.get(clientId) : undefined;
  const others = (await clients.matchAll({ type: 'window' })).filter((c) => c !== first);
  for (const client of first ? [first, ...others] : others) {
    const { port1, port2 } = new MessageChannel();
    const replies = new Replies(port1);
    const open: StreamOpen = { type: STREAM_OPEN, infoHash: target.infoHash, fileIndex: target.fileIndex };
    client.postMessage(open, [port2]);
    const reply = await replies.next(OPEN_TIMEOUT_MS);
    if (reply?.type === 'file') return { port: port1, replies, length: reply.length, name: reply.name };
    close(port1);
  }
  return undefined;
}

/** The body from `start` to `end` (exclusive): one `read` per pull, each answered by a piece's bytes. */
function pieceStream(
  port: MessagePort,
  replies: Replies,
  start: number,
  end: number,
): ReadableStream<Uint8Array> {
  let position = start;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        send(port, { type: 'read', offset: position });
        const reply = await replies.next();
        if (reply?.type !== 'data' || reply.offset !== position || reply.bytes.byteLength === 0) {
          close(port);
          controller.error(new Error(reply?.type === 'error' ? reply.message : 'the tab stopped the stream'));
          return;
        }
        const bytes = new Uint8Array(reply.bytes, 0, Math.min(reply.bytes.byteLength, end - position));
        controller.enqueue(bytes);
        position += bytes.length;
        if (position >= end) {
          close(port);
          controller.close();
        }
      },
      cancel() {
        close(port);
      },
    },
    { highWaterMark: 1 },
  );
}

function send(port: MessagePort, message: WorkerToTab): void {
  port.postMessage(message);
}

function close(port: MessagePort): void {
  send(port, { type: 'close' });
  port.close();
}

/** The tab's replies on one port, taken in order. */
class Replies {
  private readonly queue: TabToWorker[] = [];
  private waiting: ((reply: TabToWorker | undefined) => void) | undefined;

  constructor(port: MessagePort) {
    port.onmessage = (e: MessageEvent<TabToWorker>) => {
      const resolve = this.waiting;
      this.waiting = undefined;
      if (resolve) resolve(e.data);
      else this.queue.push(e.data);
    };
  }

  /** The next reply; undefined if `timeoutMs` passes first. */
  next(timeoutMs?: number): Promise<TabToWorker | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(undefined), timeoutMs);
      const done = (reply: TabToWorker | undefined): void => {
        if (timer !== undefined) clearTimeout(timer);
        if (this.waiting === done) this.waiting = undefined;
        resolve(reply);
      };
      this.waiting = done;
    });
  }
}
