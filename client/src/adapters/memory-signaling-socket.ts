import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { Emitter } from '../util/emitter.js';
import { decodeSignalingFrame, encodeSignalingFrame } from './signaling-frames.js';
import {
  ABNORMAL_CLOSURE,
  type SignalingSocket,
  type SignalingSocketEvents,
  type SignalingSocketFactory,
} from './signaling-socket.js';

/** Events of the server end of a memory connection. */
export interface MemoryServerConnectionEvents {
  /** One client message, JSON-parsed. */
  message: (message: unknown) => void;
  /** The connection ended (either side); emitted once. */
  close: (code: number, reason: string) => void;
}

/** Frames travel as text, as over a real socket, and arrive on a later task in order. */
type Frame = { kind: 'text'; text: string } | { kind: 'close'; code: number; reason: string };

/** The server end of a {@link MemorySignalingSocket}, handed to the hub's listener. */
export class MemoryServerConnection {
  private readonly events = new Emitter<MemoryServerConnectionEvents>();
  private closed = false;

  constructor(
    readonly url: string,
    private readonly client: MemorySignalingSocket,
  ) {}

  /** Sends a JSON message to the client. */
  send(message: unknown): void {
    this.sendText(encodeSignalingFrame(message));
  }

  /** Sends a raw text frame (to test what a broken server does). */
  sendText(text: string): void {
    if (!this.closed) this.client.receive({ kind: 'text', text });
  }

  /** Closes with a close frame: the client sees `close(code, reason)` and no error. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.client.receive({ kind: 'close', code, reason });
    this.ended(code, reason);
  }

  /** Drops the connection without a close frame: the client sees SERVER_GONE and 1006. */
  terminate(): void {
    this.close(ABNORMAL_CLOSURE, '');
  }

  on<E extends keyof MemoryServerConnectionEvents>(
    event: E,
    listener: MemoryServerConnectionEvents[E],
  ): void {
    this.events.on(event, listener);
  }

  off<E extends keyof MemoryServerConnectionEvents>(
    event: E,
    listener: MemoryServerConnectionEvents[E],
  ): void {
    this.events.off(event, listener);
  }

  /** @internal A frame from the client. */
  deliver(text: string): void {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      let message: unknown;
      try {
        message = decodeSignalingFrame(text);
      } catch {
        return;
      }
      this.events.emit('message', message);
    }, 0);
  }

  /** @internal The connection is over. */
  ended(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    setTimeout(() => {
      this.events.emit('close', code, reason);
      this.events.clear();
    }, 0);
  }
}

/** Where memory sockets connect: a listener per URL, standing in for a signaling server. */
export class MemorySignalingHub {
  private readonly listeners = new Map<string, (conn: MemoryServerConnection) => void>();

  /** Accepts connections to `url`; returns a function that stops listening. */
  listen(url: string, onConnection: (conn: MemoryServerConnection) => void): () => void {
    this.listeners.set(url, onConnection);
    return () => {
      if (this.listeners.get(url) === onConnection) this.listeners.delete(url);
    };
  }

  /** @internal */
  accept(url: string): ((conn: MemoryServerConnection) => void) | undefined {
    return this.listeners.get(url);
  }
}

/** In-memory twin of {@link SignalingSocket}. */
export class MemorySignalingSocket implements SignalingSocket {
  private currentState: SignalingSocket['state'] = 'connecting';
  private readonly events = new Emitter<SignalingSocketEvents>();
  private server: MemoryServerConnection | undefined;
  private opened = false;
  private closeRequested = false;
  private finished = false;

  constructor(
    readonly url: string,
    hub: MemorySignalingHub,
  ) {
    setTimeout(() => {
      const onConnection = hub.accept(url);
      if (this.currentState !== 'connecting' || !onConnection) {
        this.finish(ABNORMAL_CLOSURE, '');
        return;
      }
      this.server = new MemoryServerConnection(url, this);
      this.opened = true;
      this.currentState = 'open';
      onConnection(this.server);
      this.events.emit('open');
    }, 0);
  }

  get state(): SignalingSocket['state'] {
    return this.currentState;
  }

  send(message: unknown): boolean {
    const text = encodeSignalingFrame(message);
    if (this.currentState !== 'open' || !this.server) return false;
    this.server.deliver(text);
    return true;
  }

  close(code = 1000, reason = ''): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.closeRequested = true;
    this.server?.ended(code, reason);
    setTimeout(() => this.finish(this.opened ? code : ABNORMAL_CLOSURE, this.opened ? reason : ''), 0);
  }

  on<E extends keyof SignalingSocketEvents>(event: E, listener: SignalingSocketEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof SignalingSocketEvents>(event: E, listener: SignalingSocketEvents[E]): void {
    this.events.off(event, listener);
  }

  /** @internal A frame from the server end. */
  receive(frame: Frame): void {
    setTimeout(() => {
      if (this.finished) return;
      if (frame.kind === 'close') {
        this.currentState = 'closed';
        this.finish(frame.code, frame.reason);
        return;
      }
      if (this.currentState !== 'open') return;
      let message: unknown;
      try {
        message = decodeSignalingFrame(frame.text);
      } catch (err) {
        this.events.emit('error', err as TabswarmError);
        return;
      }
      this.events.emit('message', message);
    }, 0);
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

/** Opens {@link MemorySignalingSocket}s against a {@link MemorySignalingHub}. */
export class MemorySignalingSocketFactory implements SignalingSocketFactory {
  constructor(private readonly hub: MemorySignalingHub) {}

  connect(url: string): SignalingSocket {
    return new MemorySignalingSocket(url, this.hub);
  }
}
