/**
 * @module Tests of family selection: every served id, its catalog aliases and a config.json path
 * resolve to the intended family; `model_type` and architecture names decide only when the id
 * names nothing known.
 */

import { describe, expect, it } from 'vitest';
import { MODEL_FAMILIES, type ModelFamilyName, resolveModelFamily } from './model-family.js';

const SERVED_MODELS: readonly (readonly [string, ModelFamilyName])[] = [
  ['meta-llama/Llama-3.1-8B', 'llama3.1'],
  ['meta-llama/Llama-3.1-8B-Instruct', 'llama3.1'],
  ['meta-llama/Llama-3.1-70B', 'llama3.1'],
  ['meta-llama/Llama-3.1-70B-Instruct', 'llama3.1'],
  ['meta-llama/Llama-3.1-405B', 'llama3.1'],
  ['meta-llama/Llama-3.1-405B-Instruct', 'llama3.1'],
  ['meta-llama/Llama-3.3-70B-Instruct', 'llama3.1'],
  ['meta-llama/Meta-Llama-3-8B', 'llama3-base'],
  ['meta-llama/Meta-Llama-3-8B-Instruct', 'llama3-instruct'],
  ['meta-llama/Meta-Llama-3-70B', 'llama3-base'],
  ['meta-llama/Meta-Llama-3-70B-Instruct', 'llama3-instruct'],
  ['meta-llama/Llama-2-7b-hf', 'llama2-base'],
  ['meta-llama/Llama-2-13b-hf', 'llama2-base'],
  ['meta-llama/Llama-2-70b-hf', 'llama2-base'],
  ['meta-llama/Llama-2-7b-chat-hf', 'llama2-chat'],
  ['meta-llama/Llama-2-13b-chat-hf', 'llama2-chat'],
  ['meta-llama/Llama-2-70b-chat-hf', 'llama2-chat'],
  ['mistralai/Mistral-7B-v0.1', 'mistral-base'],
  ['mistralai/Mistral-7B-Instruct-v0.1', 'mistral-instruct'],
  ['mistralai/Mistral-7B-Instruct-v0.3', 'mistral-instruct-v3'],
  ['mistralai/Mixtral-8x7B-v0.1', 'mistral-base'],
  ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'mistral-instruct'],
  ['Qwen/Qwen3-8B', 'qwen3'],
  ['Qwen/Qwen3-32B', 'qwen3'],
  ['Qwen/Qwen3-30B-A3B', 'qwen3'],
  ['Qwen/Qwen3-30B-A3B-Instruct-2507', 'qwen3'],
  ['Qwen/Qwen2.5-7B', 'qwen2'],
  ['Qwen/Qwen2.5-7B-Instruct', 'qwen2.5-instruct'],
  ['Qwen/Qwen2.5-72B', 'qwen2'],
  ['Qwen/Qwen2.5-72B-Instruct', 'qwen2.5-instruct'],
  ['microsoft/Phi-mini-MoE-instruct', 'phi3'],
];

const CATALOG_ALIASES: readonly (readonly [string, ModelFamilyName])[] = [
  ['llama3.1-8b', 'llama3.1'],
  ['llama-3.3-70b', 'llama3.1'],
  ['llama3-8b', 'llama3-base'],
  ['meta-llama-3-70b-instruct', 'llama3-instruct'],
  ['llama2-7b', 'llama2-base'],
  ['llama-2-13b-chat', 'llama2-chat'],
  ['mistral-7b', 'mistral-base'],
  ['mistral-7b-instruct', 'mistral-instruct-v3'],
  ['mixtral-8x7b-instruct', 'mistral-instruct'],
  ['qwen3-30b-a3b-instruct', 'qwen3'],
  ['qwen2.5-7b-instruct', 'qwen2.5-instruct'],
  ['phi-mini-moe', 'phi3'],
];

describe('resolveModelFamily', () => {
  it.each(SERVED_MODELS)('%s → %s', (modelId, family) => {
    expect(resolveModelFamily(modelId).name).toBe(family);
  });

  it.each(CATALOG_ALIASES)('alias %s → %s', (alias, family) => {
    expect(resolveModelFamily(alias).name).toBe(family);
  });

  it.each(SERVED_MODELS)('%s matches regardless of case', (modelId, family) => {
    expect(resolveModelFamily(modelId.toUpperCase()).name).toBe(family);
  });

  it('lets the id win over a contradicting model type', () => {
    expect(resolveModelFamily('Qwen/Qwen3-8B', 'llama').name).toBe('qwen3');
  });

  it('recognises a config.json path that names the model', () => {
    expect(resolveModelFamily('/models/Llama-3.1-8B-Instruct/config.json').name).toBe('llama3.1');
  });

  it.each([
    ['qwen3', 'qwen3'],
    ['qwen3_moe', 'qwen3'],
    ['Qwen3MoeForCausalLM', 'qwen3'],
    ['qwen2', 'qwen2'],
    ['Qwen2ForCausalLM', 'qwen2'],
    ['mistral', 'mistral-instruct'],
    ['MixtralForCausalLM', 'mistral-instruct'],
    ['phimoe', 'phi3'],
    ['PhiMoEForCausalLM', 'phi3'],
    ['llama', 'unknown'],
    ['LlamaForCausalLM', 'unknown'],
    ['gpt_neox', 'unknown'],
  ] as const)('falls back to model type %s → %s for an anonymous path', (modelType, family) => {
    expect(resolveModelFamily('/tmp/my-model/config.json', modelType).name).toBe(family);
  });

  it('treats an unknown id without a hint as unknown: cl100k estimate, generic ChatML', () => {
    const family = resolveModelFamily('./config.json');
    expect(family).toBe(MODEL_FAMILIES.unknown);
    expect(family).toMatchObject({
      tokenizerKind: 'cl100k_base',
      exact: false,
      chatTemplate: 'chatml',
    });
  });

  it('marks exactly the Llama 3 families exact, all on the llama3 tokenizer', () => {
    for (const family of Object.values(MODEL_FAMILIES)) {
      expect(family.exact).toBe(family.tokenizerKind === 'llama3');
      expect(family.exact).toBe(family.name.startsWith('llama3'));
    }
  });

  it('keeps each family under its own name', () => {
    for (const [name, family] of Object.entries(MODEL_FAMILIES)) expect(family.name).toBe(name);
  });
});
