/**
 * What the service worker and the tab say over the MessageChannel of one stream. The worker
 * opens it with a {@link StreamOpen} posted to the tab, the port attached; then:
 *
 * - tab → worker: `file` (the file's length and name) or `error` (no such transfer or file);
 * - worker → tab: `read` at a file offset; tab → worker: `data` from that offset to the end of
 *   its piece (once the piece is verified and stored: the answer just waits while it downloads),
 *   or `error`;
 * - worker → tab: `close` when the response is done or the player dropped it (a seek).
 *
 * One `read` is outstanding at a time, so the worker holds at most a piece or two of the file.
 */

/** The message that opens a stream, posted to the tab with the stream's port. */
export interface StreamOpen {
  type: typeof STREAM_OPEN;
  infoHash: string;
  fileIndex: number;
}

export const STREAM_OPEN = 'tabswarm-stream';

/** Tab → worker. */
export type TabToWorker =
  | { type: 'file'; length: number; name: string }
  | { type: 'data'; offset: number; bytes: ArrayBuffer }
  | { type: 'error'; code: string; message: string };

/** Worker → tab. */
export type WorkerToTab = { type: 'read'; offset: number } | { type: 'close' };

/** Whether `data` is a {@link StreamOpen} (messages from the worker are checked, not trusted). */
export function isStreamOpen(data: unknown): data is StreamOpen {
  const d = data as Partial<StreamOpen> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    d.type === STREAM_OPEN &&
    typeof d.infoHash === 'string' &&
    typeof d.fileIndex === 'number'
  );
}
