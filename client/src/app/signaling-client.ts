import { toHex } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import { proveRegister, type Identity } from '../../../shared/identity/index.js';
import type {
  AnnounceEvent,
  ClientMessage,
  IceServer,
  ServerMessage,
} from '../../../shared/signaling/messages.js';
import { SERVICE_RESTART_CLOSE, checkServerMessage } from '../../../shared/signaling/messages.js';
import type { SignalingSocket, SignalingSocketFactory } from '../adapters/signaling-socket.js';
import { Emitter } from '../util/emitter.js';
import { ReconnectBackoff } from './reconnect-backoff.js';

/** How the tab stands with the signaling server. */
export type ServerState = 'connecting' | 'online' | 'offline';

export type SignalingClientEvents = {
  state: (state: ServerState, error?: TabswarmError) => void;
  /** Registered (again): the bootstrap set of other peers, and what else the reply said. */
  registered: (peers: string[], reply: RegisteredInfo) => void;
  /** A WebRTC signal relayed from `from`. */
  signal: (from: string, data: unknown) => void;
  /** The server refused something we sent. */
  refused: (error: TabswarmError) => void;
};

/** What a `registered` reply says besides the peers. */
export interface RegisteredInfo {
  /** The first registration on this socket (connected or reconnected), not a bootstrap refresh. */
  first: boolean;
  /** The server had nobody to give: ask again no sooner than this. */
  retryAfterMs?: number;
}

const REQUEST_TIMEOUT_MS = 10_000;
export { RECONNECT_MIN_MS } from './reconnect-backoff.js';

interface Pending {
  resolve: (message: ServerMessage) => void;
  reject: (err: TabswarmError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The tab's side of docs/signaling-protocol.md: registers, announces (tracker), relays WebRTC
 * signals, and reconnects with backoff when the server goes away. The server is a bootstrap,
 * not a dependency: when it is gone the tab keeps working over the overlay.
 */
export class SignalingClient extends Emitter<SignalingClientEvents> {
  state: ServerState = 'connecting';
  lastError: TabswarmError | undefined;
  iceServers: IceServer[] = [];
  private socket: SignalingSocket | undefined;
  private nextRid = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly backoff: ReconnectBackoff;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Another socket proved our key to the server (another tab shares it): we stop reconnecting. */
  private superseded = false;
  /** Whether the current socket holds our id (its first `registered` came). */
  private registeredHere = false;
  readonly peerId: string;

  /** The servers to try, in turn: a socket that closes sends the next attempt to the next one. */
  private readonly urls: readonly string[];
  private urlIndex = 0;

  constructor(
    private readonly factory: SignalingSocketFactory,
    /** The server, or several (one process each, sharing their state) to move between. */
    urls: string | readonly string[],
    /** The key pair the peer id is derived from; the server registers the id only with proof. */
    private readonly identity: Identity,
    /** Uniform in [0, 1): spreads reconnects (see reconnect-backoff.ts). */
    random: () => number = Math.random,
  ) {
    super();
    this.urls = typeof urls === 'string' ? [urls] : urls;
    if (this.urls.length === 0) throw new Error('SignalingClient: give at least one server URL');
    this.peerId = toHex(identity.peerId);
    this.backoff = new ReconnectBackoff(random);
  }

  /** The server this tab connects (or connected last) to. */
  get url(): string {
    return this.urls[this.urlIndex % this.urls.length] as string;
  }

  /** Connects (and keeps reconnecting). Resolves at the first successful registration. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      const once = (): void => {
        this.off('registered', once);
        resolve();
      };
      this.on('registered', once);
      this.open();
    });
  }

  /** Joins a swarm on the server's tracker; resolves with other members' peer ids. */
  async announce(infoHash: string, event?: AnnounceEvent): Promise<string[]> {
    const message: ClientMessage = { type: 'announce', infoHash, ...(event ? { event } : {}) };
    const reply = await this.request(message);
    return reply.type === 'announced' ? reply.peers : [];
  }

  /**
   * Asks the server for a fresh bootstrap set (answered by a 'registered' event); false unless
   * registered. The caller paces this (shared/signaling/bootstrap-backoff.ts).
   */
  refreshBootstrap(): boolean {
    if (!this.registeredHere) return false;
    return this.send({ type: 'register', peerId: this.peerId, rid: this.rid() });
  }

  /** Relays a WebRTC signal to `to`; false if the server is not reachable now. */
  signal(to: string, data: unknown): boolean {
    return this.send({ type: 'signal', to, data });
  }

  stop(): void {
    this.closed = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.socket?.close(1000, 'tab closing');
    this.failPending(new TabswarmError(ErrorCode.ServerGone, 'signaling stopped'));
  }

  private open(): void {
    if (this.closed) return;
    this.setState('connecting');
    const socket = this.factory.connect(this.url);
    this.socket = socket;
    this.registeredHere = false;
    // The server speaks first (its challenge); the register that proves our id answers it.
    // A socket we have left behind may still speak (its close lags): it is no longer ours.
    socket.on('message', (raw) => {
      if (this.socket === socket) this.onMessage(raw);
    });
    socket.on('error', (err) => {
      if (err.code !== ErrorCode.SignalInvalid) this.lastError = err;
    });
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.registeredHere = false;
      const wasOnline = this.state === 'online';
      const error =
        this.lastError ??
        (code === SERVICE_RESTART_CLOSE
          ? new TabswarmError(
              ErrorCode.ServerGone,
              'the signaling server is restarting; reconnecting shortly',
            )
          : new TabswarmError(
              wasOnline ? ErrorCode.ServerGone : ErrorCode.ServerUnreachable,
              wasOnline
                ? 'the signaling server went away'
                : `cannot reach the signaling server at ${this.url}`,
            ));
      this.lastError = undefined;
      this.failPending(error);
      this.setState('offline', error);
      this.scheduleReconnect(code);
    });
  }

