import type { LinkSignal } from './connections.js';
import type { DhtHost } from './dht-host.js';
import type { SignalingClient } from './signaling-client.js';

/**
 * Sends a WebRTC signal of one of the tab's links towards `to`: through the overlay when it has a
 * route, looking `to` up first when it has none (DhtHost.routeSignal), else through the server;
 * while the server is online and the overlay has no route yet, straight through the server.
 */
export function sendLinkSignal(
  signaling: SignalingClient,
  dht: DhtHost,
  to: string,
  envelope: LinkSignal,
): void {
  // Through the overlay when it has a path (the server is a bootstrap, not a dependency);
  // while the server is there and the overlay has no path yet, the server is quicker.
  if (signaling.state === 'online' && !dht.node.hasRouteTo(to)) {
    signaling.signal(to, envelope);
    return;
  }
  dht.routeSignal(to, envelope, () => signaling.signal(to, envelope));
}

/** The overlay could not carry these signals to `to`: sends them through the server instead. */
export function resendThroughServer(signaling: SignalingClient, to: string, envelopes: LinkSignal[]): void {
  for (const env of envelopes) signaling.signal(to, env);
}
