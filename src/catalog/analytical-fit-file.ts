/**
 * @module The file `catalog/calibration/analytical-fit.json`: the per-GPU constants of the
 * analytical model with where each came from, written by `npm run calibrate` with sorted keys and
 * 4 significant digits so that a rerun on the same profiles gives the same bytes; its zod schema;
 * and the translation of one GPU's entry into an `AnalyticalCalibration`.
 */

import { z } from 'zod';
import {
  type AnalyticalCalibration,
  type AttentionCalibration,
  STREAMING_KERNEL_KINDS,
  type StreamingKernelCalibration,
  type StreamingKernelKind,
} from '../core/perf/analytical-cost-model.js';

export const FIT_FILE_FORMAT = 'llmservingsim-analytical-fit/1';

const MICRO = 1e-6;

const blockSchema = z.object({
  values: z.record(z.string(), z.number().positive().finite()),
  sources: z.array(z.string()),
  trainingRows: z.number().int().nonnegative(),
  rmsLogError: z.number().nonnegative().nullable(),
  defaulted: z.array(
    z.object({
      parameters: z.array(z.string()).min(1),
      rule: z.enum(['same-chip', 'same-generation', 'all-fitted', 'starting-value']),
      donors: z.array(z.string()),
    }),
  ),
});

const errorStatsSchema = z.object({
  count: z.number().int().nonnegative(),
  medianAbsPercent: z.number().nullable(),
  meanAbsPercent: z.number().nullable(),
  p90AbsPercent: z.number().nullable(),
  signedMeanPercent: z.number().nullable(),
});

export const fitFileSchema = z.object({
  format: z.literal(FIT_FILE_FORMAT),
  description: z.string(),
  model: z.string(),
  split: z.string(),
  gpus: z.record(
    z.string(),
    z.object({
      architecture: z.string(),
      blocks: z.record(z.string(), blockSchema),
      heldOut: z.object({
        operators: errorStatsSchema.nullable(),
        allReduce: errorStatsSchema.nullable(),
      }),
    }),
  ),
  /** Constants for a GPU outside the catalog: the median of every fitted GPU, per parameter. */
  fallback: z.object({ blocks: z.record(z.string(), blockSchema) }),
  heldOut: z.object({
    overall: errorStatsSchema,
    byTable: z.record(z.string(), errorStatsSchema),
  }),
});

export type FitFile = z.infer<typeof fitFileSchema>;
export type FitFileBlock = z.infer<typeof blockSchema>;

/** Rounds to `digits` significant digits (exactly representable output for stable files). */
export function roundSignificant(value: number, digits = 4): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/**
 * JSON text with object keys sorted at every level (arrays keep their order) and every number
 * rounded to 4 significant digits, ending in a newline.
 */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(normalize(value), null, 2)}\n`;
}

function normalize(value: unknown): unknown {
  if (typeof value === 'number') return roundSignificant(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, entry]) => [key, normalize(entry)]));
  }
  return value;
}

/** Values of one block of a GPU entry, by block name (`gemm`, `streaming.norm`, …). */
export type BlockValues = (block: string) => Readonly<Record<string, number>>;

type Values = Readonly<Record<string, number>>;

function required(values: Values, block: string, name: string): number {
  const value = values[name];
  if (value === undefined) throw new Error(`analytical fit: block ${block} has no ${name}`);
  return value;
}

/** The GEMM fields of a calibration from the `gemm` block. */
export function gemmFields(values: Values) {
  return {
    computeEfficiency: required(values, 'gemm', 'computeEfficiency'),
    memoryEfficiency: required(values, 'gemm', 'memoryEfficiency'),
    gemmSharpness: required(values, 'gemm', 'sharpness'),
    gemmFloorS: required(values, 'gemm', 'floorUs') * MICRO,
  };
}

/** One memory-bound kernel kind from its `streaming.<kind>` block. */
export function streamingFields(values: Values): StreamingKernelCalibration {
  return {
    bandwidthEfficiency: required(values, 'streaming', 'bandwidthEfficiency'),
    floorS: required(values, 'streaming', 'floorUs') * MICRO,
  };
}

/** The attention calibration from the `attention` block. */
export function attentionFields(values: Values): AttentionCalibration {
  const value = (name: string) => required(values, 'attention', name);
  return {
    prefillComputeEfficiency: value('prefillComputeEfficiency'),
    decodeMemoryEfficiency: value('decodeMemoryEfficiency'),
    decodeSequenceS: value('decodeSequenceUs') * MICRO,
    floorS: value('floorUs') * MICRO,
    tiles: {
      computeEfficiency: value('tileComputeEfficiency'),
      concurrentTiles: value('concurrentTiles'),
      mixedDecodeMemoryEfficiency: value('mixedDecodeMemoryEfficiency'),
    },
  };
}

/** The collective fields of a calibration from the `collective` block. */
export function collectiveFields(values: Values) {
  return {
    collectiveBandwidthEfficiency: required(values, 'collective', 'bandwidthEfficiency'),
    collectiveLatencyS: required(values, 'collective', 'callLatencyUs') * MICRO,
  };
}

/**
 * The calibration of one GPU from its blocks' values (efficiencies as fractions, times in µs),
 * with the given per-step CPU overhead (not fitted here).
 */
export function calibrationFromBlocks(
  blockValues: BlockValues,
  stepOverheadS: number,
): AnalyticalCalibration {
  const streaming: Partial<Record<StreamingKernelKind, StreamingKernelCalibration>> = {};
  for (const kind of STREAMING_KERNEL_KINDS) {
    streaming[kind] = streamingFields(blockValues(`streaming.${kind}`));
  }
  return {
    ...gemmFields(blockValues('gemm')),
    ...collectiveFields(blockValues('collective')),
    stepOverheadS,
    streaming,
    attention: attentionFields(blockValues('attention')),
  };
}
