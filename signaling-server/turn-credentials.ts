import { createHmac } from 'node:crypto';
import type { IceServer } from '../shared/signaling/messages.js';

/**
 * TURN servers whose credentials the server issues itself, per tab and short-lived: the TURN
 * REST scheme that coturn implements with `use-auth-secret` / `static-auth-secret`. The page
 * never holds a static secret; a leaked credential stops working at its expiry.
 */
export interface TurnSettings {
  /** `turn:` / `turns:` URLs of the relay, e.g. `turn:turn.example.org:3478?transport=udp`. */
  urls: string[];
  /** The secret shared with coturn (`static-auth-secret`). */
  secret: string;
  /** How long each credential is valid, in seconds. */
  ttlSeconds: number;
}

/** One issued credential. */
export interface TurnCredential {
  /** `expiry:peerId`, expiry in Unix seconds. */
  username: string;
  /** base64 HMAC-SHA1 of `username` keyed with the shared secret. */
  credential: string;
  /** When the credential stops working, Unix milliseconds. */
  expiresAt: number;
}

/**
 * The credential coturn's `use-auth-secret` accepts until `expirySeconds` (Unix seconds):
 * username `expiry:peerId`, password base64(HMAC-SHA1(secret, username)).
 */
export function turnCredential(secret: string, peerId: string, expirySeconds: number): TurnCredential {
  const username = `${expirySeconds}:${peerId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: expirySeconds * 1000 };
}

/** A credential for `peerId` valid for `turn.ttlSeconds` from `nowMs`. */
export function issueTurnCredential(turn: TurnSettings, peerId: string, nowMs: number): TurnCredential {
  return turnCredential(turn.secret, peerId, Math.floor(nowMs / 1000) + turn.ttlSeconds);
}

/**
 * When to send a tab its next credential: at half its life, so a tab whose renewal is late (a
 * busy socket, a reconnect) still holds a valid one. At least 500 ms, so a tiny test TTL cannot
 * turn into a flood.
 */
export function turnRenewalMs(turn: TurnSettings): number {
  return Math.max(500, (turn.ttlSeconds * 1000) / 2);
}

/** The configured static ICE servers followed by the TURN entry carrying `credential`. */
export function iceServersWith(
  statics: readonly IceServer[],
  turn: TurnSettings,
  credential: TurnCredential,
): IceServer[] {
  return [...statics, { urls: turn.urls, username: credential.username, credential: credential.credential }];
}
