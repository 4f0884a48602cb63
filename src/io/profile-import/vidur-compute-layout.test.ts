/**
 * @module Tests of the Vidur mlp.csv converter: one profile per TP degree, milliseconds to
 * microseconds, repeated token counts merged, the gated up-projection and the residual-add count.
 */

import { describe, expect, it } from 'vitest';
import { CsvTable } from './csv-table.js';
import { convertVidurCompute } from './vidur-compute-layout.js';

const OPERATORS = [
  'emb',
  'input_layernorm',
  'attn_pre_proj',
  'attn_rope',
  'attn_post_proj',
  'post_attention_layernorm',
  'mlp_up_proj',
  'mlp_act',
  'mlp_down_proj',
  'add',
];

/** An mlp.csv with min and median columns per operator; `timeMs(op, tokens, tp)` fills medians. */
function mlpCsv(
  rows: readonly { tokens: number; tp: number }[],
  options: { gated?: boolean; operators?: readonly string[] } = {},
): CsvTable {
  const operators = options.operators ?? OPERATORS;
  const header = [
    '',
    ...operators.flatMap((name) => [`time_stats.${name}.min`, `time_stats.${name}.median`]),
    'n_head',
    'use_gated_mlp',
    'num_tokens',
    'num_tensor_parallel_workers',
  ];
  const lines = rows.map(({ tokens, tp }, index) =>
    [
      `${index}`,
      ...operators.flatMap((_, operatorIndex) => [
        '0.001',
        `${(tokens * (operatorIndex + 1)) / (1000 * tp)}`,
      ]),
      '32',
      options.gated === false ? 'False' : 'True',
      `${tokens}`,
      `${tp}`,
    ].join(','),
  );
  return new CsvTable([header.join(','), ...lines].join('\n'), 'mlp.csv');
}

const HEADER = {
  hardware: 'A100-80GB',
  model: 'meta-llama/Llama-2-7b-hf',
  dtype: 'fp16' as const,
  framework: 'Vidur',
  source: { dataset: 'fixture', path: 'mlp.csv', licence: 'MIT', note: '' },
};

describe('convertVidurCompute', () => {
  const rows = [
    { tokens: 4096, tp: 1 },
    { tokens: 4096, tp: 1 },
    { tokens: 1, tp: 1 },
    { tokens: 2, tp: 2 },
    { tokens: 1, tp: 2 },
  ];

  it('writes one profile per TP degree, with the median columns in microseconds', () => {
    const profiles = convertVidurCompute(mlpCsv(rows), HEADER);
    expect(profiles.map((profile) => profile.tp)).toEqual([1, 2]);
    const [tp1, tp2] = profiles;
    const embedding = tp1?.tokenOperators.find((operator) => operator.name === 'embedding');
    expect(embedding).toEqual({
      name: 'embedding',
      scope: 'step',
      count: 1,
      points: [1, 4096],
      timesUs: [1, 4096],
    });
    const qkv = tp2?.tokenOperators.find((operator) => operator.name === 'qkv_proj');
    expect(qkv?.points).toEqual([1, 2]);
    expect(qkv?.timesUs).toEqual([1.5, 3]);
    expect(tp1?.sequenceOperators).toEqual([]);
    expect(tp1?.attention).toBeUndefined();
  });

  it('maps Vidur operators to format /1 names; the residual add counts twice', () => {
    const [tp1] = convertVidurCompute(mlpCsv(rows), HEADER);
    expect(
      tp1?.tokenOperators.map(({ name, scope, count }) => `${name}:${scope}:${count}`),
    ).toEqual([
      'embedding:step:1',
      'input_layernorm:layer:1',
      'qkv_proj:layer:1',
      'rotary_emb:layer:1',
      'o_proj:layer:1',
      'post_attention_layernorm:layer:1',
      'gate_up_proj:layer:1',
      'act_fn:layer:1',
      'down_proj:layer:1',
      'residual_add:layer:2',
    ]);
  });

  it('reads an ungated MLP as up_proj and, without a post-attention norm, one add', () => {
    const operators = OPERATORS.filter((name) => name !== 'post_attention_layernorm');
    const [tp1] = convertVidurCompute(mlpCsv(rows, { gated: false, operators }), HEADER);
    const names = tp1?.tokenOperators.map((operator) => operator.name);
    expect(names).toContain('up_proj');
    expect(names).not.toContain('gate_up_proj');
    expect(tp1?.tokenOperators.find((operator) => operator.name === 'residual_add')?.count).toBe(1);
  });
});
