import { bytesEqual, utf8 } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';

/**
 * The BitTorrent peer wire format (BEP 3) with the Fast extension's messages (BEP 6) and the
 * extension protocol's message 20 (BEP 10).
 * Pure encoding and an incremental decoder for a byte stream: a WebRTC data channel carries
 * the same bytes as a TCP connection, so messages may arrive split or coalesced.
 */

export const PROTOCOL = 'BitTorrent protocol';
const PROTOCOL_BYTES = utf8(PROTOCOL);
/** 1 + 19 + 8 reserved + 20 info-hash + 20 peer id. */
export const HANDSHAKE_LENGTH = 68;

/**
 * The block size we request. 16 KiB is what every BitTorrent client sends and many refuse
 * anything larger. Throughput on the data channel does not suffer: outgoing messages are
 * coalesced into larger channel messages (see SEND_CHUNK_SIZE in the swarm).
 */
export const BLOCK_SIZE = 16 * 1024;
/**
 * Largest request we serve (and largest piece message we accept); libtorrent's limit too, and
 * WebTorrent drops a peer that asks for more. We ask for BLOCK_SIZE, well under it.
 */
export const MAX_REQUEST_LENGTH = 128 * 1024;
/** Largest length prefix accepted: 1 MiB of payload plus a piece message's header. */
export const MAX_MESSAGE_LENGTH = 1024 * 1024 + 9;
/** Most pieces a torrent may have: the metadata cap (8 MiB) over 20 bytes per piece hash. */
export const MAX_PIECES = Math.floor((8 * 1024 * 1024) / 20);

export const MessageId = {
  Choke: 0,
  Unchoke: 1,
  Interested: 2,
  NotInterested: 3,
  Have: 4,
  Bitfield: 5,
  Request: 6,
  Piece: 7,
  Cancel: 8,
  /** BEP 5 DHT port; we never advertise DHT, but accept and ignore it. */
  Port: 9,
  /** BEP 6 Fast extension: a piece the sender would like us to download (a hint). */
  SuggestPiece: 0x0d,
  /** BEP 6: the sender has every piece (replaces the bitfield). */
  HaveAll: 0x0e,
  /** BEP 6: the sender has no piece (replaces the bitfield). */
  HaveNone: 0x0f,
  /** BEP 6: the sender will not serve this request. */
  RejectRequest: 0x10,
  /** BEP 6: a piece the sender serves even while it chokes us. */
  AllowedFast: 0x11,
  Extended: 20,
} as const;

/** The opening handshake, both directions. */
export interface Handshake {
  infoHash: Uint8Array;
  peerId: Uint8Array;
  /** The 8 reserved bytes as received. */
  reserved: Uint8Array;
  /** BEP 10 extension protocol supported (reserved[5] & 0x10). */
  extensions: boolean;
  /** BEP 6 Fast extension supported (reserved[7] & 0x04). */
  fast: boolean;
}

/** Reserved byte and bit of the BEP 10 extension protocol. */
const EXTENSIONS_BYTE = 5;
const EXTENSIONS_BIT = 0x10;
/** Reserved byte and bit of the BEP 6 Fast extension. */
const FAST_BYTE = 7;
const FAST_BIT = 0x04;

/** A decoded length-prefixed message. */
export type WireMessage =
  | { type: 'keep-alive' }
  | { type: 'choke' }
  | { type: 'unchoke' }
  | { type: 'interested' }
  | { type: 'not-interested' }
  | { type: 'have'; index: number }
  | { type: 'bitfield'; bits: Uint8Array }
  | { type: 'request'; index: number; begin: number; length: number }
  | { type: 'piece'; index: number; begin: number; block: Uint8Array }
  | { type: 'cancel'; index: number; begin: number; length: number }
  | { type: 'port'; port: number }
  | { type: 'suggest'; index: number }
  | { type: 'have-all' }
  | { type: 'have-none' }
  | { type: 'reject'; index: number; begin: number; length: number }
  | { type: 'allowed-fast'; index: number }
  | { type: 'extended'; id: number; payload: Uint8Array };

