import type { RawData, WebSocket } from 'ws';
import { ErrorCode } from '../shared/errors.js';
import {
  checkClientMessage,
  decodeFrame,
  type CheckResult,
  type AnnounceMessage,
  type AnnouncedMessage,
  type ClientMessage,
  type RegisterMessage,
  type RegisteredMessage,
  type RequestId,
  type ServerMessage,
  type SignalMessage,
} from '../shared/signaling/messages.js';
import type { ServerConfig } from './config.js';
import { CHALLENGE_FOR_WEBTORRENT, hasAction, rawToString } from './frame-text.js';
import type { HubStore, HubStoreEvents } from './hub-store.js';
import { RateLimiter } from './rate-limiter.js';
import { SignalFanout } from './signal-fanout.js';
import { hubStoreStats, newHubCounters, type HubStats } from './hub-stats.js';
import { registerProofProblem } from './register-proof.js';
import { CLOSE_GRACE_MS, CloseCode, Session } from './session.js';
import { WtTracker } from './wt-tracker.js';
import { iceServersFor, scheduleTurnRenewal } from './turn-renewal.js';

export type { HubStats } from './hub-stats.js';

export { CloseCode } from './session.js';

type Handlers = {
  [K in ClientMessage['type']]: (s: Session, m: Extract<ClientMessage, { type: K }>) => void;
};

/**
 * The WebSocket side of the server: sessions, the peer registry, the tracker, relaying and the
 * heartbeat. Messages are checked against shared/signaling/messages.ts; anything wrong gets an
 * error reply to its sender only.
 */
export class SignalingHub {
  private readonly sessions = new Set<Session>();
  /** Peers whose socket is on this process. */
  private readonly peers = new Map<string, Session>();
  /** Open sockets per client address. */
  private readonly addressSockets = new Map<string, number>();
  private readonly wt: WtTracker<Session>;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly errorsByCode = new Map<string, number>();
  private readonly counters = newHubCounters();

  private readonly handlers: Handlers = {
    register: (s, m) => this.onRegister(s, m),
    announce: (s, m) => this.onAnnounce(s, m),
    signal: (s, m) => this.onSignal(s, m),
  };

