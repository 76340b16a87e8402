import type { ServerMessage } from '../shared/signaling/messages.js';
import type { ServerConfig } from './config.js';
import type { Session } from './session.js';
import { iceServersWith, issueTurnCredential, turnRenewalMs } from './turn-credentials.js';

/** The static ICE servers, plus a fresh TURN credential for `peerId` when TURN is configured. */
export function iceServersFor(config: ServerConfig, peerId: string, now: number): RTCIceServer[] {
  const turn = config.turn;
  if (turn === undefined) return config.iceServers;
  return iceServersWith(config.iceServers, turn, issueTurnCredential(turn, peerId, now));
}

/**
 * From a socket's first register on: a new TURN credential every half TTL, sent with `send`, for
 * as long as the socket lives (the hub clears `session.turnTimer` when it closes).
 */
export function scheduleTurnRenewal(
  config: ServerConfig,
  session: Session,
  clock: () => number,
  send: (message: ServerMessage) => void,
): void {
  const turn = config.turn;
  if (turn === undefined || session.turnTimer !== undefined) return;
  session.turnTimer = setInterval(() => {
    const peerId = session.peerId;
    if (peerId === undefined || session.closing) return;
    const credential = issueTurnCredential(turn, peerId, clock());
    send({
      type: 'ice-servers',
      iceServers: iceServersWith(config.iceServers, turn, credential),
      expiresAt: credential.expiresAt,
    });
  }, turnRenewalMs(turn));
  session.turnTimer.unref();
}
