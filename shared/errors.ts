/**
 * The one error module. Every error tabswarm reports carries a stable `code` that tests, the
 * page and the scripting API match on; the message is for people and may change.
 */
export const ErrorCode = {
  /** Bencoded bytes that do not parse, or break a limit (depth, length). */
  BencodeInvalid: 'BENCODE_INVALID',
  /** A magnet link that is not a BEP 9 magnet with a valid btih. */
  MagnetInvalid: 'MAGNET_INVALID',
  /** An info dictionary that is not a valid BEP 3 info dictionary (single- or multi-file). */
  InfoInvalid: 'INFO_INVALID',
  /** A .torrent file that is not a bencoded dictionary with a valid `info` (and sane trackers). */
  TorrentInvalid: 'TORRENT_INVALID',
  /** Metadata received over ut_metadata did not hash to the info-hash, or broke a limit. */
  MetadataInvalid: 'METADATA_INVALID',
  /** No peer delivered the metadata in time. */
  MetadataTimeout: 'METADATA_TIMEOUT',
  /** A length prefix or message larger than its cap. */
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  /** The peer wire handshake was wrong (protocol string, info-hash, our own peer id). */
  HandshakeInvalid: 'HANDSHAKE_INVALID',
  /** A peer broke the protocol (bad message id, length, index, unsolicited piece...). */
  ProtocolViolation: 'PROTOCOL_VIOLATION',
  /** A piece failed its SHA-1 check. */
  PieceHashMismatch: 'PIECE_HASH_MISMATCH',
  /** A peer was banned for sending corrupt data. */
  PeerBanned: 'PEER_BANNED',
  /** A peer or connection timed out. */
  Timeout: 'TIMEOUT',
  /** Storage quota exhausted (QuotaExceededError). */
  StorageFull: 'STORAGE_FULL',
  /** Any other storage failure. */
  StorageFailed: 'STORAGE_FAILED',
  /** The signaling server could not be reached. */
  ServerUnreachable: 'SERVER_UNREACHABLE',
  /** The signaling server went away after we were connected. */
  ServerGone: 'SERVER_GONE',
  /** A signaling message failed schema validation. */
  SignalInvalid: 'SIGNAL_INVALID',
  /**
   * A `register` that does not prove its peer id: no proof, a public key whose SHA-1 is not the
   * id, or a signature that does not sign this socket's challenge (see shared/identity/).
   */
  PeerIdUnproven: 'PEER_ID_UNPROVEN',
  /**
   * Sent to a socket whose peer id was taken over by another socket that proved the same key:
   * the holder of the key wins, the old socket is closed. A tab told this stops reconnecting.
   */
  PeerIdSuperseded: 'PEER_ID_SUPERSEDED',
  /** The named peer is not connected to the server. */
  UnknownPeer: 'UNKNOWN_PEER',
  /** A socket sent too many messages and was throttled or closed. */
  RateLimited: 'RATE_LIMITED',
  /** A DHT message that is malformed, oversized or unexpected. */
  DhtInvalid: 'DHT_INVALID',
  /** A WebRTC connection failed or closed unexpectedly. */
  ConnectionFailed: 'CONNECTION_FAILED',
  /**
   * ICE found no path between two tabs (every candidate pair failed): typically both behind
   * symmetric NATs with no TURN relay configured, or the relay failed. The message says which.
   */
  NoRoute: 'NO_ROUTE',
  /** The tab reached its live-connection budget. */
  ConnectionBudget: 'CONNECTION_BUDGET',
  /** A server-side count limit was reached (swarms per peer, connections per server). */
  LimitExceeded: 'LIMIT_EXCEEDED',
  /** A local file could not be read (moved, changed or revoked since it was picked). */
  FileUnreadable: 'FILE_UNREADABLE',
  /**
   * A file path from a torrent that cannot be saved as it is (`..`, absolute, empty, reserved or
   * over-long names, control characters): the file is skipped or saved under a safe name.
   */
  PathUnsafe: 'PATH_UNSAFE',
  /** A transfer action (pause, resume, remove) named an info-hash this tab has no transfer for. */
  TransferUnknown: 'TRANSFER_UNKNOWN',
  /**
   * A search record (keyword record) that does not decode, breaks a size cap, is not signed by the
   * key it names, or does not match the keyword it was stored or found under.
   */
  SearchRecordInvalid: 'SEARCH_RECORD_INVALID',
  /** A player waits for a piece no connected peer has sent yet (it plays on when the piece comes). */
  StreamWaiting: 'STREAM_WAITING',
  /** A stream URL names no transfer of this tab, or no file of it. */
  StreamUnavailable: 'STREAM_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a stable code. Thrown by parsers; state machines turn it into events. */
export class TabswarmError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'TabswarmError';
    this.code = code;
  }
}

/** True if `err` is a TabswarmError, optionally with the given code. */
export function isTabswarmError(err: unknown, code?: ErrorCode): err is TabswarmError {
  return err instanceof TabswarmError && (code === undefined || err.code === code);
}

/** Turns anything thrown into a TabswarmError with `fallback` as its code. */
export function toTabswarmError(err: unknown, fallback: ErrorCode): TabswarmError {
  if (err instanceof TabswarmError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TabswarmError(fallback, message);
}
