import type { SearchView } from './search.js';
import type { DhtSnapshot } from '../../../shared/dht/index.js';
import type { MediaKind } from '../../../shared/files/media-type.js';
import type { LinkPath } from '../../../shared/links/index.js';
import type { PeerStatus } from '../../../shared/swarm/swarm-types.js';
import type { ServerState } from './signaling-client.js';
import type { StorageView } from './storage-status.js';

/** Where a transfer stands, as the page and the scripting API see it. */
export type TransferState =
  | 'hashing' // reading and hashing a dropped file
  | 'metadata' // waiting for the info dictionary from peers (magnet link)
  | 'downloading'
  | 'seeding' // has every piece (of the chosen files, when files were chosen)
  | 'paused' // paused by the person (a finished file: no longer shared), or stopped by the tab, e.g. storage full
  | 'failed';

/** One peer of a transfer, for the peer table: the swarm's view of it, keyed by remote tab id. */
export type PeerView = Pick<
  PeerStatus,
  | 'downloadRate'
  | 'uploadRate'
  | 'downloaded'
  | 'uploaded'
  | 'amChoking'
  | 'amInterested'
  | 'peerChoking'
  | 'peerInterested'
  | 'optimistic'
  | 'snubbed'
> & {
  id: string;
  /** Fraction of the pieces this peer has, 0..1. */
  progress: number;
  /** How the link to this peer got through (direct, through a NAT, TURN relay), once known. */
  path?: LinkPath;
  /** The link's current round-trip time, milliseconds, once measured. */
  rttMs?: number;
};

/** One file of a transfer, for the file list and the scripting API. */
export interface FileView {
  /** Position in the torrent's files (what `select` takes). */
  index: number;
  /** Path as the torrent gives it, `/`-joined, starting with the torrent's name. Untrusted: shown as text. */
  path: string;
  length: number;
  /** Chosen for download. */
  selected: boolean;
  /** Bytes of this file in verified, stored pieces. */
  verifiedBytes: number;
  /** How saving changes or refuses its path (see shared/files/safe-path.ts); absent when it is saved as given. */
  note?: string;
}

/** One file (or folder of files) being shared or received. */
export interface TransferView {
  infoHash: string;
  name: string;
  /** Total bytes; 0 until the metadata is known. */
  length: number;
  magnet: string;
  state: TransferState;
  /** Fraction complete, 0..1 (while hashing: fraction hashed). */
  progress: number;
  /** Bytes of verified pieces we hold. */
  verifiedBytes: number;
  /** Bytes per second, recent. */
  downloadRate: number;
  uploadRate: number;
  /** Payload totals since this tab opened the transfer. */
  downloaded: number;
  uploaded: number;
  peers: PeerView[];
  /** Per piece: 0 missing, 1 downloading, 2 have. */
  pieceStates: Uint8Array;
  /** Per piece: how many connected peers have it. */
  availability: Uint16Array;
  /** Peer ids whose data failed verification and who were banned. */
  banned: string[];
  /**
   * Pieces known to be in this browser's piece store. It grows as pieces are downloaded, from the
   * moment the tab has opened the transfer.
   */
  storedPieces: number;
  /** Bytes of those pieces: what this transfer takes in the browser's storage. */
  storedBytes: number;
  /** Time left at the smoothed download rate (seconds), while downloading and once it is known. */
  secondsLeft?: number;
  /**
   * Pieces the transfer resumed with: those the piece store held, and that verified, when this
   * tab opened it (0 for a new download or a shared file). It does not change afterwards.
   */
  resumedPieces: number;
  /** Pieces that failed their hash so far. */
  hashFailures: number;
  /** Payload bytes received from each remote peer id during this tab's life. */
  receivedFrom: Record<string, number>;
  /** The torrent's files once its metadata is known (one for a single-file torrent). */
  files?: FileView[];
  /** Bytes of pieces received or asked for and not stored yet (at most RECEIVE_BUFFER_BUDGET). */
  receiveBuffered: number;
  /**
   * The file the page plays or shows while it downloads (the first audio, video or image file),
   * once the details are known and the service worker that streams it controls the page.
   */
  media?: { url: string; kind: MediaKind; name: string };
  error?: { code: string; message: string };
}

/** A message the page shows to a person. */
export interface Notice {
  id: number;
  level: 'info' | 'error';
  code?: string;
  text: string;
}

/** The whole tab, as the page and the scripting API see it. */
export interface NodeView {
  peerId: string;
  server: ServerState;
  serverUrl: string;
  connections: number;
  connectionBudget: number;
  /** Links opened in this tab's life (Chromium allows ~500). */
  connectionsOpened: number;
  /**
   * WebRTC links, open or opening: to whom ('' for an offer made through a WebTorrent tracker that
   * nobody answered yet), for which transfer (none: the DHT alone), whether it is a WebTorrent
   * link (made through a WebSocket tracker: no DHT), and how it got through.
   */
  links: {
    remoteId: string;
    open: boolean;
    infoHash?: string;
    webtorrent?: true;
    path?: LinkPath;
    rttMs?: number;
    /** Milliseconds from making the link (offer or answer) to its channels opening. */
    setupMs?: number;
  }[];
  /** Open links by path: direct (host), through a NAT (srflx) or relayed (TURN). */
  paths: Record<LinkPath, number>;
  /** Whether swarm peers are also asked of the server's tracker. */
  tracker: boolean;
  dht: DhtSnapshot;
  transfers: TransferView[];
  notices: Notice[];
  /** This origin's storage: used, available, persistent. */
  storage: StorageView;
  /** The current search (search box) and the info-hashes this tab lists in search. */
  search: SearchView;
  listed: string[];
}

/** How a file still being hashed shows on the page. */
export function hashingView(key: string, name: string, length: number): TransferView {
  return {
    infoHash: key,
    name,
    length,
    magnet: '',
    state: 'hashing',
    progress: 0,
    verifiedBytes: 0,
    downloadRate: 0,
    uploadRate: 0,
    downloaded: 0,
    uploaded: 0,
    peers: [],
    pieceStates: new Uint8Array(),
    availability: new Uint16Array(),
    banned: [],
    storedPieces: 0,
    storedBytes: 0,
    resumedPieces: 0,
    hashFailures: 0,
    receivedFrom: {},
    receiveBuffered: 0,
  };
}
