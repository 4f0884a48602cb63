/**
 * @module Tests of the vllm019 converter on small inline CSV files: operator mapping (the shared
 * layernorm counts twice), attention and MoE rows kept as measured, skipped operators noted,
 * unknown operators refused, meta.yaml read.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/support/thrown.js';
import { InvalidCatalogFileError } from '../../errors.js';
import { CsvTable } from './csv-table.js';
import type { ProfileHeader } from './profile-header.js';
import { convertVllm019, parseVllm019Meta, vllm019Framework } from './vllm019-layout.js';

const HEADER: ProfileHeader = {
  hardware: 'RTX4090',
  model: 'meta-llama/Llama-3.1-8B',
  dtype: 'bf16',
  tp: 1,
  framework: 'vLLM 0.19.0 (eager)',
  source: { dataset: 'fixture', path: 'inline', licence: 'MIT', note: 'base note.' },
};

const DENSE = `layer,tokens,time_us
embedding,1,3.14734
embedding,2,3.381
layernorm,1,2.4161
layernorm,2,2.368
qkv_proj,1,20.5
qkv_proj,2,21.25
qk_norm,1,4.1
qk_norm,2,4.2
final_layernorm,2,2.5
final_layernorm,1,2.4
`;

const PER_SEQUENCE = `layer,sequences,time_us
lm_head,1,714.006
lm_head,2,687.06
sampler,1,50.12345
`;

const ATTENTION = `prefill_chunk,kv_prefill,n_decode,kv_decode,time_us
0,0,1,16,8.35233
16,0,0,0,9.1
16,32,4,64,30.33333
`;

const MOE = `tokens,activated_experts,time_us
1,8,50.2297
2,16,134.976
`;

function table(text: string): CsvTable {
  return new CsvTable(text, 'fixture.csv');
}

describe('convertVllm019', () => {
  const profile = convertVllm019(
    {
      dense: table(DENSE),
      perSequence: table(PER_SEQUENCE),
      attention: table(ATTENTION),
      moe: table(MOE),
    },
    HEADER,
  );

  it('maps dense operators to format /1 names, scopes and counts, in layer order', () => {
    expect(profile.tokenOperators.map(({ name, scope, count }) => [name, scope, count])).toEqual([
      ['embedding', 'step', 1],
      ['input_layernorm', 'layer', 2],
      ['qkv_proj', 'layer', 1],
      ['qk_norm', 'layer', 1],
      ['final_layernorm', 'step', 1],
    ]);
    const embedding = profile.tokenOperators[0];
    expect(embedding?.points).toEqual([1, 2]);
    expect(embedding?.timesUs).toEqual([3.147, 3.381]);
    // Rows out of order in the file come out sorted.
    expect(profile.tokenOperators[4]?.points).toEqual([1, 2]);
    expect(profile.tokenOperators[4]?.timesUs).toEqual([2.4, 2.5]);
  });

  it('turns per_sequence rows into sequence operators', () => {
    expect(profile.sequenceOperators).toEqual([
      { name: 'lm_head', points: [1, 2], timesUs: [714, 687.1] },
      { name: 'sampler', points: [1], timesUs: [50.12] },
    ]);
  });

  it('keeps every attention and MoE row, times rounded to four digits', () => {
    expect(profile.attention).toEqual([
      [0, 0, 1, 16, 8.352],
      [16, 0, 0, 0, 9.1],
      [16, 32, 4, 64, 30.33],
    ]);
    expect(profile.moe).toEqual([
      [1, 8, 50.23],
      [2, 16, 135],
    ]);
  });

  it("converts Qwen3's qk_norm as a per-layer operator", () => {
    const qkNorm = profile.tokenOperators.find((operator) => operator.name === 'qk_norm');
    expect(qkNorm).toMatchObject({ scope: 'layer', count: 1, points: [1, 2], timesUs: [4.1, 4.2] });
  });

  it('leaves attention and moe out when the files are absent', () => {
    const bare = convertVllm019({ dense: table(DENSE), perSequence: table(PER_SEQUENCE) }, HEADER);
    expect(bare.attention).toBeUndefined();
    expect(bare.moe).toBeUndefined();
    expect('attention' in bare).toBe(false);
  });

  it('refuses an operator it does not know, naming the file', () => {
    const error = thrown(() =>
      convertVllm019(
        { dense: table(`${DENSE}mystery_op,1,2\n`), perSequence: table(PER_SEQUENCE) },
        HEADER,
      ),
    );
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toBe("fixture.csv: unknown operator 'mystery_op'");
  });

  it('refuses a file without the expected columns', () => {
    const error = thrown(() =>
      convertVllm019(
        { dense: table('layer,tokens,ms\nembedding,1,2\n'), perSequence: table(PER_SEQUENCE) },
        HEADER,
      ),
    );
    expect(error.message).toBe("fixture.csv: missing column 'time_us'");
  });
});

describe('meta.yaml', () => {
  const META = `profiler_version: 1.0.0
vllm_version: 0.19.0
hardware: RTXPRO6000
model: meta-llama/Llama-3.1-8B
variant: bf16
engine_effective:
  load_format: dummy
  enforce_eager: true
  model: /tmp/profiler_model_owp9ccgm
`;

  it('reads the top-level model (not the nested one), hardware, dtype and framework', () => {
    const meta = parseVllm019Meta(META);
    expect(meta).toEqual({
      model: 'meta-llama/Llama-3.1-8B',
      hardware: 'RTXPRO6000',
      dtype: 'bf16',
      vllmVersion: '0.19.0',
      enforceEager: true,
    });
    expect(vllm019Framework(meta)).toBe('vLLM 0.19.0 (eager)');
    expect(vllm019Framework({})).toBe('vLLM');
  });
});
