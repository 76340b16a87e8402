import type { TabswarmError } from '../../../shared/errors.js';

/** Close code browsers and `ws` report when a connection ends without a close frame. */
export const ABNORMAL_CLOSURE = 1006;

/** Events of a {@link SignalingSocket}. */
export interface SignalingSocketEvents {
  /** The connection is up; `send` works from now. */
  open: () => void;
  /** One server message, JSON-parsed and not validated: check it with a schema. */
  message: (message: unknown) => void;
  /** Emitted exactly once, also after a failed connect (1006). No events follow. */
  close: (code: number, reason: string) => void;
  /**
   * SERVER_UNREACHABLE: the connection never opened (then `close`). SERVER_GONE: it was lost
   * without a close frame (then `close` with 1006). SIGNAL_INVALID: a frame that is not JSON was
   * dropped; the socket stays open. Never emitted for a `close()` the app asked for.
   */
  error: (err: TabswarmError) => void;
}

/** A JSON message socket to the signaling server. No reconnect policy: the app decides. */
export interface SignalingSocket {
  readonly url: string;
  /** `closed` from the moment `close()` is called or the connection ends. */
  readonly state: 'connecting' | 'open' | 'closed';
  /** Sends `JSON.stringify(message)`. False (dropped) unless open; throws SIGNAL_INVALID if unserialisable. */
  send(message: unknown): boolean;
  /** Closes the connection; idempotent. `close` follows once the socket has closed. */
  close(code?: number, reason?: string): void;
  on<E extends keyof SignalingSocketEvents>(event: E, listener: SignalingSocketEvents[E]): void;
  off<E extends keyof SignalingSocketEvents>(event: E, listener: SignalingSocketEvents[E]): void;
}

/** Opens signaling sockets. */
export interface SignalingSocketFactory {
  connect(url: string): SignalingSocket;
}
