import type { IceServer } from '../signaling/messages.js';

/** What a tab says when ICE fails and no TURN relay was configured. */
export const NO_RELAY_MESSAGE = 'no route: both sides are behind strict NATs and no relay is configured';

/** True if `iceServers` name at least one TURN relay (a `turn:` or `turns:` URL). */
export function hasRelay(iceServers: readonly IceServer[]): boolean {
  return iceServers.some((s) =>
    (typeof s.urls === 'string' ? [s.urls] : s.urls).some((u) => /^turns?:/i.test(u)),
  );
}

/**
 * Why ICE found no way between two tabs, in plain words. Without a relay the usual cause is two
 * NATs that map every destination to a new port (symmetric NATs): only TURN gets through those.
 * With one, the relay itself failed: unreachable, or it refused the credential.
 */
export function explainIceFailure(iceServers: readonly IceServer[]): string {
  return hasRelay(iceServers)
    ? 'no route: the two tabs could not reach each other, not even through the TURN relay (relay unreachable, or it refused the credential)'
    : NO_RELAY_MESSAGE;
}
