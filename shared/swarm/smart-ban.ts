import { bytesEqual } from '../bytes.js';
import { sha1 } from '../sha1.js';
import type { PeerKey } from './piece-picker.js';

/** Who supplied one block of a piece, and a digest of what they sent. */
export interface BlockContribution {
  block: number;
  peer: PeerKey;
  /** SHA-1 of the block bytes as received. */
  hash: Uint8Array;
}

/** Failed pieces with a single contributor before that peer is banned outright. */
export const SOLE_CONTRIBUTOR_STRIKES = 2;

/**
 * Smart ban (as in libtorrent): when a piece fails its hash, remember a digest of every block
 * and who sent it, not the data. When the piece later verifies, any peer whose earlier block
 * differs from the good one sent corrupt data and is banned; peers whose blocks matched are
 * innocent. A peer that alone supplied a whole failed piece is banned after
 * SOLE_CONTRIBUTOR_STRIKES such pieces even before a good copy shows up. Pure: it returns whom
 * to ban.
 */
export class SmartBan {
  /** piece -> block -> (peer -> digest of what it sent). */
  private readonly records = new Map<number, Map<number, Map<PeerKey, Uint8Array>>>();
  private readonly strikes = new Map<PeerKey, number>();

  /** Pieces with records kept. */
  get trackedPieces(): number {
    return this.records.size;
  }

  /** A piece failed verification; returns peers to ban now (sole contributors with enough strikes). */
  pieceFailed(index: number, contributions: readonly BlockContribution[]): PeerKey[] {
    let blocks = this.records.get(index);
    if (!blocks) this.records.set(index, (blocks = new Map()));
    const peers = new Set<PeerKey>();
    for (const c of contributions) {
      let byPeer = blocks.get(c.block);
      if (!byPeer) blocks.set(c.block, (byPeer = new Map()));
      byPeer.set(c.peer, c.hash);
      peers.add(c.peer);
    }
    if (peers.size !== 1) return [];
    const peer = [...peers][0] as PeerKey;
    const strikes = (this.strikes.get(peer) ?? 0) + 1;
    this.strikes.set(peer, strikes);
    return strikes >= SOLE_CONTRIBUTOR_STRIKES ? [peer] : [];
  }

  /**
   * A piece verified with `data` split into `blockSize` blocks; returns the peers that earlier
   * sent a different block of it. Forgets the piece's records.
   */
  pieceVerified(index: number, data: Uint8Array, blockSize: number): PeerKey[] {
    const blocks = this.records.get(index);
    if (!blocks) return [];
    this.records.delete(index);
    const guilty = new Set<PeerKey>();
    for (const [block, byPeer] of blocks) {
      const good = sha1(data.subarray(block * blockSize, (block + 1) * blockSize));
      for (const [peer, hash] of byPeer) if (!bytesEqual(hash, good)) guilty.add(peer);
    }
    return [...guilty];
  }

  /** Block digests of a failed piece, for {@link pieceFailed}. */
  static contributions(
    data: Uint8Array,
    blockSize: number,
    suppliers: readonly (PeerKey | undefined)[],
  ): BlockContribution[] {
    const out: BlockContribution[] = [];
    suppliers.forEach((peer, block) => {
      if (peer !== undefined) {
        out.push({ block, peer, hash: sha1(data.subarray(block * blockSize, (block + 1) * blockSize)) });
      }
    });
    return out;
  }
}
