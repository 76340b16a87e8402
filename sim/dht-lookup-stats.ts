import { compareDistance } from '../shared/dht/node-id.js';
import type { DhtHost } from './dht-host.js';
import type { LookupStats } from './dht-sim-types.js';

export function emptyStats(): LookupStats {
  return {
    issued: 0,
    done: 0,
    success: 0,
    unfinished: 0,
    abandoned: 0,
    rounds: 0,
    rpcs: 0,
    timeouts: 0,
    durationMs: 0,
    p50Ms: Number.NaN,
    p95Ms: Number.NaN,
  };
}

/** Successes over lookups that could finish (done, or still running when the run ended). */
export function successRate(s: LookupStats): number {
  const n = s.done + s.unfinished;
  return n === 0 ? Number.NaN : s.success / n;
}

/** The `k` live node ids closest to `target` by XOR, excluding `except`. */
export function trueClosest(
  live: Iterable<{ id: string; bytes: Uint8Array }>,
  target: Uint8Array,
  k: number,
  except: string,
): string[] {
  const best: { id: string; bytes: Uint8Array }[] = [];
  for (const n of live) {
    if (n.id === except) continue;
    if (
      best.length === k &&
      compareDistance(target, n.bytes, (best[k - 1] as { bytes: Uint8Array }).bytes) >= 0
    )
      continue;
    let i = best.length;
    while (i > 0 && compareDistance(target, n.bytes, (best[i - 1] as { bytes: Uint8Array }).bytes) < 0) i--;
    best.splice(i, 0, n);
    if (best.length > k) best.pop();
  }
  return best.map((n) => n.id);
}

/** What countersOf sums. */
export interface SummedCounters {
  frames: number;
  queries: number;
  /** Answers that came through relays: checked for their proof, and refused. */
  checked: number;
  refused: number;
}

/** Counters summed over `hosts` plus `departed` (what nodes that left had counted). */
export function countersOf(hosts: readonly DhtHost[], departed: SummedCounters): SummedCounters {
  let { frames, queries, checked, refused } = departed;
  for (const h of hosts) {
    const c = h.node.snapshot().counters;
    frames += c.framesOut;
    queries += c.queriesOut;
    checked += c.answersChecked;
    refused += c.answersRefused;
  }
  return { frames, queries, checked, refused };
}
