/**
 * @module The model catalog: Hugging Face `config.json` files in `models/`, indexed by id and short
 * aliases in `models/index.json`, resolved case-insensitively or from the path of a user's own
 * config.json; and the translation of a config.json into the core's `ModelSpec`.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ModelSpec } from '../core/perf/model-spec.js';
import { ModelNotFoundError } from '../errors.js';
import { NameIndex } from './closest-names.js';
import { looksLikePath, readCatalogFile } from './read-json-file.js';

const MODELS_DIRECTORY = fileURLToPath(new URL('./models/', import.meta.url));

const indexSchema = z.array(
  z.object({
    id: z.string().min(1),
    config: z.string().min(1),
    aliases: z.array(z.string()).default([]),
    source: z.string().default(''),
  }),
);

export type ModelIndexEntry = z.infer<typeof indexSchema>[number];

const positiveInteger = z.number().int().positive();

/** The fields of a Hugging Face config.json the simulator reads; other keys are ignored. */
export const huggingFaceConfigSchema = z.object({
  model_type: z.string().optional(),
  hidden_size: positiveInteger,
  num_hidden_layers: positiveInteger,
  num_attention_heads: positiveInteger,
  num_key_value_heads: positiveInteger.optional(),
  head_dim: positiveInteger.nullable().optional(),
  intermediate_size: positiveInteger,
  vocab_size: positiveInteger,
  max_position_embeddings: positiveInteger,
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  torch_dtype: z.string().optional(),
  num_local_experts: positiveInteger.optional(),
  num_experts: positiveInteger.optional(),
  num_experts_per_tok: positiveInteger.optional(),
  moe_intermediate_size: positiveInteger.optional(),
  shared_expert_intermediate_size: z.number().int().nonnegative().optional(),
  n_shared_experts: z.number().int().nonnegative().nullable().optional(),
});

export type HuggingFaceConfig = z.infer<typeof huggingFaceConfigSchema>;

/** A resolved model: its canonical id, the spec, and where its config came from. */
export interface ModelEntry {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly spec: ModelSpec;
  /** config.json's `model_type` (e.g. `llama`, `qwen3`), when it has one. */
  readonly modelType: string | undefined;
  readonly configPath: string;
  readonly source: string;
}

/** Model types whose QKV projection carries a bias even though config.json does not say so. */
const QKV_BIAS_MODEL_TYPES = new Set(['qwen2', 'qwen2_moe']);

/** Translates a validated config.json into a `ModelSpec` named `name`. */
export function modelSpecFromConfig(name: string, config: HuggingFaceConfig): ModelSpec {
  const heads = config.num_attention_heads;
  const numExperts = config.num_local_experts ?? config.num_experts;
  const checkpointDtype =
    config.torch_dtype === 'float16' ? 'fp16' : config.torch_dtype === 'float32' ? 'fp32' : 'bf16';
  const spec: ModelSpec = {
    name,
    hiddenSize: config.hidden_size,
    numLayers: config.num_hidden_layers,
    numAttentionHeads: heads,
    numKeyValueHeads: config.num_key_value_heads ?? heads,
    headDim: config.head_dim ?? config.hidden_size / heads,
    intermediateSize: config.intermediate_size,
    vocabSize: config.vocab_size,
    maxPositionEmbeddings: config.max_position_embeddings,
    tieWordEmbeddings: config.tie_word_embeddings ?? false,
    attentionBias: config.attention_bias ?? QKV_BIAS_MODEL_TYPES.has(config.model_type ?? ''),
    checkpointDtype,
  };
  if (numExperts === undefined || numExperts <= 1) return spec;
  const sharedSize = config.shared_expert_intermediate_size ?? 0;
  return {
    ...spec,
    moe: {
      numExperts,
      numExpertsPerToken: config.num_experts_per_tok ?? 2,
      // Mixtral and PhiMoE give the expert size as intermediate_size; Qwen MoE separately.
      expertIntermediateSize: config.moe_intermediate_size ?? config.intermediate_size,
      numSharedExperts: sharedSize > 0 ? (config.n_shared_experts ?? 1) : 0,
      sharedExpertIntermediateSize: sharedSize,
    },
  };
}

/** Reads a config.json and validates the fields the simulator needs. */
export function loadModelConfig(
  path: string,
  name: string,
): { spec: ModelSpec; modelType: string | undefined } {
  const config = readCatalogFile(
    path,
    huggingFaceConfigSchema,
    'not a usable Hugging Face config.json',
  );
  return { spec: modelSpecFromConfig(name, config), modelType: config.model_type };
}

let modelIndex: readonly ModelIndexEntry[] | undefined;
let modelNames: NameIndex<ModelIndexEntry> | undefined;

/** The shipped model index, in file order. */
export function listModels(): readonly ModelIndexEntry[] {
  if (!modelIndex) {
    modelIndex = readCatalogFile(`${MODELS_DIRECTORY}index.json`, indexSchema);
  }
  return modelIndex;
}

function modelNameIndex(): NameIndex<ModelIndexEntry> {
  modelNames ??= new NameIndex(
    listModels(),
    (entry) => [entry.id, ...entry.aliases],
    (entry) => entry.id,
  );
  return modelNames;
}

/** The config.json path of a catalog model id or alias, without reading it; undefined if unknown. */
export function catalogConfigPath(name: string): string | undefined {
  const match = modelNameIndex().get(name);
  return match === undefined ? undefined : `${MODELS_DIRECTORY}${match.config}`;
}

/**
 * Resolves a Hugging Face id or alias (case-insensitive) or a path to a config.json. Unknown
 * names fail with the closest known names.
 */
export function resolveModel(nameOrPath: string): ModelEntry {
  const match = modelNameIndex().get(nameOrPath);
  if (match) {
    const configPath = `${MODELS_DIRECTORY}${match.config}`;
    return {
      id: match.id,
      aliases: match.aliases,
      ...loadModelConfig(configPath, match.id),
      configPath,
      source: match.source,
    };
  }
  if (looksLikePath(nameOrPath) || existsSync(nameOrPath)) {
    return {
      id: nameOrPath,
      aliases: [],
      ...loadModelConfig(nameOrPath, nameOrPath),
      configPath: nameOrPath,
      source: 'user-supplied config.json',
    };
  }
  throw new ModelNotFoundError(nameOrPath, modelNameIndex().suggest(nameOrPath, 4));
}
