/**
 * @module The `v0` layout: LLMServingSim's older PyTorch profiler (Hugging Face modelling code,
 * one decoder layer, per-operator timers), one folder per TP degree
 * (`<HW>/<org>/<model>/tp<N>/`) with `layers.csv` (`layer_name,input,kv_cache,tp_size,latency(ns)`)
 * and, for some, `attention.csv` in Vidur's column format written by its FlashAttention-2 sweep.
 */

import type {
  AttentionSample,
  OperatorProfile,
  TokenOperatorTiming,
} from '../../core/perf/operator-profile.js';
import { PROFILE_FORMAT } from '../../core/perf/operator-profile.js';
import { InvalidCatalogFileError } from '../../errors.js';
import type { CsvTable } from './csv-table.js';
import {
  attentionSamples,
  buildCurve,
  groupByOperator,
  sequenceOperator,
  sortTokenOperators,
  type TokenOperatorMapping,
  tokenOperator,
} from './curves.js';
import { isOnQuarterOctaveGrid, MAX_CURVE_POINTS } from './grid-thinning.js';
import { type ProfileHeader, withNote } from './profile-header.js';

const TOKEN_OPERATORS: Readonly<Record<string, TokenOperatorMapping>> = {
  embedding: { name: 'embedding', scope: 'step', count: 1 },
  input_layernorm: { name: 'input_layernorm', scope: 'layer', count: 1 },
  q_proj: { name: 'q_proj', scope: 'layer', count: 1 },
  k_proj: { name: 'k_proj', scope: 'layer', count: 1 },
  v_proj: { name: 'v_proj', scope: 'layer', count: 1 },
  rope: { name: 'rotary_emb', scope: 'layer', count: 1 },
  o_proj: { name: 'o_proj', scope: 'layer', count: 1 },
  post_layernorm: { name: 'post_attention_layernorm', scope: 'layer', count: 1 },
  gate_proj: { name: 'gate_proj', scope: 'layer', count: 1 },
  up_proj: { name: 'up_proj', scope: 'layer', count: 1 },
  act_fn: { name: 'act_fn', scope: 'layer', count: 1 },
  down_proj: { name: 'down_proj', scope: 'layer', count: 1 },
  final_layernorm: { name: 'final_layernorm', scope: 'step', count: 1 },
};

/**
 * MoE models' expert operators: the profiler timed one expert at `input` tokens in isolation, which
 * is not a (tokens, activated experts) measurement of the MoE layer, so they are left out.
 */
const EXPERT_OPERATORS = new Set(['gate', 'expert.w1', 'expert.w2', 'expert.w3']);

const MICROSECONDS_PER_NANOSECOND = 1e-3;
const MICROSECONDS_PER_MILLISECOND = 1e3;

export const V0_NOTE =
  'Hugging Face transformers modelling code with one decoder layer, fp16, each operator timed ' +
  'with the PyTorch profiler (median of 30 runs); tensor parallelism emulated with per-rank ' +
  'shapes, so all-reduce time is not included. q/k/v and gate/up are separate projections; ' +
  'residual adds are not timed. lm_head was applied to every input token (logits_to_keep=0), so ' +
  'its x axis is the number of rows fed to the LM head, i.e. sequences sampling a token. Token ' +
  `curves (1..2048) thinned to all of 1..64 plus geometrically spaced points, at most ${MAX_CURVE_POINTS}.`;

export const V0_ATTENTION_NOTE =
  'Attention from attention.csv: flash_attn_varlen_func (FlashAttention-2) alone, times from the ' +
  'median column (ms). Prefill rows ran a chunk against kv_cache_size keys including the chunk, ' +
  'so the prior KV is kv_cache_size - chunk. Decode rows split kv_cache_size keys evenly over ' +
  'batch_size sequences (floor), so each sequence had floor(kv_cache_size / batch_size) - 1 ' +
  'tokens before its new one; rows where that leaves no key are dropped, and rows that map to ' +
  'the same shape are merged by their median. Decode rows kept where batch_size and ' +
  'kv_cache_size both lie on the quarter-octave grid (1, 2, 3, …, 8, 10, 12, 14, 16, 20, …); ' +
  'every prefill row is kept.';

export const V0_LAYER_ATTENTION_NOTE =
  'Attention from the `attn` rows of layers.csv: one sequence prefilled with no prior KV cache.';

/** The files of one TP folder, parsed. */
export interface V0Tables {
  readonly layers: CsvTable;
  readonly attention?: CsvTable | undefined;
}

