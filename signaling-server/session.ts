import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { NONCE_BYTES } from '../shared/identity/index.js';
import { SERVICE_RESTART_CLOSE } from '../shared/signaling/messages.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SignalFanout } from './signal-fanout.js';

/** Close codes the hub uses (RFC 6455 section 7.4.1). */
export const CloseCode = {
  GoingAway: 1001,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
  /** The server is draining (restarting or stopping): reconnect after a random wait. */
  ServiceRestart: SERVICE_RESTART_CLOSE,
  /** Application range (4000-4999): another socket proved this socket's peer id; see PEER_ID_SUPERSEDED. */
  Superseded: 4001,
} as const;

/** A closing socket that does not finish the close handshake within this is cut. */
export const CLOSE_GRACE_MS = 1000;

/** One socket and what it has claimed. */
export class Session {
  peerId: string | undefined;
  /** This socket's challenge (hex): its `register` must sign it, so proofs cannot be replayed elsewhere. */
  readonly nonce = randomBytes(NONCE_BYTES).toString('hex');
  alive = true;
  closing = false;
  /** Closes the socket unless it registers first; cleared at the first successful register. */
  registerTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sends this tab fresh TURN credentials before the last ones expire (with TURN configured). */
  turnTimer: ReturnType<typeof setInterval> | undefined;
  /** Distinct tabs this socket signals, made at its first signal. */
  fanout: SignalFanout | undefined;
  /** The socket speaks the WebTorrent tracker protocol (its first message had an `action`). */
  webtorrent = false;
  constructor(
    readonly ws: WebSocket,
    readonly limiter: RateLimiter,
    /** The client's addressKey, for per-address limits. */
    readonly address: string,
  ) {}
}
