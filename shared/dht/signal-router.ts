import { Outbox } from '../machine/index.js';
import type { Machine } from '../machine/index.js';
import type { NodeId } from './node-id.js';

/** Signals sent through the overlay to one peer within this window are kept together for a resend. */
export const SIGNAL_MEMORY_MS = 15_000;

/** What the host does with one signal (or, for `lookup`, to find a way for the queued ones). */
export type SignalRoute<P> =
  /** Send through the overlay (DhtNode.sendSignal). */
  | { type: 'overlay'; to: NodeId; payload: P }
  /** Send through the signaling server; `fallback` when the overlay failed or found no route. */
  | { type: 'server'; to: NodeId; payload: P; fallback: boolean }
  /** Look `to` up (findNode) and call `lookupDone(to)` when it finishes. */
  | { type: 'lookup'; to: NodeId };

/** Options of a {@link SignalRouter}. */
export interface SignalRouterOptions {
  /** Whether the overlay can reach `to` now (DhtNode.hasRouteTo). */
  hasRoute(to: NodeId): boolean;
}

/**
 * The one rule for signaling a new WebRTC link, used by the tab, the simulator and the tests:
 * through the overlay when it has a route to the peer; through the server when there is none and
 * the server is there; else look the peer up first (a swarm peer found by get_peers is a value,
 * not a contact with a route) and then use the overlay if the lookup found a way, the server if
 * not. Signals that went through the overlay are remembered per peer, so that when the overlay
 * fails them ('signal-failed') they go again through the server.
 *
 * Sans-I/O: inputs queue {@link SignalRoute}s, taken with `poll()`. It has no timers.
 */
export class SignalRouter<P> implements Machine<SignalRoute<P>> {
  private readonly out = new Outbox<SignalRoute<P>>();
  /** Signals waiting for a lookup of their destination. */
  private readonly findingRoute = new Map<NodeId, P[]>();
  /** Signals sent through the overlay lately, per destination, for a resend through the server. */
  private readonly inFlight = new Map<NodeId, { at: number; payloads: P[] }>();

  constructor(private readonly options: SignalRouterOptions) {}

  /** The host has a signal for `to`; `serverOnline` says whether the server can carry it. */
  send(to: NodeId, payload: P, serverOnline: boolean, now: number): void {
    if (this.options.hasRoute(to)) return this.viaOverlay(to, payload, now);
    if (serverOnline) return this.out.push({ type: 'server', to, payload, fallback: false });
    const waiting = this.findingRoute.get(to);
    if (waiting) return void waiting.push(payload);
    this.findingRoute.set(to, [payload]);
    this.out.push({ type: 'lookup', to });
  }

  /** The lookup of `to` asked for finished: the queued signals go through the overlay, or the server. */
  lookupDone(to: NodeId, now: number): void {
    const queued = this.findingRoute.get(to) ?? [];
    this.findingRoute.delete(to);
    for (const payload of queued) {
      if (this.options.hasRoute(to)) this.viaOverlay(to, payload, now);
      else this.out.push({ type: 'server', to, payload, fallback: true });
    }
  }

  /** The overlay could not deliver a signal to `to`: what it carried lately goes through the server. */
  signalFailed(to: NodeId): void {
    const recent = this.inFlight.get(to);
    this.inFlight.delete(to);
    for (const payload of recent?.payloads ?? [])
      this.out.push({ type: 'server', to, payload, fallback: true });
  }

  /** The link to `to` opened, or its attempt ended: nothing sent to it needs a resend any more. */
  forget(to: NodeId): void {
    this.inFlight.delete(to);
  }

  poll(): SignalRoute<P>[] {
    return this.out.poll();
  }

  nextTimeout(): number | undefined {
    return undefined;
  }

  handleTimeout(): void {}

  private viaOverlay(to: NodeId, payload: P, now: number): void {
    const recent = this.inFlight.get(to);
    if (recent && now - recent.at < SIGNAL_MEMORY_MS) recent.payloads.push(payload);
    else this.inFlight.set(to, { at: now, payloads: [payload] });
    this.out.push({ type: 'overlay', to, payload });
  }
}
