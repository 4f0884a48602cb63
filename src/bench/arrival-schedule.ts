/**
 * @module The benchmark's arrival schedule: the same seeded arrival process `simulate` uses
 * (first request at t = 0, then gaps ~ Gamma(shape = burstiness, scale = 1 / (rate ×
 * burstiness)), as in vLLM's `bench serve`; every request at t = 0 for rate inf). Reusing the
 * core generator keeps `bench --seed S` and `simulate --seed S` on identical arrivals, so an
 * offline re-run of a benchmark replays exactly what was sent.
 */

import { generateSyntheticWorkload } from '../core/workload/synthetic-workload.js';

/** Settings of the arrival process. */
export interface ArrivalScheduleOptions {
  readonly numRequests: number;
  /** Mean requests per second; `Infinity` puts every arrival at 0. */
  readonly requestRatePerS: number;
  /** Gamma shape of the gaps; 1 = Poisson. */
  readonly burstiness: number;
  readonly seed: number;
}

/**
 * Arrival times in seconds from the start, non-decreasing. The core draws arrivals from a random
 * stream of their own, independent of the length streams, so the lengths passed here do not
 * change the times.
 */
export function arrivalScheduleS(options: ArrivalScheduleOptions): number[] {
  const arrivals: number[] = [];
  for (const request of generateSyntheticWorkload({
    numRequests: options.numRequests,
    requestRatePerS: options.requestRatePerS,
    burstiness: options.burstiness,
    inputLength: { kind: 'fixed', tokens: 1 },
    outputLength: { kind: 'fixed', tokens: 1 },
    seed: options.seed,
  })) {
    arrivals.push(request.arrivalS);
  }
  return arrivals;
}
