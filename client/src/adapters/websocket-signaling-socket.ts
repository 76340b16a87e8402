import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { Emitter } from '../util/emitter.js';
import { decodeSignalingFrame, encodeSignalingFrame } from './signaling-frames.js';
import {
  ABNORMAL_CLOSURE,
  type SignalingSocket,
  type SignalingSocketEvents,
  type SignalingSocketFactory,
} from './signaling-socket.js';

/** The WebSocket class to use; in Node pass `ws`'s (`WebSocket as unknown as WebSocketConstructor`). */
export type WebSocketConstructor = typeof WebSocket;

/** Options of {@link WebSocketSignalingSocketFactory}. */
export interface WebSocketSignalingSocketFactoryOptions {
  /** Defaults to the `WebSocket` global. */
  WebSocket?: WebSocketConstructor;
}

/**
 * A {@link SignalingSocket} over a WHATWG WebSocket. Errors are decided at close time from
 * whether the socket ever opened and the close code, because the browser's `error` event says
 * nothing and `ws` and browsers fire it in different cases.
 */
export class WebSocketSignalingSocket implements SignalingSocket {
  private currentState: SignalingSocket['state'] = 'connecting';
  private readonly events = new Emitter<SignalingSocketEvents>();
  private readonly socket: WebSocket | undefined;
  private opened = false;
  private closeRequested = false;
  private finished = false;

  constructor(
    readonly url: string,
    Ctor: WebSocketConstructor,
  ) {
    let socket: WebSocket;
    try {
      socket = new Ctor(url);
    } catch (err) {
      // A malformed URL throws synchronously; report it like any unreachable server.
      const message = err instanceof Error ? err.message : String(err);
      setTimeout(() => this.finish(ABNORMAL_CLOSURE, message), 0);
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (this.currentState !== 'connecting') return;
      this.opened = true;
      this.currentState = 'open';
      this.events.emit('open');
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.currentState !== 'open') return;
      let message: unknown;
      try {
        message = decodeSignalingFrame(event.data);
      } catch (err) {
        this.events.emit('error', err as TabswarmError);
        return;
      }
      this.events.emit('message', message);
    };
    socket.onclose = (event: CloseEvent) => this.finish(event.code, event.reason);
    socket.onerror = () => {
      // Decided in finish(): the close event always follows.
    };
  }

  get state(): SignalingSocket['state'] {
    return this.currentState;
  }

  send(message: unknown): boolean {
    const text = encodeSignalingFrame(message);
    if (this.currentState !== 'open' || this.socket?.readyState !== 1) return false;
    this.socket.send(text);
    return true;
  }

  close(code?: number, reason?: string): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.closeRequested = true;
    if (!this.socket) return;
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.close(); // an invalid code or reason must not keep the socket open
    }
  }

  on<E extends keyof SignalingSocketEvents>(event: E, listener: SignalingSocketEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof SignalingSocketEvents>(event: E, listener: SignalingSocketEvents[E]): void {
    this.events.off(event, listener);
  }

  private finish(code: number, reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.currentState = 'closed';
    if (!this.closeRequested) {
      if (!this.opened) {
        this.events.emit(
          'error',
          new TabswarmError(ErrorCode.ServerUnreachable, `cannot reach ${this.url} (${code})`),
        );
      } else if (code === ABNORMAL_CLOSURE) {
        this.events.emit('error', new TabswarmError(ErrorCode.ServerGone, `lost connection to ${this.url}`));
      }
    }
    this.events.emit('close', code, reason);
    this.events.clear();
  }
}

/** Opens {@link WebSocketSignalingSocket}s. */
export class WebSocketSignalingSocketFactory implements SignalingSocketFactory {
  private readonly Ctor: WebSocketConstructor;

  constructor(opts: WebSocketSignalingSocketFactoryOptions = {}) {
    const Ctor = opts.WebSocket ?? globalThis.WebSocket;
    if (!Ctor) throw new TabswarmError(ErrorCode.ServerUnreachable, 'no WebSocket implementation available');
    this.Ctor = Ctor;
  }

  connect(url: string): SignalingSocket {
    return new WebSocketSignalingSocket(url, this.Ctor);
  }
}
