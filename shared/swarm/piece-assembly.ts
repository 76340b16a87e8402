import type { PeerKey, PiecePicker } from './piece-picker.js';

/** One piece's bytes as its blocks arrive, with who supplied each block (for smart ban). */
export interface Assembly {
  data: Uint8Array;
  suppliers: (PeerKey | undefined)[];
}

/**
 * Pieces being put together from blocks, and complete ones waiting for the host's hash
 * verdict. The bytes stay here until the verdict so a failed piece can be blamed block by block.
 */
export class PieceAssembly {
  private readonly assembling = new Map<number, Assembly>();
  private readonly verifying = new Map<number, Assembly>();

  /** Stores a block the picker accepted from `peer`. */
  add(picker: PiecePicker, peer: PeerKey, index: number, begin: number, block: Uint8Array): void {
    let assembly = this.assembling.get(index);
    if (!assembly) {
      assembly = { data: new Uint8Array(picker.pieceSize(index)), suppliers: [] };
      this.assembling.set(index, assembly);
    }
    assembly.data.set(block, begin);
    assembly.suppliers[begin / picker.blockSize] = peer;
  }

  /** The piece is complete: returns its bytes, held until {@link verified}. */
  complete(index: number): Uint8Array {
    const assembly = this.assembling.get(index) as Assembly;
    this.assembling.delete(index);
    this.verifying.set(index, assembly);
    return assembly.data;
  }

  /** Takes the piece the host has judged (undefined if it was not waiting). */
  verified(index: number): Assembly | undefined {
    const assembly = this.verifying.get(index);
    this.verifying.delete(index);
    return assembly;
  }
}
