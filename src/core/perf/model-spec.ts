/**
 * @module The architecture of a decoder-only transformer as the cost and memory models need it,
 * and the counts derived from it (parameters, KV bytes per token). Built from a Hugging Face
 * config.json by the catalog layer.
 */

/** Mixture-of-experts feed-forward layout. */
export interface MoeSpec {
  /** Routed experts per MoE layer. */
  readonly numExperts: number;
  /** Experts each token is routed to (top-k). */
  readonly numExpertsPerToken: number;
  /** Intermediate size of one routed expert's gated MLP. */
  readonly expertIntermediateSize: number;
  /** Always-on shared experts (0 for Mixtral/Qwen3-MoE). */
  readonly numSharedExperts: number;
  /** Intermediate size of the shared expert block (0 when none). */
  readonly sharedExpertIntermediateSize: number;
}

/** Shape of a decoder-only model. All sizes are element counts, not bytes. */
export interface ModelSpec {
  /** Hugging Face id or the name the user gave. */
  readonly name: string;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  /** Intermediate size of the dense gated MLP (unused by MoE layers). */
  readonly intermediateSize: number;
  readonly vocabSize: number;
  /** Context window (max_position_embeddings). */
  readonly maxPositionEmbeddings: number;
  readonly tieWordEmbeddings: boolean;
  /** Whether the QKV projection has a bias (Qwen2.5); counted in parameters only. */
  readonly attentionBias: boolean;
  /** Weight dtype of the published checkpoint (`torch_dtype`). */
  readonly checkpointDtype: 'bf16' | 'fp16' | 'fp32';
  /** Present for mixture-of-experts models; every layer is taken to be an MoE layer. */
  readonly moe?: MoeSpec;
}

/** Parameter counts of a model, by part. */
export interface ParameterCounts {
  readonly embedding: number;
  readonly lmHead: number;
  /** All decoder layers together. */
  readonly layers: number;
  /** Parameters one token touches in a forward pass (routed experts counted top-k). */
  readonly activePerToken: number;
  readonly total: number;
}

/** Parameters of one attention block (QKV + O projections and the QKV bias). */
function attentionParameters(model: ModelSpec): number {
  const qkvOut = (model.numAttentionHeads + 2 * model.numKeyValueHeads) * model.headDim;
  const bias = model.attentionBias ? qkvOut : 0;
  return (
    model.hiddenSize * qkvOut + model.numAttentionHeads * model.headDim * model.hiddenSize + bias
  );
}

/** Counts parameters from the architecture (gated MLPs: three matrices per MLP). */
export function countParameters(model: ModelSpec): ParameterCounts {
  const h = model.hiddenSize;
  const norms = 2 * h;
  const attention = attentionParameters(model);
  let ffnTotal: number;
  let ffnActive: number;
  if (model.moe) {
    const expert = 3 * h * model.moe.expertIntermediateSize;
    const shared = 3 * h * model.moe.sharedExpertIntermediateSize * model.moe.numSharedExperts;
    const router = h * model.moe.numExperts;
    ffnTotal = model.moe.numExperts * expert + shared + router;
    ffnActive = model.moe.numExpertsPerToken * expert + shared + router;
  } else {
    ffnTotal = 3 * h * model.intermediateSize;
    ffnActive = ffnTotal;
  }
  const embedding = model.vocabSize * h;
  const lmHead = model.tieWordEmbeddings ? 0 : model.vocabSize * h;
  const layers = model.numLayers * (attention + ffnTotal + norms);
  const activeLayers = model.numLayers * (attention + ffnActive + norms);
  const finalNorm = h;
  return {
    embedding,
    lmHead,
    layers,
    activePerToken: activeLayers + embedding + lmHead + finalNorm,
    total: layers + embedding + lmHead + finalNorm,
  };
}
