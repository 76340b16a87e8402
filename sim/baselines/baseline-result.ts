/** What every baseline overlay reports, so its row sits beside Kademlia's. */
export interface BaselineResult {
  /** Overlay and search method, e.g. "Chord" or "Gnutella flood TTL 7". */
  overlay: string;
  nodes: number;
  churn: boolean;
  lookups: number;
  /** Fraction of lookups that found what they looked for. */
  success: number;
  /** Point-to-point messages per lookup (each request, reply and forward counts one). */
  messagesPerLookup: number;
  /** Overlay hops on the path to the answer (mean over successful lookups), where meaningful. */
  hopsPerLookup: number;
  /** Upkeep messages (stabilization, re-registration, reconnection) per node per round. */
  maintenancePerNodeRound: number;
}

/** Shared knobs: rounds of churn and lookups, and how much of the population is replaced. */
export interface BaselineOptions {
  nodes: number;
  seed: number;
  /** Lookups in total, spread evenly over the rounds. */
  lookups: number;
  /** Fraction of nodes that leave (and as many join) over the run; 0 for none. */
  churnFraction: number;
  /** Rounds the run lasts; each round: churn, then lookups, then upkeep. */
  rounds: number;
}

/** How many of `total` events fall in round `r` of `rounds` (spread as evenly as integers allow). */
export function shareOf(total: number, r: number, rounds: number): number {
  return Math.floor(((r + 1) * total) / rounds) - Math.floor((r * total) / rounds);
}
