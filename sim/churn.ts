import type { Random } from '../shared/random.js';
import type { VirtualClock } from './clock.js';

/** A churn plan: `leaves` departures and `joins` arrivals spread at random over a window. */
export interface ChurnPlan {
  /** Window start and end, virtual ms. */
  start: number;
  end: number;
  leaves: number;
  joins: number;
  /** Chooses who leaves (undefined: nobody eligible, skip). */
  pickLeaver(random: Random): string | undefined;
  /** Takes a node out (the host closes its links through the network). */
  leave(id: string): void;
  /** Brings a fresh node in. */
  join(): void;
}

/**
 * Schedules a churn plan on the clock. Departure and arrival instants are uniform over the window
 * (a Poisson process conditioned on its count), drawn up front so the plan depends only on the seed.
 */
export function scheduleChurn(clock: VirtualClock, random: Random, plan: ChurnPlan): void {
  const span = Math.max(0, plan.end - plan.start);
  for (let i = 0; i < plan.leaves; i++) {
    clock.at(plan.start + random.next() * span, () => {
      const id = plan.pickLeaver(random);
      if (id !== undefined) plan.leave(id);
    });
  }
  for (let i = 0; i < plan.joins; i++) {
    clock.at(plan.start + random.next() * span, () => plan.join());
  }
}