/** The BEP 6 messages: legal only on a connection where both handshakes set the Fast bit. */
export const FAST_MESSAGES: ReadonlySet<WireMessage['type']> = new Set([
  'suggest',
  'have-all',
  'have-none',
  'reject',
  'allowed-fast',
]);

/** Encodes our handshake; `extensions` sets the BEP 10 bit, `fast` the BEP 6 bit. */
export function encodeHandshake(
  infoHash: Uint8Array,
  peerId: Uint8Array,
  extensions = true,
  fast = false,
): Uint8Array {
  if (infoHash.length !== 20 || peerId.length !== 20) {
    throw new TabswarmError(ErrorCode.HandshakeInvalid, 'info-hash and peer id must be 20 bytes');
  }
  const out = new Uint8Array(HANDSHAKE_LENGTH);
  out[0] = PROTOCOL_BYTES.length;
  out.set(PROTOCOL_BYTES, 1);
  if (extensions) out[20 + EXTENSIONS_BYTE] = EXTENSIONS_BIT;
  if (fast) out[20 + FAST_BYTE] = FAST_BIT;
  out.set(infoHash, 28);
  out.set(peerId, 48);
  return out;
}

/**
 * Parses a 68-byte handshake. Throws HANDSHAKE_INVALID on a wrong protocol string, or on an
 * info-hash other than `expectedInfoHash` when given.
 */
export function parseHandshake(bytes: Uint8Array, expectedInfoHash?: Uint8Array): Handshake {
  if (bytes.length !== HANDSHAKE_LENGTH) {
    throw new TabswarmError(ErrorCode.HandshakeInvalid, `handshake must be ${HANDSHAKE_LENGTH} bytes`);
  }
  if (bytes[0] !== PROTOCOL_BYTES.length || !bytesEqual(bytes.subarray(1, 20), PROTOCOL_BYTES)) {
    throw new TabswarmError(ErrorCode.HandshakeInvalid, 'handshake: not the BitTorrent protocol');
  }
  const reserved = bytes.slice(20, 28);
  const infoHash = bytes.slice(28, 48);
  if (expectedInfoHash && !bytesEqual(infoHash, expectedInfoHash)) {
    throw new TabswarmError(ErrorCode.HandshakeInvalid, 'handshake: unexpected info-hash');
  }
  return {
    infoHash,
    peerId: bytes.slice(48, 68),
    reserved,
    extensions: ((reserved[EXTENSIONS_BYTE] as number) & EXTENSIONS_BIT) !== 0,
    fast: ((reserved[FAST_BYTE] as number) & FAST_BIT) !== 0,
  };
}

function frame(length: number, id: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(4 + length);
  const view = new DataView(out.buffer);
  view.setUint32(0, length);
  out[4] = id;
  return { out, view };
}

/** Encodes one message with its 4-byte length prefix. */
export function encodeMessage(msg: WireMessage): Uint8Array {
  switch (msg.type) {
    case 'keep-alive':
      return new Uint8Array(4);
    case 'choke':
      return frame(1, MessageId.Choke).out;
    case 'unchoke':
      return frame(1, MessageId.Unchoke).out;
    case 'interested':
      return frame(1, MessageId.Interested).out;
    case 'not-interested':
      return frame(1, MessageId.NotInterested).out;
    case 'have':
    case 'suggest':
    case 'allowed-fast': {
      const id = {
        have: MessageId.Have,
        suggest: MessageId.SuggestPiece,
        'allowed-fast': MessageId.AllowedFast,
      };
      const { out, view } = frame(5, id[msg.type]);
      view.setUint32(5, msg.index);
      return out;
    }
    case 'have-all':
      return frame(1, MessageId.HaveAll).out;
    case 'have-none':
      return frame(1, MessageId.HaveNone).out;
    case 'bitfield': {
      const { out } = frame(1 + msg.bits.length, MessageId.Bitfield);
      out.set(msg.bits, 5);
      return out;
    }
    case 'request':
    case 'cancel':
    case 'reject': {
      const id = { request: MessageId.Request, cancel: MessageId.Cancel, reject: MessageId.RejectRequest };
      const { out, view } = frame(13, id[msg.type]);
      view.setUint32(5, msg.index);
      view.setUint32(9, msg.begin);
      view.setUint32(13, msg.length);
      return out;
    }
    case 'piece': {
      const { out, view } = frame(9 + msg.block.length, MessageId.Piece);
      view.setUint32(5, msg.index);
      view.setUint32(9, msg.begin);
      out.set(msg.block, 13);
      return out;
    }
    case 'port': {
      const { out, view } = frame(3, MessageId.Port);
      view.setUint16(5, msg.port);
      return out;
    }
    case 'extended': {
      const { out } = frame(2 + msg.payload.length, MessageId.Extended);
      out[5] = msg.id;
      out.set(msg.payload, 6);
      return out;
    }
  }
}

