/**
 * A small least-recently-used cache of whole pieces for serving uploads, bounded in bytes, so
 * a burst of requests for one piece costs one storage read.
 */
export class PieceCache {
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<number, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get(index: number): Uint8Array | undefined {
    const data = this.entries.get(index);
    if (data) {
      this.entries.delete(index);
      this.entries.set(index, data);
    }
    return data;
  }

  has(index: number): boolean {
    return this.entries.has(index);
  }

  /** Adds a piece, evicting the least recently used ones beyond the byte bound. */
  set(index: number, data: Uint8Array): void {
    this.delete(index);
    if (data.length > this.maxBytes) return;
    this.entries.set(index, data);
    this.bytes += data.length;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= value.length;
    }
  }

  delete(index: number): void {
    const data = this.entries.get(index);
    if (data) {
      this.entries.delete(index);
      this.bytes -= data.length;
    }
  }
}
