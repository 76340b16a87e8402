import { ErrorCode, TabswarmError } from '../errors.js';
import type { WireMessage } from '../wire/wire-codec.js';
import type { DownloadPipeline } from './download-pipeline.js';
import type { BlockRequest } from './piece-picker.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';

/** The BEP 6 messages the swarm handles here. */
type FastMessage = Extract<WireMessage, { type: 'suggest' | 'have-none' | 'reject' | 'allowed-fast' }>;

/**
 * BEP 6, the Fast extension, as the swarm uses it. We always set its bit (WebTorrent does too);
 * with a peer that set it as well:
 * - have-all counts as a bitfield with every piece (the swarm's bitfield handler takes both);
 * - our first message after the handshakes says what we have: have-all, have-none or a bitfield;
 * - a request we will not serve (we choke the peer, lack the piece, its queue is full, or we
 *   choke it with requests queued) gets a reject;
 * - its choke no longer cancels our requests: it rejects what it will not serve (a peer that
 *   neither serves nor rejects them holds them until it is snubbed, SNUB_TIMEOUT), and a reject
 *   for a block we never asked it for, nor withdrew lately, is a protocol violation (the peer is
 *   closed);
 * - pieces it allows fast are requested while it chokes us.
 * We send no allowed-fast set: BEP 6 derives it from the peer's IP address, which a WebRTC data
 * channel does not tell us, and an empty set is allowed. A suggest is a hint we take no action on:
 * rarest first decides. Without the bit on both sides every BEP 6 message is a protocol
 * violation (PeerWire checks).
 */
export class FastExtension {
  constructor(
    private readonly core: SwarmCore,
    private readonly download: DownloadPipeline,
  ) {}

  /**
   * What we tell `p` we have, right after its handshake: have-all / have-none with Fast, else a
   * bitfield (none when we have nothing). `hiding`: initial seeding reveals pieces one by one.
   */
  announcePieces(p: SwarmPeer, hiding: boolean, now: number): void {
    const { picker, info } = this.core;
    const completed = hiding || !picker ? 0 : picker.completed;
    if (p.wire.fast && completed === 0) this.core.send(p, { type: 'have-none' }, now);
    else if (p.wire.fast && picker?.complete) this.core.send(p, { type: 'have-all' }, now);
    else if (picker && info && completed > 0) {
      const bits = new Uint8Array(Math.ceil(info.pieceCount / 8));
      for (let i = 0; i < info.pieceCount; i++) {
        if (picker.has(i)) bits[i >> 3] = (bits[i >> 3] as number) | (0x80 >> (i & 7));
      }
      this.core.send(p, { type: 'bitfield', bits }, now);
    }
  }

  /** A BEP 6 message from `p` (PeerWire has checked that Fast is on both sides). */
  onMessage(p: SwarmPeer, msg: FastMessage, now: number): void {
    switch (msg.type) {
      case 'have-none':
        return;
      case 'reject':
        if (!this.download.rejected(p, msg.index, msg.begin, msg.length, now)) {
          throw new TabswarmError(
            ErrorCode.ProtocolViolation,
            `reject for ${msg.index}:${msg.begin}+${msg.length}, which we never requested`,
          );
        }
        return;
      case 'allowed-fast':
      case 'suggest':
        this.checkIndex(msg.type, msg.index);
        if (msg.type === 'allowed-fast') this.download.allowedFast(p, msg.index);
        return;
    }
  }

  /** We will not serve `r`: a peer with Fast is told so. */
  decline(p: SwarmPeer, r: BlockRequest, now: number): void {
    if (p.wire.fast && p.wire.open)
      this.core.send(p, { type: 'reject', index: r.index, begin: r.begin, length: r.length }, now);
  }

  private checkIndex(type: string, index: number): void {
    const count = this.core.info?.pieceCount;
    if (count !== undefined && index >= count)
      throw new TabswarmError(ErrorCode.ProtocolViolation, `${type} for piece ${index} of ${count}`);
  }
}
