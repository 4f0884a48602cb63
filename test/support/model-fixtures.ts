/**
 * @module Model shapes written out by hand for tests that check computations against published
 * architectures, independently of the catalog files.
 */

import type { ModelSpec } from '../../src/core/perf/model-spec.js';

/** Llama-3.1-8B (hidden 4096, 32 layers, 32 heads, 8 KV heads, MLP 14336, vocab 128256). */
export const LLAMA_3_1_8B: ModelSpec = {
  name: 'llama-3.1-8b',
  hiddenSize: 4096,
  numLayers: 32,
  numAttentionHeads: 32,
  numKeyValueHeads: 8,
  headDim: 128,
  intermediateSize: 14336,
  vocabSize: 128256,
  maxPositionEmbeddings: 131072,
  tieWordEmbeddings: false,
  attentionBias: false,
  checkpointDtype: 'bf16',
};
