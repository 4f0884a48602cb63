/**
 * @module Workload settings (flag names follow vLLM's `bench serve`): synthetic arrivals and
 * lengths, or a trace file; parsing of length specs such as `uniform:64:512`; and building the
 * request stream the engine consumes.
 */

import { z } from 'zod';
import { loadShareGptLengths } from '../catalog/workload-catalog.js';
import type { LengthDistribution } from '../core/workload/length-distribution.js';
import { generateSyntheticWorkload } from '../core/workload/synthetic-workload.js';
import type { WorkloadRequest } from '../core/workload/workload-request.js';
import { InvalidConfigError, InvalidDistributionError } from '../errors.js';
import { readTrace, type TraceFormat } from '../io/trace-reader.js';
import { flagName, parseWithSchema } from './parse-with-schema.js';

export const workloadOptionsSchema = z.object({
  numRequests: z.number().int().positive().default(1000),
  /** Requests per second; `Infinity` sends everything at t = 0 (vLLM's default). */
  requestRate: z
    .number()
    .positive()
    .or(z.literal(Number.POSITIVE_INFINITY))
    .default(Number.POSITIVE_INFINITY),
  burstiness: z.number().positive().default(1),
  /** Most requests in flight (closed loop when the rate is infinite). */
  concurrency: z.number().int().positive().optional(),
  inputLen: z.string().min(1).default('sharegpt'),
  outputLen: z.string().min(1).default('sharegpt'),
  /** Replay this trace instead of generating requests. */
  trace: z.string().min(1).optional(),
  seed: z.number().int().nonnegative().default(0),
});

export type WorkloadOptionsInput = z.input<typeof workloadOptionsSchema>;
export type WorkloadOptions = z.output<typeof workloadOptionsSchema>;

/** A workload ready to run, with a description for reports. */
export interface Workload {
  readonly requests: Iterable<WorkloadRequest>;
  readonly maxConcurrency: number | undefined;
  /** Number of requests the workload will produce. */
  readonly numRequests: number;
  /** One line saying what the workload is. */
  readonly description: string;
  /** Set when replaying a trace. */
  readonly trace?: {
    readonly path: string;
    readonly format: TraceFormat;
    readonly skipped: number;
  };
}

/**
 * Parses a length spec: `N` (fixed), `uniform:MIN:MAX` (inclusive), `lognormal:MEAN:SIGMA`
 * (MEAN in tokens, SIGMA of the log; SIGMA defaults to 1) or `sharegpt` (the prompt or the
 * output marginal of vLLM's ShareGPT sampling, by `role`).
 */
export function parseLengthSpec(spec: string, role: 'input' | 'output'): LengthDistribution {
  const trimmed = spec.trim().toLowerCase();
  if (trimmed === 'sharegpt') return loadShareGptLengths()[role];
  const parts = trimmed.split(':');
  const numbers = parts.slice(1).map(Number);
  const fail = (detail: string): never => {
    throw new InvalidDistributionError(spec, detail);
  };
  const positiveInteger = (value: number | undefined, name: string): number => {
    if (value === undefined || !Number.isInteger(value) || value < 1) {
      fail(`${name} must be a positive integer`);
    }
    return value as number;
  };
  switch (parts[0]) {
    case 'uniform': {
      if (parts.length !== 3) fail('expected uniform:MIN:MAX');
      const minTokens = positiveInteger(numbers[0], 'MIN');
      const maxTokens = positiveInteger(numbers[1], 'MAX');
      if (maxTokens < minTokens) fail('MAX must be at least MIN');
      return { kind: 'uniform', minTokens, maxTokens };
    }
    case 'lognormal': {
      if (parts.length < 2 || parts.length > 3) fail('expected lognormal:MEAN[:SIGMA]');
      const meanTokens = numbers[0] as number;
      const sigma = parts.length === 3 ? (numbers[1] as number) : 1;
      if (!(meanTokens >= 1)) fail('MEAN must be at least 1');
      if (!(sigma > 0 && sigma <= 4)) fail('SIGMA must be in (0, 4]');
      return { kind: 'lognormal', meanTokens, sigma };
    }
    default: {
      if (parts.length === 1 && /^\d+$/.test(trimmed)) {
        return { kind: 'fixed', tokens: positiveInteger(Number(trimmed), 'the length') };
      }
      return fail('expected N, uniform:MIN:MAX, lognormal:MEAN[:SIGMA] or sharegpt');
    }
  }
}

/** Builds the workload the options describe. Trace replays read the whole file up front. */
export function resolveWorkload(input: WorkloadOptionsInput): Workload {
  const options = parseWithSchema(workloadOptionsSchema, input, 'flag');
  if (options.trace !== undefined) {
    // A trace brings its own arrivals and lengths; settings that would silently be ignored are refused.
    const conflicting = (['requestRate', 'burstiness', 'inputLen', 'outputLen'] as const).filter(
      (key) => input[key] !== undefined,
    );
    if (conflicting.length > 0) {
      throw new InvalidConfigError(
        `${conflicting.map(flagName).join(', ')} cannot be combined with --trace (the trace gives ` +
          'arrival times and lengths); --num-requests replays only the first N requests',
      );
    }
    const trace = readTrace(options.trace);
    const requests =
      input.numRequests === undefined
        ? trace.requests
        : trace.requests.slice(0, options.numRequests);
    return {
      requests,
      maxConcurrency: options.concurrency,
      numRequests: requests.length,
      description:
        `trace ${options.trace} (${trace.format}, ${requests.length}` +
        (requests.length < trace.requests.length ? ` of ${trace.requests.length}` : '') +
        ' requests)',
      trace: { path: options.trace, format: trace.format, skipped: trace.skipped },
    };
  }
  const sharegptInput = options.inputLen.trim().toLowerCase() === 'sharegpt';
  const sharegptOutput = options.outputLen.trim().toLowerCase() === 'sharegpt';
  const inputLength = parseLengthSpec(options.inputLen, 'input');
  const outputLength = parseLengthSpec(options.outputLen, 'output');
  if (!Number.isFinite(options.requestRate) && options.burstiness !== 1) {
    throw new InvalidConfigError('--burstiness needs a finite --request-rate');
  }
  const rate = Number.isFinite(options.requestRate) ? `${options.requestRate} req/s` : 'rate inf';
  return {
    requests: {
      [Symbol.iterator]: () =>
        generateSyntheticWorkload({
          numRequests: options.numRequests,
          requestRatePerS: options.requestRate,
          burstiness: options.burstiness,
          inputLength,
          outputLength,
          // vLLM's ShareGPT sampling drops pairs whose prompt + output exceed the limit.
          ...(sharegptInput || sharegptOutput
            ? { maxTotalTokens: loadShareGptLengths().maxTotalTokens }
            : {}),
          seed: options.seed,
        }),
    },
    maxConcurrency: options.concurrency,
    numRequests: options.numRequests,
    description:
      `synthetic: ${options.numRequests} requests, ${rate}` +
      (options.burstiness !== 1 ? `, burstiness ${options.burstiness}` : '') +
      (options.concurrency !== undefined ? `, concurrency ${options.concurrency}` : '') +
      `, input ${options.inputLen}, output ${options.outputLen}, seed ${options.seed}`,
  };
}
