import { toHex } from '../bytes.js';
import { ErrorCode, TabswarmError } from '../errors.js';
import type { PeerKey } from './piece-picker.js';
import { SOLE_CONTRIBUTOR_STRIKES, SmartBan } from './smart-ban.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';

/**
 * Who may be in the swarm: no banned peer (by key, or by peer id when it comes back under
 * another key), no second link to one peer id, at most `maxPeers`; and the bans smart ban
 * calls for as pieces pass or fail their hash.
 */
export class PeerAdmission {
  /** Banned peers by key (shown in the status). */
  readonly banned = new Set<PeerKey>();
  private readonly bannedIds = new Set<string>();
  private readonly smartBan = new SmartBan();

  constructor(
    private readonly core: SwarmCore,
    private readonly maxPeers: number,
  ) {}

  /** Whether a link to `peer` that just opened may join; a banned one or one too many is closed. */
  admit(peer: PeerKey): boolean {
    const core = this.core;
    if (this.banned.has(peer)) {
      core.output({ type: 'close', peer, code: ErrorCode.PeerBanned, reason: 'banned from this swarm' });
      return false;
    }
    if (core.peers.has(peer)) return false;
    if (core.peers.size >= this.maxPeers) {
      core.output({ type: 'close', peer, code: ErrorCode.ConnectionBudget, reason: 'swarm is full' });
      return false;
    }
    return true;
  }

  /** Throws for a handshake from a banned peer id, or from one already connected on another link. */
  checkHandshake(p: SwarmPeer, peerId: Uint8Array): void {
    const id = toHex(peerId);
    if (this.bannedIds.has(id)) throw new TabswarmError(ErrorCode.PeerBanned, 'banned from this swarm');
    for (const other of this.core.peers.values()) {
      if (other !== p && other.wire.remote && toHex(other.wire.remote.peerId) === id) {
        throw new TabswarmError(ErrorCode.ProtocolViolation, 'already connected to this peer id');
      }
    }
  }

  /** Bans `peer` (and its peer id, if it said it) and closes its link. */
  ban(peer: PeerKey, reason: string): void {
    if (this.banned.has(peer)) return;
    this.banned.add(peer);
    const p = this.core.peers.get(peer);
    if (p?.wire.remote) this.bannedIds.add(toHex(p.wire.remote.peerId));
    this.core.event({ type: 'peer-banned', peer, reason });
    if (p) this.core.close(p, ErrorCode.PeerBanned, reason);
  }

  /** A piece passed its hash: peers that earlier sent a different block of it are banned. */
  pieceVerified(index: number, data: Uint8Array, blockSize: number): void {
    for (const peer of this.smartBan.pieceVerified(index, data, blockSize)) {
      this.ban(peer, `sent corrupt data for piece ${index}`);
    }
  }

  /** A piece failed its hash: a peer that alone supplied too many such pieces is banned. */
  pieceFailed(index: number, data: Uint8Array, blockSize: number, suppliers: (PeerKey | undefined)[]): void {
    const contributions = SmartBan.contributions(data, blockSize, suppliers);
    for (const peer of this.smartBan.pieceFailed(index, contributions)) {
      this.ban(peer, `sole source of ${SOLE_CONTRIBUTOR_STRIKES} pieces that failed their hash`);
    }
  }
}
