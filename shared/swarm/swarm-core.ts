import { ErrorCode, TabswarmError } from '../errors.js';
import type { InfoDictionary } from '../info-dictionary.js';
import { Outbox } from '../machine/machine.js';
import { TimerTable } from '../machine/timer-table.js';
import type { Random } from '../random.js';
import type { PeerWire, WireTimer, WireTimers } from '../wire/peer-wire.js';
import type { WireMessage } from '../wire/wire-codec.js';
import type { PeerDownload } from './download-pipeline.js';
import type { PiecePicker, PeerKey } from './piece-picker.js';
import { RateMeter } from './rate-meter.js';
import type { PeerReveal } from './seeding-reveal.js';
import type { SwarmEvent, SwarmOutput } from './swarm-types.js';
import type { PeerUpload } from './upload-scheduler.js';

/** Outgoing bytes per peer are coalesced into data-channel messages of at most this size (fastest measured). */
export const SEND_CHUNK_SIZE = 64 * 1024;

/**
 * Every timer of a swarm, in its one table. Per-peer timers have the peer as subject; the
 * choker's round is swarm-wide.
 */
export type SwarmTimer =
  | WireTimer
  | 'snub'
  | 'show-all'
  | 'window-reopen'
  | 'idle-slot'
  | 'metadata-request'
  | 'metadata-backoff'
  | 'choke-round'
  | 'deadline';

/** A timer of one peer (every swarm timer but the choker's round and the playback deadline). */
export type PeerTimer = Exclude<SwarmTimer, 'choke-round' | 'deadline'>;

/**
 * The order in which one peer's due timers run, so what happens at one instant does not depend
 * on the order they were set: the wire first (a closed peer needs nothing else), then
 * downloads, initial seeding, uploads, metadata.
 */
export const PEER_TIMER_ORDER: readonly PeerTimer[] = [
  'handshake-timeout',
  'idle-timeout',
  'keepalive',
  'snub',
  'show-all',
  'window-reopen',
  'idle-slot',
  'metadata-request',
  'metadata-backoff',
];

/** One connected peer: its wire, and the part of its state each module of the swarm owns. */
export interface SwarmPeer {
  readonly key: PeerKey;
  readonly wire: PeerWire;
  readonly connectedAt: number;
  /** Payload bytes from and to the peer (the choker's rates, the page's totals). */
  readonly down: RateMeter;
  readonly up: RateMeter;
  /** Our requests to it: the download pipeline's. */
  readonly download: PeerDownload;
  /** Its requests to us: the upload scheduler's. */
  readonly upload: PeerUpload;
  /** What initial seeding told it. */
  readonly reveal: PeerReveal;
}

/**
 * What the parts of one swarm share: the torrent as known so far, the peers, the one timer
 * table, the totals, and the output queue. Sends are queued per peer and coalesced into chunks
 * of at most SEND_CHUNK_SIZE when the host polls; other outputs come first, in order.
 */
export class SwarmCore {
  info: InfoDictionary | undefined;
  infoBytes: Uint8Array | undefined;
  picker: PiecePicker | undefined;
  readonly peers = new Map<PeerKey, SwarmPeer>();
  readonly timers = new TimerTable<SwarmTimer>();
  readonly down = new RateMeter();
  readonly up = new RateMeter();
  /** Payload bytes received that were not needed. */
  wasted = 0;
  /** Drops every trace of a peer (set by the swarm, which knows every part). */
  forget: (p: SwarmPeer) => void = () => {};

  private readonly outputs = new Outbox<SwarmOutput>();
  private sends = new Map<PeerKey, Uint8Array[]>();

  constructor(
    readonly infoHash: Uint8Array,
    readonly random: Random,
  ) {}

  /** We have every piece. */
  get seeding(): boolean {
    return this.picker?.complete ?? false;
  }

  /** Encodes `msg` on `p`'s wire and queues the bytes. */
  send(p: SwarmPeer, msg: WireMessage, now: number): void {
    this.queue(p.key, p.wire.encode(msg, now));
  }

  queue(peer: PeerKey, bytes: Uint8Array): void {
    let list = this.sends.get(peer);
    if (!list) this.sends.set(peer, (list = []));
    list.push(bytes);
  }

  output(output: SwarmOutput): void {
    this.outputs.push(output);
  }

  event(event: SwarmEvent): void {
    this.outputs.push({ type: 'event', event });
  }

  /** Drops `p` (and what it still had to send) and tells the host to close its channel. */
  close(p: SwarmPeer, code: ErrorCode, reason: string): void {
    if (!this.peers.has(p.key)) return;
    this.forget(p);
    this.sends.delete(p.key);
    this.outputs.push({ type: 'close', peer: p.key, code, reason });
  }

  /** Peer `key`'s wire timers, in the swarm's table; ignored once the peer is gone. */
  wireTimers(key: PeerKey, liveness: { live: boolean }): WireTimers {
    return {
      set: (name, at) => {
        if (liveness.live) this.timers.set(name, at, key);
      },
      clear: (name) => this.timers.clear(name, key),
    };
  }

  /** Everything queued: other outputs in order, then each peer's sends coalesced. */
  poll(): SwarmOutput[] {
    const out = this.outputs.poll();
    if (this.sends.size === 0) return out;
    for (const [peer, parts] of this.sends) {
      for (const data of coalesce(parts, SEND_CHUNK_SIZE)) out.push({ type: 'send', peer, data });
    }
    this.sends = new Map();
    return out;
  }
}

/** The short-window rate that sizes request pipelines and upload windows: window, bucket, minimum span. */
export const RECENT_RATE_WINDOW_MS = 4_000;
export const RECENT_RATE_BUCKET_MS = 250;
export const RECENT_RATE_MIN_SPAN_MS = 1_000;

/** The picker, or a protocol violation: a peer sent `what` before we know the torrent. */
export function requirePicker(picker: PiecePicker | undefined, what: string): PiecePicker {
  if (!picker) throw new TabswarmError(ErrorCode.ProtocolViolation, `${what} before we have metadata`);
  return picker;
}

/** A short-window rate, so pipeline and upload window follow changes within seconds. */
export function recentMeter(): RateMeter {
  return new RateMeter(RECENT_RATE_WINDOW_MS, RECENT_RATE_BUCKET_MS, RECENT_RATE_MIN_SPAN_MS);
}

/** Joins or splits byte parts into chunks of at most `size` (a byte stream has no message bounds). */
function coalesce(parts: readonly Uint8Array[], size: number): Uint8Array[] {
  if (parts.length === 1 && (parts[0] as Uint8Array).length <= size) return [parts[0] as Uint8Array];
  let total = 0;
  for (const part of parts) total += part.length;
  const out: Uint8Array[] = [];
  let chunk = new Uint8Array(Math.min(size, total));
  let filled = 0;
  for (const part of parts) {
    let offset = 0;
    while (offset < part.length) {
      const n = Math.min(part.length - offset, chunk.length - filled);
      chunk.set(part.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      total -= n;
      if (filled === chunk.length) {
        out.push(chunk);
        chunk = new Uint8Array(Math.min(size, total));
        filled = 0;
      }
    }
  }
  return out;
}