function violation(message: string): never {
  throw new TabswarmError(ErrorCode.ProtocolViolation, message);
}

/** Decodes one message body (id byte onward; `body.length` is the length prefix). */
export function decodeMessageBody(body: Uint8Array): WireMessage {
  if (body.length === 0) return { type: 'keep-alive' };
  const id = body[0] as number;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const expect = (length: number, name: string): void => {
    if (body.length !== length) violation(`${name} message with length ${body.length}, expected ${length}`);
  };
  switch (id) {
    case MessageId.Choke:
      expect(1, 'choke');
      return { type: 'choke' };
    case MessageId.Unchoke:
      expect(1, 'unchoke');
      return { type: 'unchoke' };
    case MessageId.Interested:
      expect(1, 'interested');
      return { type: 'interested' };
    case MessageId.NotInterested:
      expect(1, 'not-interested');
      return { type: 'not-interested' };
    case MessageId.Have:
      expect(5, 'have');
      return { type: 'have', index: view.getUint32(1) };
    case MessageId.Bitfield:
      if (body.length - 1 > Math.ceil(MAX_PIECES / 8)) violation('bitfield longer than any torrent');
      return { type: 'bitfield', bits: body.subarray(1) };
    case MessageId.Request:
    case MessageId.Cancel:
    case MessageId.RejectRequest: {
      const type = id === MessageId.Request ? 'request' : id === MessageId.Cancel ? 'cancel' : 'reject';
      expect(13, type);
      return {
        type,
        index: view.getUint32(1),
        begin: view.getUint32(5),
        length: view.getUint32(9),
      };
    }
    case MessageId.Piece:
      if (body.length < 9) violation('piece message too short');
      if (body.length - 9 > MAX_REQUEST_LENGTH) violation('piece block larger than any request');
      return { type: 'piece', index: view.getUint32(1), begin: view.getUint32(5), block: body.subarray(9) };
    case MessageId.Port:
      expect(3, 'port');
      return { type: 'port', port: view.getUint16(1) };
    case MessageId.SuggestPiece:
      expect(5, 'suggest');
      return { type: 'suggest', index: view.getUint32(1) };
    case MessageId.HaveAll:
      expect(1, 'have-all');
      return { type: 'have-all' };
    case MessageId.HaveNone:
      expect(1, 'have-none');
      return { type: 'have-none' };
    case MessageId.AllowedFast:
      expect(5, 'allowed-fast');
      return { type: 'allowed-fast', index: view.getUint32(1) };
    case MessageId.Extended:
      if (body.length < 2) violation('extended message without an extension id');
      return { type: 'extended', id: body[1] as number, payload: body.subarray(2) };
    default:
      return violation(`unknown message id ${id}`);
  }
}

/** Options for {@link WireDecoder}. */
export interface WireDecoderOptions {
  /** Expect a 68-byte handshake before the first message (default true). */
  handshake?: boolean;
  /** Reject a handshake for any other torrent. */
  infoHash?: Uint8Array;
  /** Cap on a length prefix (default MAX_MESSAGE_LENGTH). */
  maxMessageLength?: number;
}

/** What {@link WireDecoder.push} yields: the handshake once, then messages. */
export type DecodedFrame = { type: 'handshake'; handshake: Handshake } | WireMessage;

