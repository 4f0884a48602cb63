/**
 * @module Workload data shipped with the simulator: the request-length distribution of vLLM's
 * ShareGPT benchmark sampling (`workloads/sharegpt-lengths.json`, with its source note).
 */

import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LengthDistribution } from '../core/workload/length-distribution.js';
import { readCatalogFile } from './read-json-file.js';

const SHAREGPT_PATH = fileURLToPath(new URL('./workloads/sharegpt-lengths.json', import.meta.url));

const quantileTable = z.array(z.number().nonnegative()).min(2);

const shareGptSchema = z
  .object({
    filter: z.object({ maxTotalTokens: z.number().int().positive() }),
    quantiles: quantileTable,
    inputTokens: quantileTable,
    outputTokens: quantileTable,
    source: z.string().min(1),
  })
  .refine(
    (data) =>
      data.inputTokens.length === data.quantiles.length &&
      data.outputTokens.length === data.quantiles.length &&
      data.quantiles[0] === 0 &&
      data.quantiles[data.quantiles.length - 1] === 1,
    { message: 'quantile tables must match in length and span 0..1' },
  );

export interface ShareGptLengths {
  readonly input: LengthDistribution;
  readonly output: LengthDistribution;
  /** Pairs whose prompt + output exceed this are redrawn, as vLLM's sampling drops them. */
  readonly maxTotalTokens: number;
  readonly source: string;
}

let shareGpt: ShareGptLengths | undefined;

/** The ShareGPT length marginals. */
export function loadShareGptLengths(): ShareGptLengths {
  if (shareGpt) return shareGpt;
  const data = readCatalogFile(SHAREGPT_PATH, shareGptSchema);
  shareGpt = {
    input: {
      kind: 'empirical',
      name: 'sharegpt-input',
      quantiles: data.quantiles,
      tokens: data.inputTokens,
    },
    output: {
      kind: 'empirical',
      name: 'sharegpt-output',
      quantiles: data.quantiles,
      tokens: data.outputTokens,
    },
    maxTotalTokens: data.filter.maxTotalTokens,
    source: data.source,
  };
  return shareGpt;
}
