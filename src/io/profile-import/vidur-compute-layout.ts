/**
 * @module The `vidur-compute` layout: Vidur's `mlp.csv` ("token-level" operators of one decoder
 * layer, `<gpu>/<org>/<model>/mlp.csv`), one row per (TP degree, token count) with
 * `time_stats.<op>.{min,max,mean,median,std}` in milliseconds. One file holds every TP degree, so
 * it becomes one profile per `num_tensor_parallel_workers` value.
 */

import type { OperatorProfile, TokenOperatorTiming } from '../../core/perf/operator-profile.js';
import { PROFILE_FORMAT } from '../../core/perf/operator-profile.js';
import { InvalidCatalogFileError } from '../../errors.js';
import type { CsvTable } from './csv-table.js';
import {
  type CurveSample,
  sortTokenOperators,
  type TokenOperatorMapping,
  tokenOperator,
} from './curves.js';
import { MAX_CURVE_POINTS } from './grid-thinning.js';
import type { ProfileHeader } from './profile-header.js';

const MICROSECONDS_PER_MILLISECOND = 1e3;

/** Vidur operator → format /1 operator; `mlp_up_proj` and `add` depend on the model (below). */
const OPERATORS: Readonly<Record<string, TokenOperatorMapping>> = {
  emb: { name: 'embedding', scope: 'step', count: 1 },
  input_layernorm: { name: 'input_layernorm', scope: 'layer', count: 1 },
  attn_pre_proj: { name: 'qkv_proj', scope: 'layer', count: 1 },
  attn_rope: { name: 'rotary_emb', scope: 'layer', count: 1 },
  attn_post_proj: { name: 'o_proj', scope: 'layer', count: 1 },
  post_attention_layernorm: { name: 'post_attention_layernorm', scope: 'layer', count: 1 },
  mlp_up_proj: { name: 'gate_up_proj', scope: 'layer', count: 1 },
  mlp_act: { name: 'act_fn', scope: 'layer', count: 1 },
  mlp_down_proj: { name: 'down_proj', scope: 'layer', count: 1 },
  add: { name: 'residual_add', scope: 'layer', count: 2 },
};

export const VIDUR_COMPUTE_NOTE =
  "Vidur's MLP profiler: one decoder layer built from sarathi-serve's parallel layers, cast to " +
  'fp16, each operator timed on one GPU with per-rank shapes for the TP degree (median column), ' +
  'so all-reduce time is not included; mlp.csv has no attention, LM head or sampler. With a ' +
  'gated MLP, mlp_up_proj is the fused gate+up projection (gate_up_proj). `add` times the ' +
  'residual add after the MLP; the block adds the attention output to the residual too, with ' +
  "the same shape and untimed, so residual_add has count 2 (Vidur's own predictor counts it " +
  'once); without a post-attention norm the block has a single add (count 1). Token points ' +
  'measured twice are merged by their median; curves over 256 points are thinned to all of ' +
  `1..64 plus geometrically spaced points, at most ${MAX_CURVE_POINTS}.`;

/**
 * Converts mlp.csv into one profile per TP degree (sorted by TP); `header` gives everything but
 * `tp`.
 */
export function convertVidurCompute(
  table: CsvTable,
  header: Omit<ProfileHeader, 'tp'>,
): OperatorProfile[] {
  table.requireColumns(['num_tokens', 'num_tensor_parallel_workers', 'use_gated_mlp']);
  const operators = Object.keys(OPERATORS).filter((name) =>
    table.hasColumn(`time_stats.${name}.median`),
  );
  if (!operators.includes('mlp_up_proj')) table.requireColumns(['time_stats.mlp_up_proj.median']);

  const byTp = new Map<number, Map<string, CurveSample[]>>();
  let gatedMlp: boolean | undefined;
  for (let row = 0; row < table.rowCount; row++) {
    const tp = table.number(row, 'num_tensor_parallel_workers');
    const tokens = table.number(row, 'num_tokens');
    const gated = table.boolean(row, 'use_gated_mlp');
    if (gatedMlp !== undefined && gated !== gatedMlp) {
      throw new InvalidCatalogFileError(table.origin, 'use_gated_mlp differs between rows');
    }
    gatedMlp = gated;
    const curves = byTp.get(tp) ?? new Map<string, CurveSample[]>();
    byTp.set(tp, curves);
    for (const name of operators) {
      const timeMs = table.optionalNumber(row, `time_stats.${name}.median`);
      // An operator the model does not have (no post-attention norm) leaves its cells empty.
      if (timeMs === undefined) continue;
      const samples = curves.get(name) ?? [];
      samples.push([tokens, timeMs * MICROSECONDS_PER_MILLISECOND]);
      curves.set(name, samples);
    }
  }

  return [...byTp.keys()]
    .sort((a, b) => a - b)
    .map((tp) => {
      const curves = byTp.get(tp) as Map<string, CurveSample[]>;
      const hasPostAttentionNorm = curves.has('post_attention_layernorm');
      const tokenOperators: TokenOperatorTiming[] = [];
      for (const [name, samples] of curves) {
        let mapping = OPERATORS[name] as TokenOperatorMapping;
        if (name === 'mlp_up_proj' && gatedMlp === false) mapping = { ...mapping, name: 'up_proj' };
        if (name === 'add' && !hasPostAttentionNorm) mapping = { ...mapping, count: 1 };
        tokenOperators.push(tokenOperator(mapping, samples));
      }
      return {
        format: PROFILE_FORMAT,
        ...header,
        tp,
        tokenOperators: sortTokenOperators(tokenOperators),
        sequenceOperators: [],
      };
    });
}
