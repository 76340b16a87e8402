/** A drop this short often heals by itself (a lost burst of consent checks): wait before restarting. */
export const ICE_RESTART_DELAY_MS = 2_000;
/** How long one restart may take before the next is tried (its signals may have been lost). */
export const ICE_RESTART_INTERVAL_MS = 5_000;
/** Restarts tried before an open link that lost its path is given up. */
export const MAX_ICE_RESTARTS = 5;

/** What an {@link IceRestarter} asks of its link. */
export interface IceRestartHooks {
  /** Initiator: make a new offer (the connection has been told to restart ICE). */
  offer(): void;
  /** Initiator: send the offer still waiting for its answer again (the first may have been lost). */
  resendOffer(): void;
  /** Answerer: ask the initiator to restart (and, by sending, find out whether our own signaling path still works). */
  askRestart(): void;
  /** Nothing brought the path back. */
  giveUp(): void;
}

/**
 * Keeps an open link through a network change (Wi-Fi to mobile, a router's new public address):
 * when ICE reports the path disconnected or failed, the initiator restarts ICE (new credentials,
 * new candidates gathered where the tab now is) and offers again, every
 * {@link ICE_RESTART_INTERVAL_MS} until the path is back or {@link MAX_ICE_RESTARTS} were tried.
 * The answerer asks the initiator to restart. Data channels stay open meanwhile; SCTP resends
 * what was lost.
 */
export class IceRestarter {
  /** Restarts tried since the path was last up. */
  attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly initiator: boolean,
    private readonly hooks: IceRestartHooks,
  ) {}

  /**
   * The connection's ICE or connection state changed. Returns true when the restarter handles it
   * (the link must not be torn down), false to let the usual handling run.
   */
  stateChanged(open: boolean): boolean {
    if (!open) return false;
    const ice = this.pc.iceConnectionState;
    if (ice === 'connected' || ice === 'completed') {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.attempts = 0;
      }
      return false;
    }
    if (this.pathDown()) {
      this.timer ??= setTimeout(() => this.attempt(), ICE_RESTART_DELAY_MS);
      return true;
    }
    // Checking or new again during a restart: wait for it.
    return this.timer !== undefined;
  }

  /**
   * A signal arrived for the open link. Returns false to drop it. Two things cross during a
   * restart: the answerer's "please restart" and the initiator's own restart. Simple-peer answers
   * the request with a plain offer; when the path is down that offer restarts ICE too, so both
   * sides' attempts are one. An offer sent twice (resent, as the first may be lost) gets two
   * answers; the second finds the connection stable again and is dropped instead of failing it.
   */
  incoming(signal: { type?: unknown; renegotiate?: unknown }): boolean {
    if (signal.type === 'answer' && this.pc.signalingState === 'stable') return false;
    if (signal.renegotiate === true && this.initiator && this.pathDown()) this.pc.restartIce?.();
    return true;
  }

  private pathDown(): boolean {
    const ice = this.pc.iceConnectionState;
    return ice === 'disconnected' || ice === 'failed' || this.pc.connectionState === 'failed';
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private attempt(): void {
    const ice = this.pc.iceConnectionState;
    if (ice === 'connected' || ice === 'completed') {
      this.stateChanged(true);
      return;
    }
    if (ice === 'closed' || this.attempts >= MAX_ICE_RESTARTS) {
      this.timer = undefined;
      this.hooks.giveUp();
      return;
    }
    this.attempts++;
    if (!this.initiator) this.hooks.askRestart();
    else if (this.pc.signalingState === 'have-local-offer') this.hooks.resendOffer();
    else {
      this.pc.restartIce?.();
      this.hooks.offer();
    }
    this.timer = setTimeout(() => this.attempt(), ICE_RESTART_INTERVAL_MS);
  }
}
