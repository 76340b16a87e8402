import type { TabswarmError } from '../../../shared/errors.js';
import { EtaSmoother } from '../../../shared/eta-smoother.js';
import { pieceSize, type InfoDictionary } from '../../../shared/info-dictionary.js';
import type { SwarmStatus } from '../../../shared/swarm/swarm-types.js';
import { mediaOf } from './media-view.js';
import type { TransferState, TransferView } from './status.js';
import type { TorrentFiles } from './torrent-files.js';

/** What a transfer's view is made of besides its swarm's status. */
export interface TransferFacts {
  infoHashHex: string;
  name: string;
  magnet: string;
  state: TransferState;
  info: InfoDictionary | undefined;
  /** Pieces known to be in the piece store. */
  inStore: ReadonlySet<number>;
  resumedPieces: number;
  hashFailures: number;
  files: TorrentFiles | undefined;
  /** Files can be streamed to players: media files are listed. */
  streaming: boolean;
  error: TabswarmError | undefined;
}

/**
 * Builds a transfer as the page shows it. Keeps what outlives one snapshot: the bytes received
 * from each peer (kept after it disconnects) and the smoothed rate behind the time left.
 */
export class TransferViewer {
  /** Payload bytes received from each remote peer id. */
  private readonly receivedFrom = new Map<string, number>();
  private readonly eta = new EtaSmoother();

  /** The rate starts over (after a pause or resume). */
  resetEta(): void {
    this.eta.reset();
  }

  view(s: SwarmStatus, now: number, t: TransferFacts): TransferView {
    const info = t.info;
    const pieceCount = info?.pieceCount ?? 0;
    const pieceStates = new Uint8Array(pieceCount);
    const availability = new Uint16Array(pieceCount);
    for (let i = 0; i < pieceCount; i++) {
      const state = s.pieces[i];
      pieceStates[i] = state === 'have' ? 2 : state === 'missing' || state === undefined ? 0 : 1;
      availability[i] = s.availability[i] ?? 0;
    }
    // Peers are keyed by their remote id (see TorrentHost.attach).
    for (const p of s.peers) {
      this.receivedFrom.set(p.peer, Math.max(this.receivedFrom.get(p.peer) ?? 0, p.downloaded));
    }
    this.eta.observe(now, s.verifiedBytes);
    const secondsLeft =
      t.state === 'downloading' ? this.eta.secondsLeft(s.verifiedBytes, info?.length ?? 0) : undefined;
    return {
      infoHash: t.infoHashHex,
      name: t.name,
      length: info?.length ?? 0,
      magnet: t.magnet,
      state: t.state,
      progress: info && info.length > 0 ? s.verifiedBytes / info.length : 0,
      verifiedBytes: s.verifiedBytes,
      downloadRate: s.downloadRate,
      uploadRate: s.uploadRate,
      downloaded: s.downloaded,
      uploaded: s.uploaded,
      peers: s.peers.map((p) => ({
        id: p.peer,
        downloadRate: p.downloadRate,
        uploadRate: p.uploadRate,
        downloaded: p.downloaded,
        uploaded: p.uploaded,
        amChoking: p.amChoking,
        amInterested: p.amInterested,
        peerChoking: p.peerChoking,
        peerInterested: p.peerInterested,
        optimistic: p.optimistic,
        snubbed: p.snubbed,
        progress: pieceCount > 0 ? p.pieces / pieceCount : 0,
      })),
      pieceStates,
      availability,
      banned: s.banned,
      storedPieces: t.inStore.size,
      storedBytes: info ? [...t.inStore].reduce((n, i) => n + pieceSize(info, i), 0) : 0,
      ...(secondsLeft === undefined ? {} : { secondsLeft }),
      resumedPieces: t.resumedPieces,
      hashFailures: t.hashFailures,
      receivedFrom: Object.fromEntries(this.receivedFrom),
      ...(t.files ? { files: t.files.views(pieceStates, s.haveCount) } : {}),
      receiveBuffered: s.receiveBuffered,
      ...(info && t.streaming ? { media: mediaOf(t.infoHashHex, info) } : {}),
      ...(t.error ? { error: { code: t.error.code, message: t.error.message } } : {}),
    };
  }
}
