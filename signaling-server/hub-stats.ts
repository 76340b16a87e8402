/** Counters served at GET /stats. */
export interface HubStats {
  /** Open sockets, registered or not. */
  connections: number;
  /** Registered peers. */
  peers: number;
  /** Swarms with at least one member. */
  swarms: number;
  /** Messages received (including dropped and invalid ones). */
  messagesReceived: number;
  /** Messages sent to tabs: challenges, replies, relayed signals and errors. */
  messagesSent: number;
  /** Successful first registrations of a socket (a peer id taken). */
  registrations: number;
  /** `signal` messages delivered to their target. */
  messagesRelayed: number;
  /** Error replies sent. */
  errorsSent: number;
  /** Error replies sent, by error code. */
  errorsByCode: Record<string, number>;
  /** Messages dropped by the rate limiter. */
  messagesDropped: number;
  /** Sockets closed for not answering a ping. */
  socketsReaped: number;
  /** Sockets closed for not registering within the register deadline. */
  registerTimeouts: number;
  /** Sockets refused at connect: the server or their address was full. */
  socketsRefused: number;
  /** Unexpected errors contained by closing the one socket they came from. */
  internalErrors: number;
  /** `register`s refused for a missing or wrong proof of the peer id. */
  proofsRefused: number;
  /** Sockets closed because another socket proved their peer id's key (the key holder wins). */
  peersSuperseded: number;
  /** Peer ids announced over the WebTorrent tracker protocol. */
  webtorrentPeers: number;
  /** WebTorrent offers relayed to a swarm member, and answers relayed back. */
  webtorrentOffersRelayed: number;
  webtorrentAnswersRelayed: number;
}
