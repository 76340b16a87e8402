/**
 * How a WebRTC link got through, from the ICE candidate pair it uses: `direct` (host candidates
 * on both ends: same machine or LAN), `srflx` (through a NAT, addresses learned with STUN or
 * from the peer) or `relay` (through a TURN server, whose operator pays for every byte).
 */
export type LinkPath = 'direct' | 'srflx' | 'relay';

/** Every path, most preferred first. */
export const LINK_PATHS: readonly LinkPath[] = ['direct', 'srflx', 'relay'];

/** ICE candidate types (RTCIceCandidateType). */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** What one link reports of its selected candidate pair. */
export interface LinkRoute {
  path: LinkPath;
  /** The local and remote candidate types of the selected pair. */
  local: CandidateType;
  remote: CandidateType;
  /** The pair's current round-trip time (STUN consent checks), milliseconds, when measured. */
  rttMs?: number;
}

/**
 * The path of a candidate pair: relayed when either end is a TURN relay candidate, through a
 * NAT when either end is a server- or peer-reflexive address, direct only host to host.
 */
export function pathOf(local: CandidateType, remote: CandidateType): LinkPath {
  if (local === 'relay' || remote === 'relay') return 'relay';
  if (local === 'host' && remote === 'host') return 'direct';
  return 'srflx';
}

/** True for a value a stats report may hold as `candidateType`. */
export function isCandidateType(value: unknown): value is CandidateType {
  return value === 'host' || value === 'srflx' || value === 'prflx' || value === 'relay';
}

/** How many links use each path (links whose path is not known yet are not counted). */
export function countPaths(paths: Iterable<LinkPath | undefined>): Record<LinkPath, number> {
  const counts: Record<LinkPath, number> = { direct: 0, srflx: 0, relay: 0 };
  for (const p of paths) if (p !== undefined) counts[p]++;
  return counts;
}

/**
 * The upload cap (bytes per second) for a link on `path`: relayed links get `relayLimit` when one
 * is set, since every byte through TURN costs the relay's operator; others are only under the
 * tab-wide limit. Undefined means no cap of this kind.
 */
export function relayUploadCap(
  path: LinkPath | undefined,
  relayLimit: number | undefined,
): number | undefined {
  return path === 'relay' ? relayLimit : undefined;
}
