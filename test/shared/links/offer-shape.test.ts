import { describe, expect, it } from 'vitest';
import { isSdpOffer, MAX_OFFER_SDP_CHARS } from '../../../shared/links/index.js';

describe('isSdpOffer', () => {
  it("accepts simple-peer's offer", () => {
    expect(isSdpOffer({ type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' })).toBe(true);
    expect(isSdpOffer({ type: 'offer', sdp: 'x'.repeat(MAX_OFFER_SDP_CHARS) })).toBe(true);
  });

  it('refuses candidates, answers, renegotiation and anything malformed', () => {
    for (const signal of [
      { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0' } },
      { candidate: { candidate: 'candidate:1', sdpMid: '0' } },
      { type: 'answer', sdp: 'v=0' },
      { renegotiate: true },
      { type: 'transceiverRequest', transceiverRequest: { kind: 'audio' } },
      { type: 'offer' },
      { type: 'offer', sdp: '' },
      { type: 'offer', sdp: 42 },
      { type: 'offer', sdp: 'x'.repeat(MAX_OFFER_SDP_CHARS + 1) },
      [{ type: 'offer', sdp: 'v=0' }],
      'offer',
      null,
      undefined,
      7,
    ]) {
      expect(isSdpOffer(signal), JSON.stringify(signal)).toBe(false);
    }
  });
});
