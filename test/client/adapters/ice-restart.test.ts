import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ICE_RESTART_DELAY_MS,
  ICE_RESTART_INTERVAL_MS,
  IceRestarter,
  MAX_ICE_RESTARTS,
} from '../../../client/src/adapters/ice-restart.js';

/** The parts of an RTCPeerConnection the restarter reads and calls. */
function fakePc() {
  return {
    iceConnectionState: 'connected' as RTCIceConnectionState,
    connectionState: 'connected' as RTCPeerConnectionState,
    signalingState: 'stable' as RTCSignalingState,
    restartIce: vi.fn(),
  };
}

function hooks() {
  return { offer: vi.fn(), resendOffer: vi.fn(), askRestart: vi.fn(), giveUp: vi.fn() };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('IceRestarter', () => {
  it('leaves a link that is not open to the usual handling', () => {
    const pc = fakePc();
    pc.iceConnectionState = 'failed';
    expect(new IceRestarter(pc as unknown as RTCPeerConnection, true, hooks()).stateChanged(false)).toBe(
      false,
    );
  });

  it('initiator: restarts ICE after a short wait, resends a lost offer, stops once the path is back', () => {
    const pc = fakePc();
    const h = hooks();
    const r = new IceRestarter(pc as unknown as RTCPeerConnection, true, h);
    pc.iceConnectionState = 'disconnected';
    expect(r.stateChanged(true)).toBe(true);
    vi.advanceTimersByTime(ICE_RESTART_DELAY_MS - 1);
    expect(h.offer).not.toHaveBeenCalled(); // a brief drop may heal by itself
    vi.advanceTimersByTime(1);
    expect([pc.restartIce.mock.calls.length, h.offer.mock.calls.length]).toEqual([1, 1]);
    pc.signalingState = 'have-local-offer'; // no answer came
    vi.advanceTimersByTime(ICE_RESTART_INTERVAL_MS);
    expect(h.resendOffer).toHaveBeenCalledTimes(1);
    pc.iceConnectionState = 'connected';
    expect(r.stateChanged(true)).toBe(false);
    vi.advanceTimersByTime(10 * ICE_RESTART_INTERVAL_MS);
    expect([h.offer.mock.calls.length, h.resendOffer.mock.calls.length, h.giveUp.mock.calls.length]).toEqual([
      1, 1, 0,
    ]);
  });

  it('answerer: asks the initiator to restart, and gives up after the last attempt', () => {
    const pc = fakePc();
    const h = hooks();
    const r = new IceRestarter(pc as unknown as RTCPeerConnection, false, h);
    pc.iceConnectionState = 'failed';
    expect(r.stateChanged(true)).toBe(true);
    vi.advanceTimersByTime(ICE_RESTART_DELAY_MS + MAX_ICE_RESTARTS * ICE_RESTART_INTERVAL_MS);
    expect(h.askRestart).toHaveBeenCalledTimes(MAX_ICE_RESTARTS);
    expect(h.giveUp).toHaveBeenCalledTimes(1);
    expect(pc.restartIce).not.toHaveBeenCalled();
  });

  it('drops an answer that finds the connection stable: the second answer to an offer sent twice', () => {
    const pc = fakePc();
    const r = new IceRestarter(pc as unknown as RTCPeerConnection, true, hooks());
    pc.signalingState = 'have-local-offer';
    expect(r.incoming({ type: 'answer' })).toBe(true);
    pc.signalingState = 'stable';
    expect(r.incoming({ type: 'answer' })).toBe(false);
    expect(r.incoming({ type: 'candidate' })).toBe(true);
  });

  it("initiator: the answerer's restart request while the path is down makes the next offer restart ICE", () => {
    const pc = fakePc();
    const r = new IceRestarter(pc as unknown as RTCPeerConnection, true, hooks());
    expect(r.incoming({ renegotiate: true })).toBe(true);
    expect(pc.restartIce).not.toHaveBeenCalled(); // the path is up: a plain renegotiation
    pc.iceConnectionState = 'disconnected';
    expect(r.incoming({ renegotiate: true })).toBe(true);
    expect(pc.restartIce).toHaveBeenCalledTimes(1);
    const answerer = fakePc();
    answerer.iceConnectionState = 'disconnected';
    new IceRestarter(answerer as unknown as RTCPeerConnection, false, hooks()).incoming({
      renegotiate: true,
    });
    expect(answerer.restartIce).not.toHaveBeenCalled();
  });
});
