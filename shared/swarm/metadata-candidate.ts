import { bytesEqual } from '../bytes.js';
import type { InfoDictionary } from '../info-dictionary.js';
import { sha1 } from '../sha1.js';
import { MetadataAssembler } from '../wire/metadata-assembler.js';
import { METADATA_PIECE_SIZE } from '../wire/ut-metadata.js';
import type { PeerKey } from './piece-picker.js';

/** What adding one piece to a candidate came to. */
export type CandidateResult =
  | { status: 'incomplete' }
  /** Verified; `culprits` earlier sent a piece that differs from the verified one. */
  | { status: 'complete'; info: InfoDictionary; infoBytes: Uint8Array; culprits: PeerKey[] }
  /** The assembly did not hash to the info-hash; `culprits` are the peers proven to have lied. */
  | { status: 'failed'; culprits: PeerKey[] };

/**
 * One claimed metadata size (a peer's `metadata_size`) and the attempt to fetch metadata of that
 * size: who claimed it, the assembly while it is being fetched, and who supplied each piece, so a
 * failed assembly is blamed on someone instead of being fetched again from the same liars.
 *
 * Blame works like smart ban does for blocks. If one peer supplied every piece of a failed
 * assembly, it lied (the info-hash covers the whole). If several did, each piece's digest and
 * supplier are recorded and the candidate goes `solo`: it is fetched again whole from one peer at
 * a time, so every later failure has a single author; once an assembly verifies, whoever earlier
 * sent a piece that differs from the verified one lied too. Metadata is small, so fetching it
 * again from one peer costs far less than guessing.
 *
 * Memory: pieces are only held while the candidate is active (see {@link activate}); the records
 * are 20-byte digests, one per piece and supplier.
 */
export class MetadataCandidate {
  /** Connected peers whose latest claim is this size. */
  readonly claimants = new Set<PeerKey>();
  /** Fetch from one peer at a time (an assembly from several peers failed). */
  solo = false;
  /** In solo mode, the peer the current assembly comes from. */
  soloPeer: PeerKey | undefined;
  /** Claimants already given a solo turn (the next turn goes to one not in here, if any). */
  readonly soloTried = new Set<PeerKey>();
  private assembler: MetadataAssembler | undefined;
  /** Supplier and digest of each piece of the current assembly. */
  private readonly suppliers = new Map<number, { peer: PeerKey; digest: Uint8Array }>();
  /** piece -> peer -> digest of what it sent, from failed assemblies with several suppliers. */
  private readonly records = new Map<number, Map<PeerKey, Uint8Array>>();

  constructor(
    private readonly infoHash: Uint8Array,
    readonly size: number,
  ) {}

  /** Pieces are being fetched (and held) for this size. */
  get active(): boolean {
    return this.assembler !== undefined;
  }

  /** Bytes of pieces held. */
  get bufferedBytes(): number {
    return this.assembler?.bufferedBytes ?? 0;
  }

  /** Starts (or keeps) an assembly: its pieces may now be fetched. */
  activate(): void {
    this.assembler ??= new MetadataAssembler(this.infoHash, this.size);
  }

  /** Drops the assembly and the pieces held (the records stay: they are evidence, and small). */
  deactivate(): void {
    this.assembler = undefined;
    this.suppliers.clear();
  }

  /** Starts the assembly over, e.g. because the solo peer changed and pieces would mix. */
  restart(): void {
    this.deactivate();
    this.activate();
  }

  /** Pieces the active assembly still needs (none while inactive). */
  missingPieces(): number[] {
    return this.assembler?.missingPieces() ?? [];
  }

  /**
   * Adds piece `piece` from `peer` (its size already checked against this candidate's). Throws
   * TabswarmError(INFO_INVALID) like {@link MetadataAssembler.add}.
   */
  add(peer: PeerKey, piece: number, data: Uint8Array): CandidateResult {
    const assembler = this.assembler;
    if (!assembler) return { status: 'incomplete' };
    this.suppliers.set(piece, { peer, digest: sha1(data) });
    const result = assembler.add(piece, data);
    if (result === 'incomplete') return { status: 'incomplete' };
    if (result === 'complete') {
      const done = assembler.result() as { infoBytes: Uint8Array; info: InfoDictionary };
      return { status: 'complete', ...done, culprits: this.contradicted(done.infoBytes) };
    }
    const suppliers = [...this.suppliers];
    this.suppliers.clear();
    const peers = new Set(suppliers.map(([, s]) => s.peer));
    this.soloPeer = undefined;
    if (peers.size === 1) return { status: 'failed', culprits: [...peers] };
    for (const [index, { peer: supplier, digest }] of suppliers) {
      let byPeer = this.records.get(index);
      if (!byPeer) this.records.set(index, (byPeer = new Map()));
      byPeer.set(supplier, digest);
    }
    this.solo = true;
    return { status: 'failed', culprits: [] };
  }

  /** Peers on record for a piece that differs from the verified metadata. */
  private contradicted(infoBytes: Uint8Array): PeerKey[] {
    const guilty = new Set<PeerKey>();
    for (const [index, byPeer] of this.records) {
      const start = index * METADATA_PIECE_SIZE;
      const good = sha1(infoBytes.subarray(start, start + METADATA_PIECE_SIZE));
      for (const [peer, digest] of byPeer) if (!bytesEqual(digest, good)) guilty.add(peer);
    }
    return [...guilty];
  }
}
