/**
 * @module The `vllm019` layout: LLMServingSim's vLLM 0.19 profiler output, one folder per TP degree
 * (`<HW>/<org>/<model>/<dtype>/tp<N>/`) with `dense.csv` (`layer,tokens,time_us`),
 * `per_sequence.csv` (`layer,sequences,time_us`), `attention.csv`
 * (`prefill_chunk,kv_prefill,n_decode,kv_decode,time_us`), optionally `moe.csv`
 * (`tokens,activated_experts,time_us`), and `meta.yaml` one folder up. Times are microseconds.
 */

import type {
  AttentionSample,
  MoeSample,
  OperatorProfile,
  SequenceOperatorName,
} from '../../core/perf/operator-profile.js';
import { PROFILE_FORMAT } from '../../core/perf/operator-profile.js';
import { InvalidCatalogFileError } from '../../errors.js';
import type { CsvTable } from './csv-table.js';
import {
  attentionSamples,
  groupByOperator,
  moeSamples,
  sequenceOperator,
  sortTokenOperators,
  type TokenOperatorMapping,
  tokenOperator,
} from './curves.js';
import type { ProfileHeader } from './profile-header.js';

/**
 * dense.csv operators. `layernorm` is one RMSNorm call (vLLM fuses the residual add into it); the
 * profiler's model catalog runs it before attention and before the MLP, so it counts twice per
 * layer under the name of the first.
 */
const DENSE_OPERATORS: Readonly<Record<string, TokenOperatorMapping>> = {
  embedding: { name: 'embedding', scope: 'step', count: 1 },
  layernorm: { name: 'input_layernorm', scope: 'layer', count: 2 },
  qkv_proj: { name: 'qkv_proj', scope: 'layer', count: 1 },
  rotary_emb: { name: 'rotary_emb', scope: 'layer', count: 1 },
  o_proj: { name: 'o_proj', scope: 'layer', count: 1 },
  gate_up_proj: { name: 'gate_up_proj', scope: 'layer', count: 1 },
  act_fn: { name: 'act_fn', scope: 'layer', count: 1 },
  down_proj: { name: 'down_proj', scope: 'layer', count: 1 },
  final_layernorm: { name: 'final_layernorm', scope: 'step', count: 1 },
  // Qwen3's per-head RMSNorm of q and k, one call per layer.
  qk_norm: { name: 'qk_norm', scope: 'layer', count: 1 },
};

/** The grids here are already sparse (152 token counts up to 2048): nothing is thinned. */
const KEEP_EVERY_POINT = { maxPoints: Number.POSITIVE_INFINITY };

const SEQUENCE_OPERATORS: Readonly<Record<string, SequenceOperatorName>> = {
  lm_head: 'lm_head',
  sampler: 'sampler',
};

/** The CSV files of one TP folder, parsed. */
export interface Vllm019Tables {
  readonly dense: CsvTable;
  readonly perSequence: CsvTable;
  readonly attention?: CsvTable | undefined;
  readonly moe?: CsvTable | undefined;
}

/** The fields of meta.yaml the importer uses (read line by line; the file is simple YAML). */
export interface Vllm019Meta {
  readonly model?: string;
  readonly hardware?: string;
  readonly dtype?: string;
  readonly vllmVersion?: string;
  readonly enforceEager?: boolean;
}

function topLevelValue(text: string, key: string): string | undefined {
  const match = new RegExp(`^${key}:\\s*(.+?)\\s*$`, 'm').exec(text);
  return match?.[1]?.replace(/^['"]|['"]$/g, '');
}

export function parseVllm019Meta(text: string): Vllm019Meta {
  const eager = /^\s+enforce_eager:\s*(true|false)\s*$/m.exec(text)?.[1];
  const fields: Record<string, string | boolean | undefined> = {
    model: topLevelValue(text, 'model'),
    hardware: topLevelValue(text, 'hardware'),
    dtype: topLevelValue(text, 'variant'),
    vllmVersion: topLevelValue(text, 'vllm_version'),
    enforceEager: eager === undefined ? undefined : eager === 'true',
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Vllm019Meta;
}

/** `vLLM 0.19.0 (eager)` from meta.yaml, or a plain `vLLM` when it says nothing. */
export function vllm019Framework(meta: Vllm019Meta): string {
  const version = meta.vllmVersion === undefined ? 'vLLM' : `vLLM ${meta.vllmVersion}`;
  if (meta.enforceEager === undefined) return version;
  return `${version} (${meta.enforceEager ? 'eager' : 'CUDA graphs'})`;
}

export const VLLM019_NOTE =
  'One decoder layer with dummy weights, timed inside vLLM; tensor parallelism emulated on one GPU ' +
  'with per-rank shapes, so all-reduce time is not included. dense.csv `layernorm` is one fused ' +
  'residual-add + RMSNorm call, used before attention and before the MLP: input_layernorm with ' +
  'count 2 (residual adds are inside it). lm_head and sampler are timed by the number of ' +
  'sequences sampling one token. Every row of the source is kept.';

/** Converts one TP folder of the vllm019 layout. */
export function convertVllm019(tables: Vllm019Tables, header: ProfileHeader): OperatorProfile {
  const { dense, perSequence } = tables;
  dense.requireColumns(['layer', 'tokens', 'time_us']);
  perSequence.requireColumns(['layer', 'sequences', 'time_us']);

  const tokenOperators = [];
  const denseGroups = groupByOperator(
    dense.map((row) => [
      dense.text(row, 'layer'),
      dense.number(row, 'tokens'),
      dense.number(row, 'time_us'),
    ]),
  );
  for (const [name, samples] of denseGroups) {
    const mapping = DENSE_OPERATORS[name];
    if (mapping === undefined) {
      throw new InvalidCatalogFileError(dense.origin, `unknown operator '${name}'`);
    }
    tokenOperators.push(tokenOperator(mapping, samples, KEEP_EVERY_POINT));
  }

  const sequenceGroups = groupByOperator(
    perSequence.map((row) => [
      perSequence.text(row, 'layer'),
      perSequence.number(row, 'sequences'),
      perSequence.number(row, 'time_us'),
    ]),
  );
  const sequenceOperators = [...sequenceGroups].map(([name, samples]) => {
    const mapped = SEQUENCE_OPERATORS[name];
    if (mapped === undefined) {
      throw new InvalidCatalogFileError(perSequence.origin, `unknown operator '${name}'`);
    }
    return sequenceOperator(mapped, samples, KEEP_EVERY_POINT);
  });

  const attention = tables.attention && convertAttention(tables.attention);
  const moe = tables.moe && convertMoe(tables.moe);
  return {
    format: PROFILE_FORMAT,
    ...header,
    tokenOperators: sortTokenOperators(tokenOperators),
    sequenceOperators,
    ...(attention === undefined ? {} : { attention }),
    ...(moe === undefined ? {} : { moe }),
  };
}

function convertAttention(table: CsvTable): AttentionSample[] {
  const columns = ['prefill_chunk', 'kv_prefill', 'n_decode', 'kv_decode', 'time_us'];
  table.requireColumns(columns);
  return attentionSamples(table.map((row) => columns.map((column) => table.number(row, column))));
}

function convertMoe(table: CsvTable): MoeSample[] {
  const columns = ['tokens', 'activated_experts', 'time_us'];
  table.requireColumns(columns);
  return moeSamples(table.map((row) => columns.map((column) => table.number(row, column))));
}
