import { toHex } from '../bytes.js';
import type { PeerKey } from './piece-picker.js';
import type { SwarmCore } from './swarm-core.js';
import type { PeerStatus, SwarmStatus } from './swarm-types.js';

/** A snapshot of a swarm for the page. */
export function swarmStatus(
  core: SwarmCore,
  optimistic: PeerKey | undefined,
  banned: Iterable<PeerKey>,
  buffered: { metadata: number; pieces: number },
  now: number,
): SwarmStatus {
  const picker = core.picker;
  const info = core.info;
  const pieceCount = info?.pieceCount ?? 0;
  const pieces = picker ? Array.from({ length: pieceCount }, (_, i) => picker.pieceState(i)) : [];
  const availability = picker ? Array.from({ length: pieceCount }, (_, i) => picker.availabilityOf(i)) : [];
  let verifiedBytes = 0;
  if (picker) for (let i = 0; i < pieceCount; i++) if (picker.has(i)) verifiedBytes += picker.pieceSize(i);
  const peers: PeerStatus[] = [...core.peers.values()].map((p) => {
    const s: PeerStatus = {
      peer: p.key,
      handshake: p.wire.open,
      connectedAt: p.connectedAt,
      amChoking: p.wire.amChoking,
      amInterested: p.wire.amInterested,
      peerChoking: p.wire.peerChoking,
      peerInterested: p.wire.peerInterested,
      optimistic: optimistic === p.key,
      snubbed: p.download.snubbed,
      pieces: p.wire.peerPieces.count,
      downloadRate: p.down.rate(now),
      uploadRate: p.up.rate(now),
      downloaded: p.down.total,
      uploaded: p.up.total,
      requestsOut: p.download.outstanding.size,
      requestsIn: p.upload.incoming.length,
    };
    if (p.wire.remote) s.peerId = toHex(p.wire.remote.peerId);
    if (p.wire.extensions?.client !== undefined) s.client = p.wire.extensions.client;
    return s;
  });
  const status: SwarmStatus = {
    infoHash: toHex(core.infoHash),
    metadata: info !== undefined,
    metadataBuffered: buffered.metadata,
    receiveBuffered: buffered.pieces,
    pieceCount,
    pieces,
    availability,
    haveCount: picker?.completed ?? 0,
    verifiedBytes,
    complete: picker?.complete ?? false,
    finished: picker?.finished ?? false,
    endgame: picker?.endgame ?? false,
    downloadRate: core.down.rate(now),
    uploadRate: core.up.rate(now),
    downloaded: core.down.total,
    uploaded: core.up.total,
    wasted: core.wasted,
    peers,
    banned: [...banned],
  };
  if (info) {
    status.name = info.name;
    status.length = info.length;
    status.pieceLength = info.pieceLength;
  }
  return status;
}
