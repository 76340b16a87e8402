/** The part of bittorrent-tracker's server (a dev dependency, JavaScript only) the e2e tests use. */
declare module 'bittorrent-tracker/server' {
  import type { Server as HttpServer } from 'node:http';

  interface TrackerServerOptions {
    udp?: boolean;
    http?: boolean;
    ws?: boolean;
    stats?: boolean;
  }

  /** A swarm as the tracker keeps it: counts of seeders and leechers. */
  interface TrackerSwarm {
    complete: number;
    incomplete: number;
  }

  export default class Server {
    constructor(options?: TrackerServerOptions);
    /** The HTTP server its WebSocket endpoint is attached to. */
    http: HttpServer | null;
    /** Swarms by info-hash (hex). */
    torrents: Record<string, TrackerSwarm | undefined>;
    listen(port: number, hostname: string, onListening?: () => void): void;
    close(cb?: () => void): void;
    on(event: 'warning' | 'error', listener: (err: Error) => void): this;
  }
}