/** Stands in for a read chunk in the queue, so its bytes can be collected. */
const EMPTY = new Uint8Array(0);

/**
 * Incremental decoder for one direction of a connection. Feed it chunks of any size with
 * `push`; it returns every complete frame and keeps the rest. Buffered bytes never exceed one
 * capped message plus the last chunk. After it throws, the connection must be dropped.
 */
export class WireDecoder {
  /**
   * Chunks not yet read, from `head` on. A head index instead of `Array.shift`: shifting is
   * linear in the queue's length, so a message sent one byte per chunk cost O(n²) to
   * reassemble (a legal 128 KiB block in 1-byte chunks held the thread for 22 s).
   */
  private chunks: Uint8Array[] = [];
  /** Index in `chunks` of the first chunk with unread bytes. */
  private head = 0;
  /** Read position inside chunks[head]. */
  private offset = 0;
  private buffered = 0;
  private awaitingHandshake: boolean;
  private readonly infoHash: Uint8Array | undefined;
  private readonly maxLength: number;
  /** Length of the message being waited for, once its prefix has been read. */
  private pendingLength: number | undefined;

  constructor(options: WireDecoderOptions = {}) {
    this.awaitingHandshake = options.handshake ?? true;
    this.infoHash = options.infoHash;
    this.maxLength = options.maxMessageLength ?? MAX_MESSAGE_LENGTH;
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Appends `chunk` and returns every frame now complete, in order. */
  push(chunk: Uint8Array): DecodedFrame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: DecodedFrame[] = [];
    while (true) {
      if (this.awaitingHandshake) {
        // Check the protocol string as soon as its bytes are in, so garbage fails fast.
        if (this.buffered >= 1 && this.peekByte(0) !== PROTOCOL_BYTES.length) {
          throw new TabswarmError(ErrorCode.HandshakeInvalid, 'handshake: not the BitTorrent protocol');
        }
        if (this.buffered < HANDSHAKE_LENGTH) break;
        out.push({
          type: 'handshake',
          handshake: parseHandshake(this.take(HANDSHAKE_LENGTH), this.infoHash),
        });
        this.awaitingHandshake = false;
        continue;
      }
      if (this.pendingLength === undefined) {
        if (this.buffered < 4) break;
        const prefix = this.take(4);
        const value =
          (prefix[0] as number) * 2 ** 24 +
          (((prefix[1] as number) << 16) | ((prefix[2] as number) << 8) | (prefix[3] as number));
        if (value > this.maxLength) {
          throw new TabswarmError(
            ErrorCode.MessageTooLarge,
            `message length ${value} exceeds ${this.maxLength}`,
          );
        }
        this.pendingLength = value;
      }
      if (this.buffered < this.pendingLength) break;
      const body = this.take(this.pendingLength);
      this.pendingLength = undefined;
      out.push(decodeMessageBody(body));
    }
    return out;
  }

  private peekByte(i: number): number {
    let index = this.offset + i;
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Uint8Array;
      if (index < chunk.length) return chunk[index] as number;
      index -= chunk.length;
    }
    return -1;
  }

  /**
   * Removes `n` buffered bytes (n <= buffered); zero-copy when they sit in one chunk, else one
   * copy of each byte. Linear in the chunks it consumes, whatever their number.
   */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[this.head] as Uint8Array;
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) this.dropHead();
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head] as Uint8Array;
      const count = Math.min(n - filled, chunk.length - this.offset);
      // A loop for a few bytes: a subarray per 1-byte chunk would allocate as much as it copies.
      if (count < 16) for (let k = 0; k < count; k++) out[filled + k] = chunk[this.offset + k] as number;
      else out.set(chunk.subarray(this.offset, this.offset + count), filled);
      filled += count;
      this.offset += count;
      if (this.offset === chunk.length) this.dropHead();
    }
    return out;
  }

  /**
   * Moves past the fully read head chunk. The consumed prefix is cut off only once it is at
   * least half the queue, so each chunk is moved O(1) times on average.
   */
  private dropHead(): void {
    this.chunks[this.head] = EMPTY;
    this.head++;
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
