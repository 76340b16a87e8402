import { MAX_SIGNAL_DATA_BYTES } from '../signaling/messages.js';

/** The longest SDP an opening offer may carry: the server relays no larger signal either. */
export const MAX_OFFER_SDP_CHARS = MAX_SIGNAL_DATA_BYTES;

/**
 * True if `signal` can open a link: an SDP offer in simple-peer's signal format,
 * `{ type: 'offer', sdp }` with a non-empty SDP of bounded size. Candidates, answers,
 * renegotiation requests and anything malformed cannot: a responder that made an
 * RTCPeerConnection for them would spend a slot (and one of the ~500 connections Chromium allows
 * a tab over its life) on a link that has nothing to start from.
 */
export function isSdpOffer(signal: unknown): signal is { type: 'offer'; sdp: string } {
  if (typeof signal !== 'object' || signal === null || Array.isArray(signal)) return false;
  const s = signal as Record<string, unknown>;
  return (
    s.type === 'offer' && typeof s.sdp === 'string' && s.sdp.length > 0 && s.sdp.length <= MAX_OFFER_SDP_CHARS
  );
}
