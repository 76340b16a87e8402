import { concatBytes } from '../shared/bytes.js';
import { UT_METADATA_ID } from '../shared/swarm/metadata-exchange.js';
import { HANDSHAKE_LENGTH, MessageId } from '../shared/wire/wire-codec.js';

/** What a misbehaving peer does to one outgoing BEP 3 message (whole frame, length prefix included). */
export type FrameRewrite = (frame: Uint8Array) => Uint8Array | undefined;

/**
 * Sits between an honest Swarm and the network to make a peer misbehave without touching the
 * swarm: it re-frames the outgoing byte stream (handshake, then length-prefixed messages) and
 * lets `rewrite` drop or alter whole messages. Used for the free rider and the corrupt peer.
 */
export class WireFilter {
  private buffer: Uint8Array = new Uint8Array(0);
  private handshakeDone = false;

  constructor(private readonly rewrite: FrameRewrite) {}

  /** Feeds outgoing bytes; returns what actually goes on the wire (possibly nothing). */
  push(chunk: Uint8Array): Uint8Array | undefined {
    this.buffer = this.buffer.length === 0 ? chunk : concatBytes([this.buffer, chunk]);
    const out: Uint8Array[] = [];
    let pos = 0;
    const buf = this.buffer;
    if (!this.handshakeDone) {
      if (buf.length < HANDSHAKE_LENGTH) return undefined;
      out.push(buf.subarray(0, HANDSHAKE_LENGTH));
      pos = HANDSHAKE_LENGTH;
      this.handshakeDone = true;
    }
    while (buf.length - pos >= 4) {
      const len =
        ((buf[pos] as number) << 24) |
        ((buf[pos + 1] as number) << 16) |
        ((buf[pos + 2] as number) << 8) |
        (buf[pos + 3] as number);
      if (buf.length - pos < 4 + len) break;
      const frame = buf.subarray(pos, pos + 4 + len);
      const rewritten = len === 0 ? frame : this.rewrite(frame);
      if (rewritten !== undefined) out.push(rewritten);
      pos += 4 + len;
    }
    this.buffer = buf.slice(pos);
    if (out.length === 0) return undefined;
    return out.length === 1 ? (out[0] as Uint8Array) : concatBytes(out);
  }
}

function messageId(frame: Uint8Array): number | undefined {
  return frame.length > 4 ? frame[4] : undefined;
}

/** A free rider: never unchokes anyone and never sends a block. */
export const freeRider: FrameRewrite = (frame) => {
  const id = messageId(frame);
  return id === MessageId.Unchoke || id === MessageId.Piece ? undefined : frame;
};

/** A corrupt peer: serves every block with its bytes inverted (right length, wrong data). */
export const corruptBlocks: FrameRewrite = (frame) => {
  if (messageId(frame) !== MessageId.Piece) return frame;
  const out = frame.slice();
  for (let i = 13; i < out.length; i++) out[i] = (out[i] as number) ^ 0xff;
  return out;
};

/**
 * A silent metadata source: advertises `metadata_size` but never answers a ut_metadata request
 * (every ut_metadata message it sends is dropped). Its requests time out; it is never caught lying.
 */
export const silentMetadata: FrameRewrite = (frame) =>
  messageId(frame) === MessageId.Extended && frame[5] === UT_METADATA_ID ? undefined : frame;
