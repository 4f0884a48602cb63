/**
 * @module Tests of `importProfiles` on fixture folders written to a temporary directory: identity
 * inferred from the path and meta.yaml, overrides, citations, errors, and the written files
 * reading back through the catalog loader.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '../../../test/support/thrown.js';
import { loadCollectiveProfileFile, loadProfileFile } from '../../catalog/profile-catalog.js';
import { FileAccessError, InvalidConfigError } from '../../errors.js';
import { importProfiles, writeImportedProfiles } from './import-profiles.js';

const root = mkdtempSync(join(tmpdir(), 'llmsim-profile-import-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): string {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

const DENSE = 'layer,tokens,time_us\nembedding,1,3.1\nqkv_proj,1,20\nqkv_proj,2,21\n';
const PER_SEQUENCE = 'layer,sequences,time_us\nlm_head,1,714\n';
const ATTENTION = 'prefill_chunk,kv_prefill,n_decode,kv_decode,time_us\n0,0,1,16,8.3\n';
for (const tp of ['tp1', 'tp2']) {
  write(`vllm/RTX4090/meta-llama/Llama-3.1-8B/bf16/${tp}/dense.csv`, DENSE);
  write(`vllm/RTX4090/meta-llama/Llama-3.1-8B/bf16/${tp}/per_sequence.csv`, PER_SEQUENCE);
}
write('vllm/RTX4090/meta-llama/Llama-3.1-8B/bf16/tp1/attention.csv', ATTENTION);
write(
  'vllm/RTX4090/meta-llama/Llama-3.1-8B/bf16/meta.yaml',
  'vllm_version: 0.19.0\nhardware: RTX4090\nmodel: meta-llama/Llama-3.1-8B\nvariant: bf16\nengine_effective:\n  enforce_eager: true\n',
);
const V0_LAYERS =
  'layer_name,input,kv_cache,tp_size,latency(ns)\nembedding,1,0,2,2915\nq_proj,1,0,2,16078\nlm_head,1,0,2,366336\nattn,1,0,2,5810\n';
write('v0/H100/meta-llama/Llama-3.1-8B/tp2/layers.csv', V0_LAYERS);
write('v0/TPU-v6e-1/meta-llama/Llama-3.1-8B/tp1/layers.csv', V0_LAYERS.replaceAll(',2,', ',1,'));
write('v0/H100/someone/Unknown-Model/tp2/layers.csv', V0_LAYERS);
write('v0/H100/meta-llama/Llama-3.1-8B/latest/layers.csv', V0_LAYERS);
write(
  'vidur/a100/meta-llama/Llama-2-7b-hf/mlp.csv',
  ',time_stats.emb.median,time_stats.mlp_up_proj.median,use_gated_mlp,num_tokens,num_tensor_parallel_workers\n0,0.2,3.3,True,4096,1\n1,0.1,1.7,True,4096,2\n',
);
write(
  'network/h100_dgx/all_reduce.csv',
  ',time_stats.all_reduce.median,rank,num_workers,size,collective,devices_per_node\n0,0.037,0,8,2048,all_reduce,8\n',
);

describe('importProfiles: vllm019', () => {
  const folder = join(root, 'vllm/RTX4090/meta-llama/Llama-3.1-8B/bf16');
  const result = importProfiles({ layout: 'vllm019', sourcePath: folder });

  it('reads every tp<N> folder, naming GPU, model and dtype from meta.yaml and the path', () => {
    expect(
      result.operatorProfiles.map(({ hardware, model, dtype, tp, framework }) => ({
        hardware,
        model,
        dtype,
        tp,
        framework,
      })),
    ).toEqual(
      [1, 2].map((tp) => ({
        hardware: 'RTX4090',
        model: 'meta-llama/Llama-3.1-8B',
        dtype: 'bf16',
        tp,
        framework: 'vLLM 0.19.0 (eager)',
      })),
    );
    expect(result.operatorProfiles[0]?.attention).toEqual([[0, 0, 1, 16, 8.3]]);
    expect(result.operatorProfiles[1]?.attention).toBeUndefined();
  });

  it('cites the files read, relative to a citation root when one is given', () => {
    expect(result.operatorProfiles[0]?.source.path).toBe(
      `${folder}/tp1/{dense,per_sequence,attention}.csv`,
    );
    expect(result.operatorProfiles[0]?.source.licence).toBe('not stated');
    const cited = importProfiles({
      layout: 'vllm019',
      sourcePath: join(folder, 'tp2'),
      citation: {
        dataset: 'LLMServingSim',
        licence: 'MIT',
        root: join(root, 'vllm'),
        pathPrefix: 'profiler/perf/',
      },
    });
    expect(cited.operatorProfiles[0]?.source).toMatchObject({
      dataset: 'LLMServingSim',
      licence: 'MIT',
      path: 'profiler/perf/RTX4090/meta-llama/Llama-3.1-8B/bf16/tp2/{dense,per_sequence}.csv',
    });
  });

  it('writes a catalog-shaped tree that the catalog loader reads back unchanged', () => {
    const out = join(root, 'out-tree');
    const paths = writeImportedProfiles(result, out);
    expect(paths).toEqual([
      join(out, 'RTX4090/meta-llama/Llama-3.1-8B/bf16/tp1.json'),
      join(out, 'RTX4090/meta-llama/Llama-3.1-8B/bf16/tp2.json'),
    ]);
    expect(loadProfileFile(paths[0] as string)).toEqual(result.operatorProfiles[0]);
  });

  it('refuses a single .json output for several profiles', () => {
    const error = thrown(() => writeImportedProfiles(result, join(root, 'one.json')));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toBe(
      'the source holds 2 profiles: pass a folder to --out, not a .json file',
    );
  });
});

describe('importProfiles: v0 and Vidur layouts', () => {
  it('reads a v0 tp folder as fp16, canonical names from the path', () => {
    const [profile] = importProfiles({
      layout: 'v0',
      sourcePath: join(root, 'v0/H100/meta-llama/Llama-3.1-8B/tp2/layers.csv'),
    }).operatorProfiles;
    expect(profile).toMatchObject({
      hardware: 'H100',
      model: 'meta-llama/Llama-3.1-8B',
      dtype: 'fp16',
      tp: 2,
    });
    expect(profile?.attention).toEqual([[1, 0, 0, 0, 5.81]]);
  });

  it('maps Vidur GPU folder names to catalog names and makes one profile per TP degree', () => {
    const profiles = importProfiles({
      layout: 'vidur-compute',
      sourcePath: join(root, 'vidur/a100/meta-llama/Llama-2-7b-hf'),
    }).operatorProfiles;
    expect(
      profiles.map((profile) => `${profile.hardware} ${profile.model} tp${profile.tp}`),
    ).toEqual(['A100-80GB meta-llama/Llama-2-7b-hf tp1', 'A100-80GB meta-llama/Llama-2-7b-hf tp2']);
  });

  it('names a Vidur node folder as GPU and topology, and writes it beside the GPU', () => {
    const result = importProfiles({
      layout: 'vidur-network',
      sourcePath: join(root, 'network/h100_dgx'),
    });
    const [profile] = result.collectiveProfiles;
    expect(profile).toMatchObject({ hardware: 'H100', topology: 'dgx-nvswitch' });
    const [path] = writeImportedProfiles(result, join(root, 'out-network'));
    expect(path).toBe(join(root, 'out-network/H100/collectives-dgx-nvswitch.json'));
    expect(loadCollectiveProfileFile(path as string)).toEqual(profile);
    expect(readFileSync(path as string, 'utf8')).toContain('"gpus": 8');
  });
});

describe('importProfiles: names it cannot resolve', () => {
  it('refuses a GPU or model the catalog lacks unless the caller names one', () => {
    const tpu = join(root, 'v0/TPU-v6e-1/meta-llama/Llama-3.1-8B/tp1');
    const error = thrown(() => importProfiles({ layout: 'v0', sourcePath: tpu }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toBe(
      "hardware 'TPU-v6e-1' (from the source path) is not in the hardware catalog; pass --hardware NAME",
    );
    const named = importProfiles({ layout: 'v0', sourcePath: tpu, hardware: 'TPU-v6e-1' });
    expect(named.operatorProfiles[0]?.hardware).toBe('TPU-v6e-1');

    const unknown = join(root, 'v0/H100/someone/Unknown-Model/tp2');
    expect(thrown(() => importProfiles({ layout: 'v0', sourcePath: unknown })).message).toBe(
      "model 'someone/Unknown-Model' (from the source path) is not in the model catalog; pass --model ID",
    );
    const aliased = importProfiles({ layout: 'v0', sourcePath: unknown, model: 'llama-3.1-8b' });
    expect(aliased.operatorProfiles[0]?.model).toBe('meta-llama/Llama-3.1-8B');
  });

  it('needs tp<N> folders and existing sources', () => {
    const latest = join(root, 'v0/H100/meta-llama/Llama-3.1-8B/latest');
    expect(thrown(() => importProfiles({ layout: 'v0', sourcePath: latest })).message).toBe(
      `cannot tell the TP degree of ${latest}: name the folder tp<N> (e.g. tp1)`,
    );
    const missing = thrown(() =>
      importProfiles({ layout: 'vllm019', sourcePath: join(root, 'nowhere') }),
    );
    expect(missing).toBeInstanceOf(FileAccessError);
    expect(
      thrown(() => importProfiles({ layout: 'vllm019', sourcePath: join(root, 'v0') })).message,
    ).toBe(`${join(root, 'v0')}: no dense.csv here or in tp<N> folders below`);
  });
});
