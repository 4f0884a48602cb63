/**
 * @module Tests of the model catalog: every index entry resolves to a sane spec, specs match the
 * published architectures and parameter counts, names resolve case-insensitively, unknown names
 * get suggestions, and user config.json files are read from a path.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LLAMA_3_1_8B } from '../../test/support/model-fixtures.js';
import { thrown } from '../../test/support/thrown.js';
import { countParameters } from '../core/perf/model-spec.js';
import { InvalidCatalogFileError, ModelNotFoundError } from '../errors.js';
import { listModels, resolveModel } from './model-catalog.js';

const MODELS_DIRECTORY = fileURLToPath(new URL('./models/', import.meta.url));

const REQUIRED_IDS = [
  'meta-llama/Llama-3.1-8B',
  'meta-llama/Llama-3.1-8B-Instruct',
  'meta-llama/Llama-3.1-70B',
  'meta-llama/Llama-3.1-70B-Instruct',
  'meta-llama/Llama-3.1-405B',
  'meta-llama/Llama-3.1-405B-Instruct',
  'meta-llama/Meta-Llama-3-8B',
  'meta-llama/Meta-Llama-3-70B',
  'meta-llama/Llama-2-7b-hf',
  'meta-llama/Llama-2-7b-chat-hf',
  'meta-llama/Llama-2-13b-hf',
  'meta-llama/Llama-2-13b-chat-hf',
  'meta-llama/Llama-2-70b-hf',
  'meta-llama/Llama-2-70b-chat-hf',
  'meta-llama/Llama-3.3-70B-Instruct',
  'mistralai/Mistral-7B-v0.1',
  'mistralai/Mixtral-8x7B-v0.1',
  'Qwen/Qwen3-8B',
  'Qwen/Qwen3-32B',
  'Qwen/Qwen3-30B-A3B',
  'Qwen/Qwen2.5-7B',
  'Qwen/Qwen2.5-72B',
] as const;

function expectWithin(actual: number, expected: number, relativeTolerance: number): void {
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(relativeTolerance);
}

const temporaryDirectory = mkdtempSync(join(tmpdir(), 'llmsim-models-'));
afterAll(() => rmSync(temporaryDirectory, { recursive: true, force: true }));

function llama8bConfig(): Record<string, unknown> {
  const path = join(MODELS_DIRECTORY, 'meta-llama', 'Llama-3.1-8B.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('the shipped model index', () => {
  const ids = listModels().map((entry) => entry.id);

  it.each(ids)('%s resolves to a sane spec', (id) => {
    const entry = resolveModel(id);
    const { spec } = entry;
    expect(entry.id).toBe(id);
    expect(entry.source.trim().length).toBeGreaterThan(0);
    for (const size of [
      spec.hiddenSize,
      spec.numLayers,
      spec.numAttentionHeads,
      spec.numKeyValueHeads,
      spec.headDim,
      spec.intermediateSize,
      spec.vocabSize,
      spec.maxPositionEmbeddings,
    ]) {
      expect(Number.isInteger(size) && size > 0).toBe(true);
    }
    expect(spec.numKeyValueHeads).toBeLessThanOrEqual(spec.numAttentionHeads);
    expect(spec.numAttentionHeads % spec.numKeyValueHeads).toBe(0);
    expect(spec.maxPositionEmbeddings).toBeGreaterThanOrEqual(2048);
    const parameters = countParameters(spec);
    expect(parameters.total).toBeGreaterThan(1e9);
    expect(parameters.total).toBeLessThan(1e12);
    expect(parameters.activePerToken).toBeLessThanOrEqual(parameters.total);
    if (spec.moe) {
      expect(spec.moe.numExpertsPerToken).toBeLessThanOrEqual(spec.moe.numExperts);
      expect(parameters.activePerToken).toBeLessThan(parameters.total);
    } else {
      expect(parameters.activePerToken).toBe(parameters.total);
    }
  });

  it('has aliases that are lowercase, unique, and never another entry’s id', () => {
    const owners = new Map<string, string>();
    for (const entry of listModels()) {
      for (const alias of entry.aliases) expect(alias).toBe(alias.toLowerCase());
      for (const key of [entry.id, ...entry.aliases].map((name) => name.toLowerCase())) {
        expect(owners.get(key), `${key} is claimed twice`).toBeUndefined();
        owners.set(key, entry.id);
      }
    }
  });

  it.each(REQUIRED_IDS)('contains the required id %s', (id) => {
    expect(ids).toContain(id);
  });
});

describe('specs against published architectures', () => {
  it('Llama-3.1-8B: 4096 hidden, 32 layers, 8 KV heads of 128, 8.03 B parameters', () => {
    const { spec } = resolveModel('meta-llama/Llama-3.1-8B');
    // The hand-written shape the cost-model tests use, so both agree with the shipped config.
    expect(spec).toEqual({ ...LLAMA_3_1_8B, name: 'meta-llama/Llama-3.1-8B' });
    expectWithin(countParameters(spec).total, 8.03e9, 0.01);
  });

  it('Llama-3.1-70B has about 70.6 B parameters', () => {
    const { spec } = resolveModel('meta-llama/Llama-3.1-70B');
    expect(spec).toMatchObject({ hiddenSize: 8192, numLayers: 80, numKeyValueHeads: 8 });
    expectWithin(countParameters(spec).total, 70.6e9, 0.01);
  });

  it('Llama-3.1-405B has about 405 B parameters', () => {
    const { spec } = resolveModel('meta-llama/Llama-3.1-405B');
    expect(spec).toMatchObject({ hiddenSize: 16384, numLayers: 126, numAttentionHeads: 128 });
    expectWithin(countParameters(spec).total, 405.9e9, 0.01);
  });

  it('Qwen3-8B has head_dim 128 with hidden 4096 and 32 heads', () => {
    const { spec } = resolveModel('Qwen/Qwen3-8B');
    expect(spec).toMatchObject({
      hiddenSize: 4096,
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      headDim: 128,
      numLayers: 36,
    });
  });

  it('Qwen3-32B takes head_dim from the config, not hidden / heads', () => {
    const { spec } = resolveModel('Qwen/Qwen3-32B');
    expect(spec.hiddenSize / spec.numAttentionHeads).toBe(80);
    expect(spec.headDim).toBe(128);
  });

  it('Mixtral-8x7B: 8 experts, top-2, 46.7 B total and 12.9 B active', () => {
    const { spec } = resolveModel('mistralai/Mixtral-8x7B-v0.1');
    expect(spec.moe).toMatchObject({
      numExperts: 8,
      numExpertsPerToken: 2,
      expertIntermediateSize: 14336,
      numSharedExperts: 0,
    });
    const parameters = countParameters(spec);
    expectWithin(parameters.total, 46.7e9, 0.02);
    expectWithin(parameters.activePerToken, 12.9e9, 0.02);
  });

  it('Qwen3-30B-A3B: 128 experts, top-8, expert size 768, about 30.5 B total', () => {
    const { spec } = resolveModel('Qwen/Qwen3-30B-A3B');
    expect(spec.moe).toMatchObject({
      numExperts: 128,
      numExpertsPerToken: 8,
      expertIntermediateSize: 768,
    });
    const parameters = countParameters(spec);
    expectWithin(parameters.total, 30.5e9, 0.02);
    expectWithin(parameters.activePerToken, 3.3e9, 0.05);
  });

  it('Qwen2.5-7B has a QKV bias', () => {
    expect(resolveModel('Qwen/Qwen2.5-7B').spec.attentionBias).toBe(true);
    expectWithin(countParameters(resolveModel('Qwen/Qwen2.5-7B').spec).total, 7.62e9, 0.01);
  });

  it('Llama-2-7b is an fp16 checkpoint with full multi-head attention', () => {
    const { spec } = resolveModel('meta-llama/Llama-2-7b-hf');
    expect(spec.checkpointDtype).toBe('fp16');
    expect(spec.numKeyValueHeads).toBe(spec.numAttentionHeads);
    expectWithin(countParameters(spec).total, 6.74e9, 0.01);
  });
});

describe('resolveModel', () => {
  it('matches ids and aliases without regard to case', () => {
    expect(resolveModel('LLAMA-3.1-8B-INSTRUCT').id).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(resolveModel('META-LLAMA/llama-3.1-8b-instruct').id).toBe(
      'meta-llama/Llama-3.1-8B-Instruct',
    );
    expect(resolveModel('Mixtral-8x7B').id).toBe('mistralai/Mixtral-8x7B-v0.1');
    expect(resolveModel('QWEN3-30B-A3B').id).toBe('Qwen/Qwen3-30B-A3B');
  });

  it('gives an -Instruct id the base model’s architecture', () => {
    const base = resolveModel('meta-llama/Llama-3.1-8B');
    const instruct = resolveModel('meta-llama/Llama-3.1-8B-Instruct');
    expect(instruct.configPath).toBe(base.configPath);
    expect({ ...instruct.spec, name: '' }).toEqual({ ...base.spec, name: '' });
    expect(instruct.spec.name).toBe('meta-llama/Llama-3.1-8B-Instruct');
  });

  it('fails on an unknown name with a one-line message naming Llama 3.1 models', () => {
    const error = thrown(() => resolveModel('llama-3.1-9b'));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    const notFound = error as ModelNotFoundError;
    expect(notFound.code).toBe('LLMSIM_ERR_MODEL_NOT_FOUND');
    expect(notFound.message).not.toContain('\n');
    expect(notFound.message).toContain("'llama-3.1-9b'");
    expect(notFound.message).toContain('closest known');
    expect(notFound.suggestions.length).toBeGreaterThan(0);
    expect(notFound.suggestions.some((name) => /Llama-3\.1-/.test(name))).toBe(true);
    for (const suggestion of notFound.suggestions) expect(notFound.message).toContain(suggestion);
    const ids = new Set(listModels().map((entry) => entry.id));
    for (const suggestion of notFound.suggestions) expect(ids.has(suggestion)).toBe(true);
  });

  it('reads a user config.json given by path', () => {
    const config = { ...llama8bConfig(), num_hidden_layers: 2, hidden_size: 1024, head_dim: 32 };
    const path = join(temporaryDirectory, 'config.json');
    writeFileSync(path, JSON.stringify(config));
    const entry = resolveModel(path);
    expect(entry.id).toBe(path);
    expect(entry.configPath).toBe(path);
    expect(entry.spec).toMatchObject({ numLayers: 2, hiddenSize: 1024, headDim: 32 });
  });

  it('derives head_dim from hidden / heads when a user config omits it', () => {
    const { head_dim: _unused, ...config } = llama8bConfig();
    const path = join(temporaryDirectory, 'no-head-dim.json');
    writeFileSync(path, JSON.stringify({ ...config, hidden_size: 2048, num_attention_heads: 16 }));
    expect(resolveModel(path).spec.headDim).toBe(128);
  });

  it('rejects a config without hidden_size, naming the field and the path', () => {
    const { hidden_size: _unused, ...config } = llama8bConfig();
    const path = join(temporaryDirectory, 'no-hidden.json');
    writeFileSync(path, JSON.stringify(config));
    const error = thrown(() => resolveModel(path));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect((error as InvalidCatalogFileError).code).toBe('LLMSIM_ERR_INVALID_CATALOG_FILE');
    expect(error.message).toContain('hidden_size');
    expect(error.message).toContain(path);
  });

  it('rejects a config file that is not JSON', () => {
    const path = join(temporaryDirectory, 'broken.json');
    writeFileSync(path, '{"hidden_size": 4096,');
    const error = thrown(() => resolveModel(path));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toContain(path);
  });
});
