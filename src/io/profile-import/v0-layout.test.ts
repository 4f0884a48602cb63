/**
 * @module Tests of the v0 converter on small inline CSV files: operator renames, nanoseconds to
 * microseconds, the LM head as a sequence operator, attention from `attn` rows or from the
 * FlashAttention sweep (prior KV, per-sequence KV, thinning grid, dropped and merged rows), and
 * MoE expert operators left out.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/support/thrown.js';
import { InvalidCatalogFileError } from '../../errors.js';
import { CsvTable } from './csv-table.js';
import type { ProfileHeader } from './profile-header.js';
import { convertV0, convertVidurAttention } from './v0-layout.js';

const HEADER: ProfileHeader = {
  hardware: 'H100',
  model: 'meta-llama/Llama-3.1-8B',
  dtype: 'fp16',
  tp: 2,
  framework: 'v0',
  source: { dataset: 'fixture', path: 'inline', licence: 'MIT', note: 'base.' },
};

const LAYERS = `layer_name,input,kv_cache,tp_size,latency(ns)
embedding,1,0,2,2915
input_layernorm,1,0,2,17701
q_proj,1,0,2,16078
k_proj,1,0,2,9000
v_proj,1,0,2,9001
rope,1,0,2,26853
attn,1,0,2,5810
o_proj,1,0,2,16000
post_layernorm,1,0,2,17000
gate_proj,1,0,2,20000
up_proj,1,0,2,20001
act_fn,1,0,2,3000
down_proj,1,0,2,19999
final_layernorm,1,0,2,17702
lm_head,1,0,2,366336
attn,2,0,2,9185
lm_head,2,0,2,364702
`;

const table = (text: string) => new CsvTable(text, 'fixture.csv');

describe('convertV0 (layers.csv)', () => {
  const profile = convertV0({ layers: table(LAYERS) }, HEADER);

  it('renames operators and converts nanoseconds to microseconds', () => {
    expect(profile.tokenOperators.map((operator) => operator.name)).toEqual([
      'embedding',
      'input_layernorm',
      'q_proj',
      'k_proj',
      'v_proj',
      'rotary_emb',
      'o_proj',
      'post_attention_layernorm',
      'gate_proj',
      'up_proj',
      'act_fn',
      'down_proj',
      'final_layernorm',
    ]);
    const byName = new Map(profile.tokenOperators.map((operator) => [operator.name, operator]));
    expect(byName.get('rotary_emb')?.timesUs).toEqual([26.85]);
    expect(byName.get('embedding')?.scope).toBe('step');
    expect(byName.get('final_layernorm')?.scope).toBe('step');
    expect(byName.get('o_proj')).toMatchObject({ scope: 'layer', count: 1 });
  });

  it('makes the LM head a sequence operator over the rows it was fed', () => {
    expect(profile.sequenceOperators).toEqual([
      { name: 'lm_head', points: [1, 2], timesUs: [366.3, 364.7] },
    ]);
  });

  it('turns attn rows into single-sequence prefills without prior KV', () => {
    expect(profile.attention).toEqual([
      [1, 0, 0, 0, 5.81],
      [2, 0, 0, 0, 9.185],
    ]);
    expect(profile.source.note).toContain('`attn` rows of layers.csv');
  });

  it('refuses rows of another TP degree', () => {
    const error = thrown(() => convertV0({ layers: table(LAYERS) }, { ...HEADER, tp: 1 }));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toBe('fixture.csv: line 2: tp_size 2, but the profile is for tp1');
  });

  it('leaves out the expert operators of an MoE model, and says so', () => {
    const moe = `layer_name,input,kv_cache,tp_size,latency(ns)
embedding,1,0,2,2613
q_proj,1,0,2,50626
gate,1,0,2,53609
expert.w1,1,0,2,13160
expert.w3,1,0,2,13080
act_fn,1,0,2,3758
expert.w2,1,0,2,14628
lm_head,1,0,2,380937
`;
    const converted = convertV0({ layers: table(moe) }, HEADER);
    expect(converted.tokenOperators.map((operator) => operator.name)).toEqual([
      'embedding',
      'q_proj',
    ]);
    expect(converted.moe).toBeUndefined();
    expect(converted.source.note).toMatch(
      /Expert operators not converted \(gate, expert\.w1, expert\.w3, act_fn, expert\.w2\)/,
    );
  });
});

const SWEEP_HEADER =
  'time_stats.attn_prefill.min,time_stats.attn_prefill.median,time_stats.attn_decode.median,n_embd,batch_size,prefill_chunk_size,kv_cache_size,is_prefill';

describe('convertVidurAttention (attention.csv of the v0 sweep)', () => {
  const sweep = `${SWEEP_HEADER}
0.004,0.004352,,4096,1,32,32,True
0.005,0.005888,,4096,1,32,64,True
,,0.1126,4096,1,0,4096,False
,,0.01827,4096,8,0,4096,False
,,0.01830,4096,8,0,4096,False
,,0.02,4096,9,0,4096,False
,,0.02,4096,8,0,4000,False
,,0.00262,4096,64,0,32,False
,,0.00263,4096,64,0,64,False
,,0.00264,4096,64,0,96,False
`;
  const samples = convertVidurAttention(table(sweep));

  it('reads prefill keys as including the chunk, decode keys as split over the batch', () => {
    expect(samples).toContainEqual([32, 0, 0, 0, 4.352]);
    expect(samples).toContainEqual([32, 32, 0, 0, 5.888]);
    // batch 1, 4096 keys: 4095 tokens before the new one.
    expect(samples).toContainEqual([0, 0, 1, 4095, 112.6]);
    // batch 8 over 4096 keys: 512 keys each; the repeated row is merged by its median.
    expect(samples).toContainEqual([0, 0, 8, 511, 18.29]);
  });

  it('drops off-grid decode rows and rows that leave a sequence no key', () => {
    expect(samples.some(([, , batch]) => batch === 9)).toBe(false);
    expect(samples.filter(([, , batch]) => batch === 8)).toHaveLength(1);
    // 64 sequences over 32 keys have none each; 64 and 96 keys give one each: merged.
    expect(samples.filter(([, , batch]) => batch === 64)).toEqual([[0, 0, 64, 0, 2.635]]);
    expect(samples).toHaveLength(5);
  });

  it('prefers attention.csv over the attn rows when both are there', () => {
    const profile = convertV0({ layers: table(LAYERS), attention: table(sweep) }, HEADER);
    expect(profile.attention).toEqual(samples);
    expect(profile.source.note).toContain('Attention from attention.csv');
  });

  it('refuses prefill rows whose keys are fewer than the chunk', () => {
    const error = thrown(() =>
      convertVidurAttention(table(`${SWEEP_HEADER}\n0.004,0.004,,4096,1,64,32,True\n`)),
    );
    expect(error.message).toBe(
      'fixture.csv: line 2: kv_cache_size 32 is smaller than the chunk 64',
    );
  });
});
