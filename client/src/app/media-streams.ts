import { ErrorCode, toTabswarmError } from '../../../shared/errors.js';
import { fileSpans, type FileSpan } from '../../../shared/files/file-layout.js';
import type { InfoDictionary } from '../../../shared/info-dictionary.js';
import type { StreamOpen, TabToWorker, WorkerToTab } from '../sw/stream-messages.js';

/** A player that waits this long for one piece gets a notice saying why (it plays on when it comes). */
export const STREAM_WAIT_NOTICE_MS = 8_000;

/** What a stream needs of a transfer (TorrentHost gives it). */
export interface StreamSource {
  readonly name: string;
  readonly info: InfoDictionary | undefined;
  /** The piece is verified and stored: it can be read at once. */
  hasPiece(index: number): boolean;
  /** Resolves once the piece is verified and stored. */
  whenPiece(index: number): Promise<void>;
  /** The piece's bytes (checked against its hash). */
  getVerifiedPiece(index: number): Promise<Uint8Array>;
  /** How many connected peers have the piece. */
  availability(index: number): number;
  /** A player reads from piece `head` on (the file ends at piece `last`): fetch those first. */
  playFrom(head: number, last: number): void;
  /** No player reads any more. */
  stopPlaying(): void;
}

/** A port as the tab sees it (a MessagePort, or its twin in tests). */
export interface StreamPort {
  postMessage(message: TabToWorker, transfer?: Transferable[]): void;
  onmessage: ((event: { data: WorkerToTab }) => void) | null;
  close(): void;
}

/** What {@link MediaStreams} is built from. */
export interface MediaStreamsDeps {
  /** The transfer with this info-hash, if the tab holds it. */
  source(infoHash: string): StreamSource | undefined;
  notice(level: 'info' | 'error', text: string, code: string): void;
  clearNotice(code: string): void;
}

/** One open stream: which file, and where its player reads. */
interface Reader {
  source: StreamSource;
  span: FileSpan;
  closed: boolean;
}

/**
 * The tab's side of the service worker's streams: tells the worker a file's length, and answers
 * each `read` with the bytes from that offset to the end of its piece once the piece is stored.
 * Each read moves the swarm's deadline window to the reader's piece (a jump is a seek); the
 * newest reader of a transfer leads, and when the last one closes the window goes.
 */
export class MediaStreams {
  private readonly readers = new Set<Reader>();

  constructor(private readonly deps: MediaStreamsDeps) {}

  /** Open streams (for the page and tests). */
  get open(): number {
    return this.readers.size;
  }

  /** The worker opened a stream on `port`. */
  serve(port: StreamPort, open: StreamOpen): void {
    const source = this.deps.source(open.infoHash);
    const span = source?.info ? fileSpans(source.info)[open.fileIndex] : undefined;
    if (!source || !span) {
      port.postMessage({
        type: 'error',
        code: ErrorCode.StreamUnavailable,
        message: source
          ? 'no such file in this transfer (or its details are not known yet)'
          : 'no such transfer',
      });
      port.close();
      return;
    }
    const reader: Reader = { source, span, closed: false };
    this.readers.add(reader);
    port.onmessage = (e) => {
      const msg = e.data;
      if (msg.type === 'read' && Number.isSafeInteger(msg.offset)) void this.read(reader, port, msg.offset);
      else this.close(reader, port);
    };
    port.postMessage({
      type: 'file',
      length: span.length,
      name: span.path[span.path.length - 1] ?? source.name,
    });
  }

  private async read(reader: Reader, port: StreamPort, offset: number): Promise<void> {
    const { source, span } = reader;
    const info = source.info as InfoDictionary;
    if (offset < 0 || offset >= span.length)
      return this.fail(reader, port, `offset ${offset} is outside the file`);
    const at = span.offset + offset;
    const piece = Math.floor(at / info.pieceLength);
    source.playFrom(piece, span.lastPiece);
    try {
      if (!source.hasPiece(piece)) await this.waitFor(reader, piece);
      if (reader.closed) return;
      const data = await source.getVerifiedPiece(piece);
      if (reader.closed) return;
      const pieceStart = piece * info.pieceLength;
      const end = Math.min(pieceStart + data.length, span.offset + span.length);
      const bytes = data.slice(at - pieceStart, end - pieceStart);
      port.postMessage({ type: 'data', offset, bytes: bytes.buffer }, [bytes.buffer]);
    } catch (err) {
      this.fail(reader, port, toTabswarmError(err, ErrorCode.StorageFailed).message);
    }
  }

  /** Waits for a piece; says so on the page if it takes long, and why. */
  private async waitFor(reader: Reader, piece: number): Promise<void> {
    const { source } = reader;
    const timer = setTimeout(() => {
      if (reader.closed || source.hasPiece(piece)) return;
      const why =
        source.availability(piece) === 0
          ? 'no connected peer has it yet; it plays on when one does'
          : 'it is still on its way';
      this.deps.notice(
        'info',
        `“${source.name}” is waiting for piece ${piece}: ${why}.`,
        ErrorCode.StreamWaiting,
      );
    }, STREAM_WAIT_NOTICE_MS);
    try {
      await source.whenPiece(piece);
    } finally {
      clearTimeout(timer);
      this.deps.clearNotice(ErrorCode.StreamWaiting);
    }
  }

  private fail(reader: Reader, port: StreamPort, message: string): void {
    if (!reader.closed) port.postMessage({ type: 'error', code: ErrorCode.StreamUnavailable, message });
    this.close(reader, port);
  }

  private close(reader: Reader, port: StreamPort): void {
    if (reader.closed) return;
    reader.closed = true;
    port.onmessage = null;
    port.close();
    this.readers.delete(reader);
    if (![...this.readers].some((r) => r.source === reader.source)) reader.source.stopPlaying();
  }
}
