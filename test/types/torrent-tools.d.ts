/** The parts of WebTorrent's .torrent tools the tests use (the packages ship no types). */
declare module 'create-torrent' {
  interface CreateTorrentOptions {
    name?: string;
    pieceLength?: number;
    announceList?: string[][];
    createdBy?: string;
  }
  export default function createTorrent(
    input: Uint8Array,
    opts: CreateTorrentOptions,
    cb: (err: Error | null, torrent: Uint8Array) => void,
  ): void;
}

declare module 'parse-torrent' {
  interface ParsedTorrent {
    infoHash: string;
    announce: string[];
    createdBy?: string;
    created?: Date;
    pieceLength: number;
    length: number;
  }
  export default function parseTorrent(torrentId: Uint8Array): Promise<ParsedTorrent>;
}

/** The part of bittorrent-tracker's server (JavaScript only) the e2e tests and the benchmark use. */
declare module 'bittorrent-tracker/server' {
  import { EventEmitter } from 'node:events';
  import type { Server as HttpServer } from 'node:http';
  import type { AddressInfo } from 'node:net';

  /** A swarm as the tracker keeps it: counts of seeders and leechers. */
  interface TrackerSwarm {
    complete: number;
    incomplete: number;
  }

  export default class Server extends EventEmitter {
    constructor(opts?: { udp?: boolean; http?: boolean; ws?: boolean; stats?: boolean });
    /** The HTTP server its WebSocket endpoint is attached to. */
    http: HttpServer | null;
    ws: { address(): AddressInfo | string };
    /** Swarms by info-hash (hex). */
    torrents: Record<string, TrackerSwarm | undefined>;
    listen(port: number, hostname?: string, onListening?: () => void): void;
    close(cb?: () => void): void;
  }
}

declare module 'bittorrent-protocol' {
  import { EventEmitter } from 'node:events';
  /** WebTorrent's peer wire (a byte stream; the parts the interop test uses). */
  export default class Wire extends EventEmitter {
    hasFast: boolean;
    peerChoking: boolean;
    peerInterested: boolean;
    peerPieces: { get(index: number): boolean };
    write(chunk: Uint8Array): boolean;
    handshake(infoHash: Uint8Array, peerId: Uint8Array, extensions?: { fast?: boolean }): void;
    interested(): void;
    unchoke(): void;
    choke(): void;
    haveAll(): void;
    request(
      index: number,
      offset: number,
      length: number,
      cb: (err: Error | null, buf: Uint8Array) => void,
    ): void;
  }
}
