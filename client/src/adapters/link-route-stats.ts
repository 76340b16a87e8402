import { isCandidateType, pathOf, type LinkRoute } from '../../../shared/links/index.js';

/** The fields of RTCStats entries this reads; anything else in the report is ignored. */
interface StatsEntry {
  type?: string;
  id?: string;
  selectedCandidatePairId?: string;
  state?: string;
  nominated?: boolean;
  selected?: boolean;
  localCandidateId?: string;
  remoteCandidateId?: string;
  candidateType?: unknown;
  currentRoundTripTime?: number;
}

/**
 * The route of a connection from its `RTCPeerConnection.getStats()` report: the selected candidate
 * pair (named by the transport, else the succeeded nominated pair), its two candidates' types and
 * its current round-trip time. Undefined when no pair is selected yet.
 */
export function routeFromStats(report: RTCStatsReport | Map<string, unknown>): LinkRoute | undefined {
  const entries = new Map<string, StatsEntry>();
  report.forEach((value: unknown, key: string) => entries.set(key, value as StatsEntry));
  const all = [...entries.values()];
  const selectedId = all.find(
    (e) => e.type === 'transport' && e.selectedCandidatePairId,
  )?.selectedCandidatePairId;
  const pair =
    (selectedId !== undefined ? entries.get(selectedId) : undefined) ??
    all.find(
      (e) => e.type === 'candidate-pair' && (e.selected === true || (e.nominated && e.state === 'succeeded')),
    );
  if (pair === undefined) return undefined;
  const local = entries.get(pair.localCandidateId ?? '')?.candidateType;
  const remote = entries.get(pair.remoteCandidateId ?? '')?.candidateType;
  if (!isCandidateType(local) || !isCandidateType(remote)) return undefined;
  const route: LinkRoute = { path: pathOf(local, remote), local, remote };
  if (typeof pair.currentRoundTripTime === 'number')
    route.rttMs = Math.round(pair.currentRoundTripTime * 1000);
  return route;
}
