import { ErrorCode, TabswarmError } from '../errors.js';
import type { DownloadPipeline } from './download-pipeline.js';
import type { ExtensionSender, SwarmExtension } from './extension-registry.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';

/** The extended message id we want lt_donthave on. */
export const LT_DONTHAVE_ID = 7;
/** An lt_donthave payload is one piece index, 4 bytes big-endian. */
export const LT_DONTHAVE_LENGTH = 4;

/** Encodes an lt_donthave payload for piece `index`. */
export function encodeDonthave(index: number): Uint8Array {
  const out = new Uint8Array(LT_DONTHAVE_LENGTH);
  new DataView(out.buffer).setUint32(0, index);
  return out;
}

/**
 * lt_donthave (libtorrent's, which WebTorrent sends): a peer no longer has a piece it announced.
 * Its bitfield, the piece's availability and our interest follow, and our requests for the piece
 * go to others. We send it ourselves when storage loses a piece we announced.
 */
export class LtDonthave implements SwarmExtension {
  readonly name = 'lt_donthave';

  constructor(
    private readonly core: SwarmCore,
    private readonly sender: ExtensionSender,
    private readonly download: DownloadPipeline,
  ) {}

  onMessage(p: SwarmPeer, payload: Uint8Array, now: number): void {
    if (payload.length !== LT_DONTHAVE_LENGTH)
      throw new TabswarmError(ErrorCode.ProtocolViolation, `lt_donthave of ${payload.length} bytes`);
    const index = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
    const count = this.core.info?.pieceCount;
    if (count !== undefined && index >= count)
      throw new TabswarmError(ErrorCode.ProtocolViolation, `lt_donthave for piece ${index} of ${count}`);
    this.download.peerLost(p, index, now);
  }

  onPieceLost(index: number, now: number): void {
    for (const p of this.core.peers.values()) this.sender.send(p, encodeDonthave(index), now);
  }
}
