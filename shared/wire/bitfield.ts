import { ErrorCode, TabswarmError } from '../errors.js';

/**
 * A set of piece indices in BEP 3 bitfield layout (byte 0's high bit is piece 0). It may grow
 * before the piece count is known (a magnet download learns it from the metadata), up to
 * `maxBits`; `setSize` then fixes the size and checks nothing beyond it is set.
 */
export class Bitfield {
  private bits: Uint8Array;
  private setCount = 0;
  /** The piece count once known. */
  size: number | undefined;

  constructor(
    size?: number,
    private readonly maxBits = Number.MAX_SAFE_INTEGER,
  ) {
    this.size = size;
    this.bits = new Uint8Array(size === undefined ? 0 : Math.ceil(size / 8));
  }

  /** Number of set bits. */
  get count(): number {
    return this.setCount;
  }

  has(index: number): boolean {
    return (((this.bits[index >> 3] ?? 0) >> (7 - (index & 7))) & 1) === 1;
  }

  /** Sets bit `index`; returns false if it was already set. Throws PROTOCOL_VIOLATION if out of range. */
  set(index: number): boolean {
    this.checkIndex(index);
    if (this.has(index)) return false;
    const byte = index >> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte] = (this.bits[byte] as number) | (0x80 >> (index & 7));
    this.setCount++;
    return true;
  }

  /** Clears bit `index`; returns false if it was not set. */
  clear(index: number): boolean {
    if (!this.has(index)) return false;
    const byte = index >> 3;
    this.bits[byte] = (this.bits[byte] as number) & ~(0x80 >> (index & 7));
    this.setCount--;
    return true;
  }

  /** Replaces the contents with wire bytes. With a known size, the length must match and spare bits be zero. */
  assign(bytes: Uint8Array): void {
    if (this.size !== undefined && bytes.length !== Math.ceil(this.size / 8)) {
      throw new TabswarmError(
        ErrorCode.ProtocolViolation,
        `bitfield of ${bytes.length} bytes for ${this.size} pieces`,
      );
    }
    if (bytes.length * 8 > this.maxBits + 7) {
      throw new TabswarmError(ErrorCode.ProtocolViolation, 'bitfield too long');
    }
    this.bits = bytes.slice();
    this.setCount = 0;
    for (const b of this.bits) this.setCount += popcount(b);
    if (this.size !== undefined) this.checkSpare(this.size);
  }

  /** Sets every bit (a BEP 6 have-all); the size must be known. */
  setAll(): void {
    if (this.size === undefined) throw new RangeError('setAll needs a known size');
    this.bits = new Uint8Array(Math.ceil(this.size / 8));
    for (let i = 0; i < this.size; i++) this.bits[i >> 3] = (this.bits[i >> 3] as number) | (0x80 >> (i & 7));
    this.setCount = this.size;
  }

  /** Fixes the piece count; throws PROTOCOL_VIOLATION if a bit at or beyond it is set. */
  setSize(size: number): void {
    this.checkSpare(size);
    const sized = new Uint8Array(Math.ceil(size / 8));
    sized.set(this.bits.subarray(0, sized.length));
    this.bits = sized;
    this.size = size;
  }

  /** Wire bytes (ceil(size / 8) of them). */
  toBytes(): Uint8Array {
    const length = this.size === undefined ? this.bits.length : Math.ceil(this.size / 8);
    const out = new Uint8Array(length);
    out.set(this.bits.subarray(0, length));
    return out;
  }

  /** Indices of set bits, ascending. */
  *indices(): Generator<number> {
    for (let byte = 0; byte < this.bits.length; byte++) {
      const b = this.bits[byte] as number;
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) if ((b >> (7 - bit)) & 1) yield byte * 8 + bit;
    }
  }

  private checkIndex(index: number): void {
    const limit = this.size ?? this.maxBits;
    if (!Number.isInteger(index) || index < 0 || index >= limit) {
      throw new TabswarmError(ErrorCode.ProtocolViolation, `piece index ${index} out of range`);
    }
  }

  private checkSpare(size: number): void {
    for (let byte = size >> 3; byte < this.bits.length; byte++) {
      const b = this.bits[byte] as number;
      const mask = byte === size >> 3 ? 0xff >> (size & 7) : 0xff;
      if ((b & mask) !== 0) {
        throw new TabswarmError(ErrorCode.ProtocolViolation, `bitfield has pieces beyond ${size}`);
      }
    }
  }
}

function popcount(b: number): number {
  let n = 0;
  for (let x = b; x; x &= x - 1) n++;
  return n;
}