  /** The wait before the next connect attempt, once scheduled (for tests and the status view). */
  lastReconnectDelayMs: number | undefined;

  private scheduleReconnect(closeCode: number): void {
    // Superseded: another tab holds our key; reconnecting would only take the id back and forth.
    if (this.closed || this.superseded) return;
    // With several servers, the next attempt goes to the next one: a dead process's tabs find a
    // live one on their first try instead of waiting out the backoff against the dead one.
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    const delay = this.backoff.next(closeCode);
    this.lastReconnectDelayMs = delay;
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private onMessage(raw: unknown): void {
    const checked = checkServerMessage(raw);
    if (!checked.ok) {
      console.warn('tabswarm: ignoring a malformed server message:', checked.problem.message);
      return;
    }
    const message = checked.message;
    const rid = 'rid' in message && typeof message.rid === 'number' ? message.rid : undefined;
    const pending = rid !== undefined ? this.pending.get(rid) : undefined;
    if (pending && rid !== undefined) {
      this.pending.delete(rid);
      clearTimeout(pending.timer);
    }
    switch (message.type) {
      case 'challenge': {
        const proof = proveRegister(this.identity, message.nonce);
        this.send({ type: 'register', peerId: this.peerId, ...proof, rid: this.rid() });
        return;
      }
      case 'registered': {
        const first = !this.registeredHere;
        this.registeredHere = true;
        this.iceServers = message.iceServers;
        this.backoff.reset();
        this.setState('online');
        const info: RegisteredInfo = { first };
        if (message.retryAfterMs !== undefined) info.retryAfterMs = message.retryAfterMs;
        this.emit('registered', message.peers, info);
        return;
      }
      case 'ice-servers':
        // Renewed TURN credentials: every link made from now on uses them.
        this.iceServers = message.iceServers;
        return;
      case 'announced':
        pending?.resolve(message);
        return;
      case 'signal':
        this.emit('signal', message.from, message.data);
        return;
      case 'error': {
        const err = new TabswarmError(message.code, message.message);
        if (message.code === ErrorCode.PeerIdSuperseded) {
          this.superseded = true;
          this.lastError = err; // reported when the server closes the socket
          return;
        }
        if (pending) pending.reject(err);
        else this.emit('refused', err);
        return;
      }
    }
  }

  private request(message: ClientMessage): Promise<ServerMessage> {
    const rid = this.rid();
    return new Promise((resolve, reject) => {
      if (!this.send({ ...message, rid })) {
        reject(new TabswarmError(ErrorCode.ServerUnreachable, 'not connected to the signaling server'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new TabswarmError(ErrorCode.Timeout, `no answer to ${message.type} from the server`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(rid, { resolve, reject, timer });
    });
  }

  private send(message: ClientMessage): boolean {
    return this.socket?.state === 'open' ? this.socket.send(message) : false;
  }

  private rid(): number {
    return this.nextRid++;
  }

  private failPending(err: TabswarmError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private setState(state: ServerState, error?: TabswarmError): void {
    if (this.state === state && !error) return;
    this.state = state;
    this.emit('state', state, error);
  }
}