/** Converts one TP folder of the v0 layout. */
export function convertV0(tables: V0Tables, header: ProfileHeader): OperatorProfile {
  const { layers } = tables;
  layers.requireColumns(['layer_name', 'input', 'kv_cache', 'tp_size', 'latency(ns)']);
  let legacyDecodeRows = 0;
  const rows: [string, number, number][] = [];
  for (let row = 0; row < layers.rowCount; row++) {
    const tp = layers.number(row, 'tp_size');
    if (tp !== header.tp) {
      throw new InvalidCatalogFileError(
        layers.origin,
        `line ${row + 2}: tp_size ${tp}, but the profile is for tp${header.tp}`,
      );
    }
    if (layers.number(row, 'kv_cache') !== 0) {
      legacyDecodeRows++;
      continue;
    }
    const latencyNs = layers.number(row, 'latency(ns)');
    if (latencyNs <= 0) {
      throw new InvalidCatalogFileError(layers.origin, `line ${row + 2}: latency is not positive`);
    }
    rows.push([
      layers.text(row, 'layer_name'),
      layers.number(row, 'input'),
      latencyNs * MICROSECONDS_PER_NANOSECOND,
    ]);
  }
  const groups = groupByOperator(rows);
  const isMoe = [...groups.keys()].some((name) => EXPERT_OPERATORS.has(name));

  const tokenOperators: TokenOperatorTiming[] = [];
  const skipped: string[] = [];
  for (const [name, samples] of groups) {
    if (name === 'lm_head' || name === 'attn') continue;
    // In MoE models the only activation is the experts'.
    if (EXPERT_OPERATORS.has(name) || (isMoe && name === 'act_fn')) {
      skipped.push(name);
      continue;
    }
    const mapping = TOKEN_OPERATORS[name];
    if (mapping === undefined) {
      throw new InvalidCatalogFileError(layers.origin, `unknown operator '${name}'`);
    }
    tokenOperators.push(tokenOperator(mapping, samples));
  }
  const lmHead = groups.get('lm_head');
  const sequenceOperators = lmHead === undefined ? [] : [sequenceOperator('lm_head', lmHead)];

  let attention: AttentionSample[] | undefined;
  const notes: string[] = [];
  if (tables.attention) {
    attention = convertVidurAttention(tables.attention);
    notes.push(V0_ATTENTION_NOTE);
  } else {
    const attn = groups.get('attn');
    if (attn) {
      const curve = buildCurve(attn);
      attention = curve.points.map(
        (tokens, index) => [tokens, 0, 0, 0, curve.timesUs[index] as number] as const,
      );
      notes.push(V0_LAYER_ATTENTION_NOTE);
    }
  }
  if (skipped.length > 0) {
    notes.push(
      `Expert operators not converted (${skipped.join(', ')}): the profiler timed single experts in isolation, not the MoE layer by activated experts; the profile has no moe table.`,
    );
  }
  if (legacyDecodeRows > 0) {
    notes.push(`${legacyDecodeRows} legacy decode-sweep rows (kv_cache > 0) ignored.`);
  }
  return {
    format: PROFILE_FORMAT,
    ...withNote(header, notes),
    tokenOperators: sortTokenOperators(tokenOperators),
    sequenceOperators,
    ...(attention === undefined ? {} : { attention }),
  };
}

/**
 * attention.csv of the v0 FlashAttention sweep (Vidur's columns) as attention samples; see
 * `V0_ATTENTION_NOTE` for what its coordinates meant to the kernel.
 */
export function convertVidurAttention(table: CsvTable): AttentionSample[] {
  table.requireColumns([
    'time_stats.attn_prefill.median',
    'time_stats.attn_decode.median',
    'batch_size',
    'prefill_chunk_size',
    'kv_cache_size',
    'is_prefill',
  ]);
  const samples: number[][] = [];
  for (let row = 0; row < table.rowCount; row++) {
    const batch = table.number(row, 'batch_size');
    const chunk = table.number(row, 'prefill_chunk_size');
    const kv = table.number(row, 'kv_cache_size');
    const isPrefill = table.boolean(row, 'is_prefill');
    if (isPrefill) {
      if (batch !== 1) {
        throw new InvalidCatalogFileError(
          table.origin,
          `line ${row + 2}: prefill rows with batch_size ${batch} are not supported`,
        );
      }
      if (kv < chunk) {
        throw new InvalidCatalogFileError(
          table.origin,
          `line ${row + 2}: kv_cache_size ${kv} is smaller than the chunk ${chunk}`,
        );
      }
      const timeUs =
        table.number(row, 'time_stats.attn_prefill.median') * MICROSECONDS_PER_MILLISECOND;
      samples.push([chunk, kv - chunk, 0, 0, timeUs]);
      continue;
    }
    if (!isOnQuarterOctaveGrid(batch) || !isOnQuarterOctaveGrid(kv)) continue;
    const keysPerSequence = Math.floor(kv / batch);
    if (keysPerSequence < 1) continue;
    const timeUs =
      table.number(row, 'time_stats.attn_decode.median') * MICROSECONDS_PER_MILLISECOND;
    samples.push([0, 0, batch, keysPerSequence - 1, timeUs]);
  }
  return attentionSamples(samples);
}
