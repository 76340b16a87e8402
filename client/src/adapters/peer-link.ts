import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import type { LinkRoute } from '../../../shared/links/index.js';

/**
 * A WebRTC connection to one remote tab, with two ordered, reliable data channels: `wire` for the
 * BitTorrent peer wire byte stream and `dht` for KRPC messages, so DHT traffic never queues behind
 * bulk piece data. Holds no protocol logic.
 */
export type PeerChannel = 'wire' | 'dht';

/** Chromium accepts data channel messages up to 256 KiB; `send` refuses anything larger. */
export const MAX_PEER_MESSAGE_BYTES = 256 * 1024;
/** Message size that moved data fastest on the measured machine. */
export const PREFERRED_PEER_MESSAGE_BYTES = 64 * 1024;
/** Stop sending when a channel has this much queued (Chromium kills a channel at ~16 MiB). */
export const PEER_HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Resume sending when the queue has drained to this; the default of `waitForDrain`. */
export const PEER_LOW_WATER_BYTES = 1024 * 1024;

/** Events of a {@link PeerLink}. */
export interface PeerLinkEvents {
  /** Signal data (offer, answer, ICE candidate) to relay to the remote's `signal()`. JSON-serialisable. */
  signal: (data: unknown) => void;
  /** Both channels are open; `send` works from now. Emitted at most once, before any `data`. */
  open: () => void;
  /** One message, in order per channel. */
  data: (channel: PeerChannel, data: Uint8Array) => void;
  /** Emitted exactly once, for local `close()`, remote close or failure. No events follow. */
  close: () => void;
  /**
   * The connection failed: NO_ROUTE when ICE found no path (the message says why in plain words),
   * else CONNECTION_FAILED; `close` always follows.
   */
  error: (err: TabswarmError) => void;
}

/** One WebRTC connection to a remote tab. */
export interface PeerLink {
  /** The id the app gave the remote (its peer/node id as text). */
  readonly remoteId: string;
  /** True on the side that makes the offer. */
  readonly initiator: boolean;
  /** `connecting` until `open`, `closed` once `close` has been emitted or `close()` called. */
  readonly state: 'connecting' | 'open' | 'closed';
  /** Feeds signal data received from the remote. Garbage leads to `error` then `close`; never throws. */
  signal(data: unknown): void;
  /**
   * Queues one message. Returns false (and drops it) unless the link is open. Throws
   * MESSAGE_TOO_LARGE above {@link MAX_PEER_MESSAGE_BYTES}. The caller applies backpressure.
   */
  send(channel: PeerChannel, data: Uint8Array): boolean;
  /** Bytes queued on `channel` and not yet handed to the network. */
  bufferedAmount(channel: PeerChannel): number;
  /**
   * Resolves once `bufferedAmount(channel) <= lowWaterBytes` (default {@link PEER_LOW_WATER_BYTES});
   * rejects with CONNECTION_FAILED if the link closes first.
   */
  waitForDrain(channel: PeerChannel, lowWaterBytes?: number): Promise<void>;
  /**
   * How the open link got through (direct, through a NAT, relayed) and its round-trip time, from
   * the selected ICE candidate pair; undefined while not open or when the stats do not say.
   */
  route(): Promise<LinkRoute | undefined>;
  /** Closes both channels and the connection. Idempotent; `close` is emitted asynchronously. */
  close(): void;
  on<E extends keyof PeerLinkEvents>(event: E, listener: PeerLinkEvents[E]): void;
  off<E extends keyof PeerLinkEvents>(event: E, listener: PeerLinkEvents[E]): void;
}

/** What {@link PeerLinkFactory.create} needs. */
export interface PeerLinkOptions {
  remoteId: string;
  initiator: boolean;
  iceServers: RTCIceServer[];
  /**
   * A link as WebTorrent makes it: the `wire` channel alone (no `dht` channel: sends on it return
   * false) and one complete SDP offer or answer (no trickled candidates), since a WebSocket
   * tracker relays exactly one of each. Decided by how the link was made, never guessed.
   */
  webtorrent?: boolean;
}

/** Makes links; the app holds one per tab. */
export interface PeerLinkFactory {
  create(opts: PeerLinkOptions): PeerLink;
}

/**
 * Sends `data` after waiting for the queue to drain below the low-water mark if it is above the
 * high-water mark. Resolves to `send`'s result, or false if the link closed while waiting.
 */
export async function sendPaced(link: PeerLink, channel: PeerChannel, data: Uint8Array): Promise<boolean> {
  if (link.bufferedAmount(channel) > PEER_HIGH_WATER_BYTES) {
    try {
      await link.waitForDrain(channel);
    } catch {
      return false;
    }
  }
  return link.send(channel, data);
}

/** Throws MESSAGE_TOO_LARGE for a message no browser data channel would carry. */
export function checkMessageSize(data: Uint8Array): void {
  if (data.byteLength > MAX_PEER_MESSAGE_BYTES) {
    throw new TabswarmError(
      ErrorCode.MessageTooLarge,
      `data channel message of ${data.byteLength} bytes exceeds ${MAX_PEER_MESSAGE_BYTES}`,
    );
  }
}

/** The error every link reports when it closes under a waiter or fails. */
export function linkClosedError(remoteId: string, why = 'link closed'): TabswarmError {
  return new TabswarmError(ErrorCode.ConnectionFailed, `peer ${remoteId}: ${why}`);
}
