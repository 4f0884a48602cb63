/**
 * @module Synthetic workloads: arrival processes (Poisson, gamma-bursty, all-at-once) combined with
 * length distributions, produced lazily so that memory does not grow with the request count.
 */

import { randomGamma } from 'd3-random';
import { createLengthSampler, type LengthDistribution } from './length-distribution.js';
import { createRandomStream } from './random.js';
import type { WorkloadRequest } from './workload-request.js';

/** Settings of a synthetic workload. */
export interface SyntheticWorkloadOptions {
  /** Number of requests to generate. */
  readonly numRequests: number;
  /** Mean arrival rate in requests per second; `Infinity` puts every arrival at t = 0. */
  readonly requestRatePerS: number;
  /** Gamma shape of inter-arrival times: 1 = Poisson, < 1 burstier, > 1 more regular. */
  readonly burstiness: number;
  readonly inputLength: LengthDistribution;
  readonly outputLength: LengthDistribution;
  /**
   * When set, pairs whose input + output exceed it are redrawn (the ShareGPT sampling of vLLM's
   * benchmark drops such pairs).
   */
  readonly maxTotalTokens?: number;
  readonly seed: number;
}

/** Bounds the redraws of one pair; reached only if the distributions almost never satisfy the cap. */
const MAX_REDRAWS = 1000;

/**
 * Generates the requests of a synthetic workload lazily, in arrival order. As in vLLM's
 * `bench serve`, the first request arrives at t = 0 and the gaps are gamma-distributed with
 * shape = burstiness and mean = 1 / rate.
 */
export function* generateSyntheticWorkload(
  options: SyntheticWorkloadOptions,
): Generator<WorkloadRequest, void, undefined> {
  const { numRequests, requestRatePerS, burstiness, seed } = options;
  const sampleInput = createLengthSampler(options.inputLength, createRandomStream(seed, 'input'));
  const sampleOutput = createLengthSampler(
    options.outputLength,
    createRandomStream(seed, 'output'),
  );
  const openEnded = !Number.isFinite(requestRatePerS);
  const sampleGap = openEnded
    ? () => 0
    : randomGamma.source(createRandomStream(seed, 'arrival'))(
        burstiness,
        1 / (requestRatePerS * burstiness),
      );
  const maxTotal = options.maxTotalTokens ?? Number.POSITIVE_INFINITY;
  let arrivalS = 0;
  for (let index = 0; index < numRequests; index++) {
    if (index > 0) arrivalS += sampleGap();
    let inputTokens = sampleInput();
    let outputTokens = sampleOutput();
    for (let redraw = 0; inputTokens + outputTokens > maxTotal && redraw < MAX_REDRAWS; redraw++) {
      inputTokens = sampleInput();
      outputTokens = sampleOutput();
    }
    yield { id: String(index), arrivalS, inputTokens, outputTokens };
  }
}
