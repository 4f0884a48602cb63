/**
 * @module Building the timing curves of a profile from measured (x, time) pairs: repeated points
 * merged by their median, sorted, thinned by the fixed grid rule, times rounded.
 */

import { TOKEN_OPERATOR_NAMES } from '../../catalog/profile-catalog.js';
import type {
  AttentionSample,
  MoeSample,
  SequenceOperatorName,
  SequenceOperatorTiming,
  TimingCurve,
  TokenOperatorName,
  TokenOperatorTiming,
} from '../../core/perf/operator-profile.js';
import { thinCurvePoints } from './grid-thinning.js';
import { mergeRepeatedSamples, roundSignificant } from './numbers.js';

/** A measured point: x (tokens, sequences or bytes) and its time in microseconds. */
export type CurveSample = readonly [x: number, timeUs: number];

/** Thinning of a curve (defaults: `MAX_CURVE_POINTS`, `DENSE_TOKEN_LIMIT`). */
export interface CurveOptions {
  readonly maxPoints?: number;
  readonly denseUpTo?: number;
}

/** The curve through `samples`, thinned to at most `maxPoints` points. */
export function buildCurve(
  samples: readonly CurveSample[],
  options: CurveOptions = {},
): TimingCurve {
  const merged = mergeRepeatedSamples(samples);
  const kept = new Set(
    thinCurvePoints(
      merged.map(([x]) => x as number),
      options,
    ),
  );
  const rows = merged.filter(([x]) => kept.has(x as number));
  return {
    points: rows.map(([x]) => x as number),
    timesUs: rows.map(([, time]) => roundSignificant(time as number)),
  };
}

/** How a source operator becomes a format /1 token operator. */
export interface TokenOperatorMapping {
  readonly name: TokenOperatorName;
  readonly scope: 'layer' | 'step';
  readonly count: number;
}

export function tokenOperator(
  mapping: TokenOperatorMapping,
  samples: readonly CurveSample[],
  options: CurveOptions = {},
): TokenOperatorTiming {
  const curve = buildCurve(samples, options);
  return { name: mapping.name, scope: mapping.scope, count: mapping.count, ...curve };
}

export function sequenceOperator(
  name: SequenceOperatorName,
  samples: readonly CurveSample[],
  options: CurveOptions = {},
): SequenceOperatorTiming {
  return { name, ...buildCurve(samples, options) };
}

/** Token operators in the order a decoder layer runs them (the order of the format's names). */
export function sortTokenOperators(
  operators: readonly TokenOperatorTiming[],
): TokenOperatorTiming[] {
  const order: readonly TokenOperatorName[] = TOKEN_OPERATOR_NAMES;
  return [...operators].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

/** Groups rows of (operator name, x, time) by name, keeping first-seen order. */
export function groupByOperator(
  rows: Iterable<readonly [name: string, x: number, timeUs: number]>,
): Map<string, CurveSample[]> {
  const groups = new Map<string, CurveSample[]>();
  for (const [name, x, time] of rows) {
    const group = groups.get(name) ?? [];
    group.push([x, time]);
    groups.set(name, group);
  }
  return groups;
}

/** Attention rows (prefill chunk, prior KV, decode sequences, decode KV, µs): repeats merged, sorted. */
export function attentionSamples(rows: readonly (readonly number[])[]): AttentionSample[] {
  return mergeRepeatedSamples(rows).map(
    ([prefillChunk = 0, kvPrefill = 0, nDecode = 0, kvDecode = 0, timeUs = 0]) =>
      [prefillChunk, kvPrefill, nDecode, kvDecode, roundSignificant(timeUs)] as const,
  );
}

/** MoE rows (tokens, activated experts, µs): repeats merged, sorted. */
export function moeSamples(rows: readonly (readonly number[])[]): MoeSample[] {
  return mergeRepeatedSamples(rows).map(
    ([tokens = 0, experts = 0, timeUs = 0]) => [tokens, experts, roundSignificant(timeUs)] as const,
  );
}