  constructor(
    private readonly config: ServerConfig,
    /** Registrations, bootstrap sets, swarms and relays shared with the other processes. */
    private readonly store: HubStore,
    private readonly clock: () => number = Date.now,
  ) {
    this.wt = new WtTracker<Session>({
      send: (s, message) => this.sendRaw(s.ws, message),
      buffered: (s) => s.ws.bufferedAmount,
      address: (s) => s.address,
      isTab: (id) => this.peers.has(id),
      ...config,
    });
    this.heartbeat = setInterval(() => this.beat(), config.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Takes over a freshly upgraded socket from `address` (an addressKey). */
  handleConnection(ws: WebSocket, address: string): void {
    ws.on('error', () => {});
    try {
      this.admit(ws, address);
    } catch (err) {
      this.contain(undefined, ws, 'connect', err);
    }
  }

  private admit(ws: WebSocket, address: string): void {
    const fromAddress = this.addressSockets.get(address) ?? 0;
    const refusal =
      this.sessions.size >= this.config.maxConnections
        ? 'server is full; try again later'
        : fromAddress >= this.config.maxSocketsPerAddress
          ? `too many sockets from your address (at most ${this.config.maxSocketsPerAddress}); try again later`
          : undefined;
    if (refusal !== undefined) {
      this.counters.socketsRefused++;
      this.send(ws, { type: 'error', code: ErrorCode.LimitExceeded, message: refusal });
      ws.close(CloseCode.TryAgainLater, refusal.slice(0, refusal.indexOf(';')));
      return;
    }
    const session = new Session(ws, new RateLimiter(this.config.rateLimit, this.clock()), address);
    this.sessions.add(session);
    this.addressSockets.set(address, fromAddress + 1);
    // First, so whatever fails below, the session is forgotten when its socket closes.
    ws.on('close', () => this.guard(session, 'close', () => this.forget(session)));
    // A socket that never registers (idle, or answering pings and nothing else) holds a slot of
    // its address for nothing: a real tab registers as soon as its socket opens.
    session.registerTimer = setTimeout(
      () => this.guard(session, 'register deadline', () => this.registerDeadline(session)),
      this.config.registerTimeoutMs,
    );
    session.registerTimer.unref();
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('message', (data, isBinary) =>
      this.guard(session, 'message', () => this.onFrame(session, data, isBinary)),
    );
    // Oversized frames and protocol errors surface here; ws then closes the socket itself.
    ws.on('error', (err) =>
      this.config.log.debug('socket error', { peer: session.peerId, error: err.message }),
    );
    this.send(ws, { type: 'challenge', nonce: session.nonce, ...CHALLENGE_FOR_WEBTORRENT });
  }

  /**
   * Runs one socket's handler; anything it throws is a bug, logged and contained by closing
   * that socket (1011), so one bad connection never takes down the process.
   */
  private guard(session: Session, what: string, handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.contain(session, session.ws, what, err);
    }
  }

  private contain(session: Session | undefined, ws: WebSocket, what: string, err: unknown): void {
    this.counters.internalErrors++;
    this.config.log.error('internal error', {
      where: what,
      peer: session?.peerId,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    try {
      if (session !== undefined) this.closeSession(session, CloseCode.InternalError, 'internal error');
      else ws.close(CloseCode.InternalError, 'internal error');
    } catch {
      ws.terminate();
    }
  }

  private registerDeadline(session: Session): void {
    session.registerTimer = undefined;
    if (session.peerId !== undefined || session.closing) return;
    this.counters.registerTimeouts++;
    const seconds = this.config.registerTimeoutMs / 1000;
    this.error(session, ErrorCode.Timeout, `no register within ${seconds} s of connecting; closing`);
    this.closeSession(session, CloseCode.PolicyViolation, 'register deadline passed');
  }

  /** Current counters. */
  stats(): HubStats {
    return {
      connections: this.sessions.size,
      peers: this.peers.size,
      swarms: this.store.health().clusterSwarms,
      ...this.counters,
      ...hubStoreStats(this.store.health()),
      errorsByCode: Object.fromEntries(this.errorsByCode),
      webtorrentPeers: this.wt.peerCount,
      webtorrentOffersRelayed: this.wt.counters.offersRelayed,
      webtorrentAnswersRelayed: this.wt.counters.answersRelayed,
    };
  }

  /**
   * Asks every tab to come back later: each socket is closed with 1012 (service restart), which
   * tabs answer by reconnecting after a random wait, so they do not all return at once.
   */
  drain(): void {
    for (const s of this.sessions)
      this.guard(s, 'drain', () => this.closeSession(s, CloseCode.ServiceRestart, 'server restarting'));
  }

  /** Open sockets, registered or not. */
  get socketCount(): number {
    return this.sessions.size;
  }

  /** Stops the heartbeat and closes every socket. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const s of this.sessions) {
      clearTimeout(s.registerTimer);
      clearInterval(s.turnTimer);
      s.ws.terminate();
    }
  }

  private onFrame(session: Session, data: RawData, isBinary: boolean): void {
    if (session.closing) return;
    this.counters.messagesReceived++;
    const decision = session.limiter.take(this.clock());
    if (decision !== 'accept') {
      this.counters.messagesDropped++;
      if (decision === 'close') {
        this.closeSession(session, CloseCode.PolicyViolation, 'rate limit exceeded');
      } else if (decision === 'drop-and-notify') {
        const { perSecond, burst } = this.config.rateLimit;
        this.error(
          session,
          ErrorCode.RateLimited,
          `too many messages (limit ${perSecond}/s, burst ${burst}); messages are being dropped`,
        );
      }
      return;
    }
    if (isBinary) {
      this.error(session, ErrorCode.SignalInvalid, 'binary frames are not accepted; send JSON text');
      return;
    }
    const json = decodeFrame(rawToString(data));
    // One endpoint, two protocols: a socket whose first message has an `action` is a
    // WebTorrent tracker client (wt-tracker.ts) for its whole life.
    if (session.webtorrent || (session.peerId === undefined && json.ok && hasAction(json.message))) {
      this.onWebTorrent(session, json);
      return;
    }
    const result = json.ok ? checkClientMessage(json.message) : json;
    if (!result.ok) {
      const { message, field, rid } = result.problem;
      this.error(session, ErrorCode.SignalInvalid, message, { ref: field, rid });
      return;
    }
    const msg = result.message;
    if (session.peerId === undefined && msg.type !== 'register') {
      this.error(session, ErrorCode.SignalInvalid, `${msg.type}: send register first`, {
        ref: 'type',
        rid: msg.rid,
      });
      return;
    }
    (this.handlers[msg.type] as (s: Session, m: ClientMessage) => void)(session, msg);
  }

  private onWebTorrent(session: Session, json: CheckResult<unknown>): void {
    session.webtorrent = true;
    if (!json.ok) this.wt.fail(session, json.problem.message);
    else if (!hasAction(json.message)) this.wt.fail(session, 'message must be a JSON object with an action');
    else if (this.wt.handle(session, json.message, this.clock())) {
      // A tracker client that announced is what a registered tab is: past the register deadline.
      clearTimeout(session.registerTimer);
      session.registerTimer = undefined;
    }
  }

  private onRegister(session: Session, m: RegisterMessage): void {
    if (session.peerId !== undefined && session.peerId !== m.peerId) {
      const message = `peerId: this socket is already registered as ${session.peerId}`;
      this.error(session, ErrorCode.SignalInvalid, message, { ref: 'peerId', rid: m.rid });
      return;
    }
    // Registering again on the socket that holds the id only asks for a fresh bootstrap set.
    if (session.peerId === undefined) {
      if (!this.proven(session, m)) return;
      const holder = this.peers.get(m.peerId);
      if (holder !== undefined && holder !== session) this.supersede(holder);
    }
    if (session.peerId === undefined) this.counters.registrations++;
    session.peerId = m.peerId;
    clearTimeout(session.registerTimer);
    session.registerTimer = undefined;
    const first = this.peers.get(m.peerId) !== session;
    this.peers.set(m.peerId, session);
    const numWant = this.numWant(m.numWant);
    const asked = first ? this.store.register(m.peerId, numWant) : this.store.sample(numWant, m.peerId);
    this.later(session, 'register', asked, (peers) => {
      const registered: RegisteredMessage = {
        type: 'registered',
        peerId: m.peerId,
        peers,
        iceServers: iceServersFor(this.config, m.peerId, this.clock()),
      };
      // Nobody to give: tell the tab when asking again is worth it (newcomers are handed this tab).
      if (peers.length === 0) registered.retryAfterMs = this.config.bootstrapRetryAfterMs;
      this.reply(session, registered, m.rid);
      scheduleTurnRenewal(this.config, session, this.clock, (message) =>
        this.guard(session, 'turn renewal', () => this.send(session.ws, message)),
      );
    });
  }

  /** Runs `then` with what the store answered, guarded like a socket's handler. */
  private later<T>(session: Session, what: string, answer: Promise<T>, then: (value: T) => void): void {
    answer.then(
      (value) => this.guard(session, what, () => then(value)),
      (err: unknown) => this.contain(session, session.ws, what, err),
    );
  }

  /**
   * Whether `m` proves its id (register-proof.ts). A register without proof is told so and may
   * try again; a wrong proof closes the socket, so each socket costs at most one signature check.
   */
  private proven(session: Session, m: RegisterMessage): boolean {
    const problem = registerProofProblem(session.nonce, m);
    if (problem === undefined) return true;
    this.counters.proofsRefused++;
    this.error(session, ErrorCode.PeerIdUnproven, problem.message, { ref: problem.field, rid: m.rid });
    if (problem.fatal) this.closeSession(session, CloseCode.PolicyViolation, 'peer id not proven');
    return false;
  }

  /**
   * Another socket proved `old`'s id: the holder of the key wins. `old` is a stale socket of the
   * same tab (its network changed and the heartbeat has not reaped it yet) or a tab that shares
   * the key; it is told, then closed, and everything it held is freed for the new socket.
   */
  private supersede(old: Session): void {
    const id = old.peerId as string;
    this.counters.peersSuperseded++;
    const message = `peer id ${id} was registered by another socket holding its key`;
    this.error(old, ErrorCode.PeerIdSuperseded, message, { ref: id });
    this.closeSession(old, CloseCode.Superseded, 'peer id superseded');
  }

  private onAnnounce(session: Session, m: AnnounceMessage): void {
    const peerId = session.peerId as string;
    const numWant = this.numWant(m.numWant);
    const answer = this.store.announce(peerId, m.infoHash, m.event, numWant, session.address);
    this.later(session, 'announce', answer, (result) => {
      if (!result.ok) {
        this.error(session, ErrorCode.LimitExceeded, `announce ${m.infoHash}: ${result.reason}`, {
          ref: m.infoHash,
          rid: m.rid,
        });
        return;
      }
      const { peers, complete, incomplete } = result;
      this.reply(session, { type: 'announced', infoHash: m.infoHash, peers, complete, incomplete }, m.rid);
    });
  }

  private onSignal(session: Session, m: SignalMessage): void {
    const target = this.peers.get(m.to);
    if (target?.closing === true || (target === undefined && this.store.holdsNow(m.to) === false)) {
      this.unknownPeer(session, m);
      return;
    }
    // One socket offering links to many tabs (to hold their slots or spend their connection
    // budgets) is throttled by how many distinct tabs it may start signalling per window.
    session.fanout ??= new SignalFanout({
      maxTargets: this.config.maxSignalTargets,
      windowMs: this.config.signalTargetWindowMs,
    });
    if (!session.fanout.allow(m.to, this.clock())) {
      this.counters.messagesDropped++;
      const { maxSignalTargets, signalTargetWindowMs } = this.config;
      this.error(
        session,
        ErrorCode.RateLimited,
        `too many new signal targets (at most ${maxSignalTargets} per ${signalTargetWindowMs / 1000} s); signal to ${m.to} dropped`,
        { ref: m.to, rid: m.rid },
      );
      return;
    }
    if (target === undefined) {
      // Not on this process: the store hands it to the process that holds `to`, if any.
      const frame = JSON.stringify({ type: 'signal', from: session.peerId as string, data: m.data });
      this.later(session, 'relay', this.store.relay(m.to, frame), (sent) => {
        if (!sent) this.unknownPeer(session, m);
      });
      return;
    }
    if (target.ws.bufferedAmount > this.config.maxBufferedBytes) {
      this.error(session, ErrorCode.RateLimited, `peer ${m.to} is not reading its messages; signal dropped`, {
        ref: m.to,
        rid: m.rid,
      });
      return;
    }
    this.send(target.ws, { type: 'signal', from: session.peerId as string, data: m.data });
    this.counters.messagesRelayed++;
  }

  private unknownPeer(session: Session, m: SignalMessage): void {
    this.error(session, ErrorCode.UnknownPeer, `peer ${m.to} is not connected`, { ref: m.to, rid: m.rid });
  }

  /** The events other processes send this one through the store. */
  readonly storeEvents: HubStoreEvents = {
    // A frame relayed to a peer here; dropped if its socket is gone or not reading.
    deliver: (to, frame) => {
      const target = this.peers.get(to);
      if (target === undefined || target.closing || target.ws.bufferedAmount > this.config.maxBufferedBytes) {
        this.counters.messagesDropped++;
        return;
      }
      this.guard(target, 'deliver', () => {
        if (target.ws.readyState !== target.ws.OPEN) return;
        target.ws.send(frame);
        this.counters.messagesSent++;
        this.counters.messagesRelayed++;
      });
    },
    supersede: (peerId) => {
      const holder = this.peers.get(peerId);
      if (holder !== undefined) this.guard(holder, 'supersede', () => this.supersede(holder));
    },
  };

  private numWant(asked: number | undefined): number {
    return Math.min(asked ?? this.config.peersPerReply, this.config.peersPerReply);
  }

  private reply(
    session: Session,
    message: RegisteredMessage | AnnouncedMessage,
    rid: RequestId | undefined,
  ): void {
    this.send(session.ws, rid === undefined ? message : { ...message, rid });
  }

  private error(
    session: Session,
    code: ErrorCode,
    message: string,
    extra: { ref?: string | undefined; rid?: RequestId | undefined } = {},
  ): void {
    this.counters.errorsSent++;
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
    // A WebTorrent tracker client reads `failure reason`, not tabswarm's error.
    if (session.webtorrent) return this.wt.fail(session, message);
    const out: ServerMessage = { type: 'error', code, message };
    if (extra.ref !== undefined) out.ref = extra.ref;
    if (extra.rid !== undefined) out.rid = extra.rid;
    this.send(session.ws, out);
  }

  private send(ws: WebSocket, message: ServerMessage): void {
    this.sendRaw(ws, message);
  }

  private sendRaw(ws: WebSocket, message: object): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(message));
    this.counters.messagesSent++;
  }

  private closeSession(session: Session, code: number, reason: string): void {
    if (session.closing) return;
    session.closing = true;
    clearInterval(session.turnTimer);
    this.config.log.debug('closing socket', { peer: session.peerId, code, reason });
    // Free the id and swarms now: the socket is finished even if its close handshake lags.
    this.unregister(session);
    session.ws.close(code, reason);
    setTimeout(() => session.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  private forget(session: Session): void {
    if (!this.sessions.delete(session)) return;
    clearTimeout(session.registerTimer);
    clearInterval(session.turnTimer);
    const left = (this.addressSockets.get(session.address) ?? 1) - 1;
    if (left > 0) this.addressSockets.set(session.address, left);
    else this.addressSockets.delete(session.address);
    this.unregister(session);
  }

  private unregister(session: Session): void {
    this.wt.forget(session);
    const id = session.peerId;
    if (id === undefined || this.peers.get(id) !== session) return;
    this.peers.delete(id);
    this.store.unregister(id);
  }

  /**
   * Pings every socket and terminates those that did not answer the previous ping. A socket that
   * answers pings but never speaks is not reaped here: if it never registered, the register
   * deadline has closed it already; if it did, it is a quiet tab (a tab with nothing to announce
   * sends nothing for hours), and the per-address caps bound what such sockets can hold.
   */
  private beat(): void {
    for (const s of this.sessions) this.guard(s, 'heartbeat', () => this.beatOne(s));
  }

  private beatOne(s: Session): void {
    if (!s.alive) {
      this.counters.socketsReaped++;
      this.config.log.debug('reaping socket: no pong', { peer: s.peerId });
      this.unregister(s);
      s.ws.terminate();
      return;
    }
    s.alive = false;
    if (s.ws.readyState === s.ws.OPEN) s.ws.ping();
  }
}
