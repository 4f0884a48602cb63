/**
 * @module The analytical (roofline) cost model: every operator of a step costs the larger of its
 * compute time and its memory time at fitted fractions of the GPU's peaks; tensor-parallel
 * all-reduces follow the ring model; a fixed per-step overhead covers the CPU side.
 */

import {
  type LinkModel,
  linkModelOf,
  ringAllGatherSeconds,
  ringAllReduceSeconds,
  sendReceiveSeconds,
} from './collective.js';
import type { BatchShape, CostModel, ParallelConfig, StepCostPrediction } from './cost-model.js';
import type { HardwareSpec } from './hardware-spec.js';
import type { ModelSpec } from './model-spec.js';
import { bytesPerElement, type PrecisionConfig } from './precision.js';

/** Constants fitted from measurements (see the calibration file of the catalog for their source). */
export interface AnalyticalCalibration {
  /** Fraction of peak dense FLOP/s that large GEMMs and attention reach. */
  readonly computeEfficiency: number;
  /** Fraction of peak memory bandwidth that streaming kernels reach. */
  readonly memoryEfficiency: number;
  /** Fraction of the link's one-direction bandwidth a ring collective reaches. */
  readonly collectiveBandwidthEfficiency: number;
  /** CPU-side time per engine step (scheduling, input preparation, kernel launch). */
  readonly stepOverheadS: number;
}

export interface AnalyticalCostModelOptions {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly precision: PrecisionConfig;
  readonly calibration: AnalyticalCalibration;
}

/** Per-rank dimensions for one tensor-parallel degree. */
interface RankShape {
  readonly headsPerRank: number;
  /** KV heads are replicated when tp exceeds their count, so at least one per rank. */
  readonly kvHeadsPerRank: number;
  readonly qkvOut: number;
  readonly intermediate: number;
  readonly expertIntermediate: number;
  readonly sharedIntermediate: number;
  readonly vocab: number;
}

/** Roofline cost model over the catalog's peaks; see the module comment. */
export class AnalyticalCostModel implements CostModel {
  readonly kind = 'analytical';
  private readonly model: ModelSpec;
  private readonly calibration: AnalyticalCalibration;
  private readonly activationBytes: number;
  private readonly weightBytes: number;
  private readonly kvBytes: number;
  /** Usable FLOP/s for GEMMs (FP8 math where weights are FP8 and the GPU has FP8 units). */
  private readonly gemmFlopsPerS: number;
  /** Usable FLOP/s for attention math (16-bit). */
  private readonly attentionFlopsPerS: number;
  private readonly memoryBytesPerS: number;
  private readonly link: LinkModel;
  private readonly rankShapes = new Map<number, RankShape>();

  constructor(options: AnalyticalCostModelOptions) {
    const { model, hardware, precision, calibration } = options;
    this.model = model;
    this.calibration = calibration;
    this.activationBytes = bytesPerElement(precision.activationDtype);
    this.weightBytes = bytesPerElement(precision.weightDtype);
    this.kvBytes = bytesPerElement(precision.kvCacheDtype);
    const sixteenBitPeak = hardware.peakFlopsPerS[precision.activationDtype];
    const fp8Peak = hardware.peakFlopsPerS.fp8;
    const gemmPeak = precision.weightDtype === 'fp8' && fp8Peak !== null ? fp8Peak : sixteenBitPeak;
    this.gemmFlopsPerS = gemmPeak * calibration.computeEfficiency;
    this.attentionFlopsPerS = sixteenBitPeak * calibration.computeEfficiency;
    this.memoryBytesPerS = hardware.memoryBandwidthBytesPerS * calibration.memoryEfficiency;
    this.link = linkModelOf(hardware, calibration.collectiveBandwidthEfficiency);
  }

  predict(batch: BatchShape, parallel: ParallelConfig): StepCostPrediction {
    const model = this.model;
    const rank = this.rankShape(parallel.tp);
    const tokens = batch.prefillTokens + batch.decodeSequences;
    const sampled = batch.sampledSequences;
    const h = model.hiddenSize;
    const d = model.headDim;
    const ab = this.activationBytes;

    // One decoder layer on one rank.
    const qkv = this.gemm(tokens, h, rank.qkvOut);
    const output = this.gemm(tokens, rank.headsPerRank * d, h);
    let mlp = 0;
    let moe = 0;
    let activationElements: number;
    if (model.moe) {
      moe = this.moeSeconds(tokens, rank);
      activationElements = tokens * model.moe.numExpertsPerToken * 3 * rank.expertIntermediate;
      if (rank.sharedIntermediate > 0) {
        mlp = this.gemm(tokens, h, 2 * rank.sharedIntermediate);
        mlp += this.gemm(tokens, rank.sharedIntermediate, h);
        activationElements += tokens * 3 * rank.sharedIntermediate;
      }
    } else {
      mlp = this.gemm(tokens, h, 2 * rank.intermediate) + this.gemm(tokens, rank.intermediate, h);
      activationElements = tokens * 3 * rank.intermediate;
    }
    const kvPerToken = 2 * rank.kvHeadsPerRank * d * this.kvBytes;
    const qoPerToken = 2 * rank.headsPerRank * d * ab;
    const attentionPrefill =
      batch.prefillSequences > 0
        ? Math.max(
            (4 * rank.headsPerRank * d * batch.prefillAttentionPairs) / this.attentionFlopsPerS,
            (batch.prefillKvTokens * kvPerToken + batch.prefillTokens * qoPerToken) /
              this.memoryBytesPerS,
          )
        : 0;
    const attentionDecode =
      batch.decodeSequences > 0
        ? Math.max(
            (4 * rank.headsPerRank * d * batch.decodeKvTokens) / this.attentionFlopsPerS,
            (batch.decodeKvTokens * kvPerToken + batch.decodeSequences * qoPerToken) /
              this.memoryBytesPerS,
          )
        : 0;
    // Fused residual-add + RMSNorm twice (read x and residual, write both), RoPE on q and k,
    // the gated activation, and the KV-cache write: all streaming, so memory-bound.
    const elementwiseBytes =
      tokens * ab * (8 * h + 2 * (rank.headsPerRank + rank.kvHeadsPerRank) * d) +
      activationElements * ab +
      tokens * kvPerToken;
    const elementwise = elementwiseBytes / this.memoryBytesPerS;
    const allReduce = 2 * ringAllReduceSeconds(tokens * h * ab, parallel.tp, this.link);

    const layers = model.numLayers;
    const embedding = (2 * tokens * h * ab) / this.memoryBytesPerS;
    const finalNorm = (2 * tokens * h * ab) / this.memoryBytesPerS;
    const lmHead = sampled > 0 ? this.gemm(sampled, h, rank.vocab) : 0;
    const logitsGather = ringAllGatherSeconds(
      sampled * model.vocabSize * ab,
      parallel.tp,
      this.link,
    );
    // The sampler reads fp32 logits a few times (softmax, top-p/top-k, draw): count two passes.
    const sampler = (2 * sampled * model.vocabSize * 4) / this.memoryBytesPerS;

    const breakdown: Record<string, number> = {
      embedding,
      qkv_proj: qkv * layers,
      attention_prefill: attentionPrefill * layers,
      attention_decode: attentionDecode * layers,
      o_proj: output * layers,
      mlp: mlp * layers,
      moe: moe * layers,
      elementwise: elementwise * layers + finalNorm,
      all_reduce: allReduce * layers,
      lm_head: lmHead + logitsGather,
      sampler,
    };
    let gpuSeconds = 0;
    for (const value of Object.values(breakdown)) gpuSeconds += value;
    const handOff =
      parallel.pp > 1 ? sendReceiveSeconds(tokens * h * ab, this.link) * (parallel.pp - 1) : 0;
    breakdown.pipeline_p2p = handOff;
    const overheadSeconds = this.calibration.stepOverheadS;
    breakdown.overhead = overheadSeconds;
    // Layers split evenly over the stages; each stage also forwards its activations once.
    const stageSeconds = (gpuSeconds + handOff) / parallel.pp;
    return {
      seconds: overheadSeconds + stageSeconds * parallel.pp,
      stageSeconds,
      overheadSeconds,
      breakdown,
    };
  }

  /** Roofline time of a (tokens × k) · (k × n) GEMM with weights in the weight dtype. */
  private gemm(tokens: number, k: number, n: number): number {
    if (tokens <= 0) return 0;
    const flops = 2 * tokens * k * n;
    const bytes = k * n * this.weightBytes + tokens * (k + n) * this.activationBytes;
    return Math.max(flops / this.gemmFlopsPerS, bytes / this.memoryBytesPerS);
  }

  /**
   * Routed experts of one MoE layer. Compute follows the top-k routed tokens; memory follows the
   * expert weights the batch touches, E·(1 − (1 − k/E)^T) experts under uniform routing.
   */
  private moeSeconds(tokens: number, rank: RankShape): number {
    const moe = this.model.moe;
    if (!moe || tokens <= 0) return 0;
    const h = this.model.hiddenSize;
    const experts = moe.numExperts;
    const perToken = moe.numExpertsPerToken;
    const touched = experts * (1 - (1 - perToken / experts) ** tokens);
    const expertWeights = 3 * h * rank.expertIntermediate;
    const router = this.gemm(tokens, h, experts);
    const flops = 2 * tokens * perToken * expertWeights;
    const bytes =
      touched * expertWeights * this.weightBytes +
      tokens * perToken * (2 * h + 3 * rank.expertIntermediate) * this.activationBytes;
    return router + Math.max(flops / this.gemmFlopsPerS, bytes / this.memoryBytesPerS);
  }

  private rankShape(tp: number): RankShape {
    const cached = this.rankShapes.get(tp);
    if (cached) return cached;
    const model = this.model;
    const headsPerRank = model.numAttentionHeads / tp;
    const kvHeadsPerRank = Math.max(1, model.numKeyValueHeads / tp);
    const shape: RankShape = {
      headsPerRank,
      kvHeadsPerRank,
      qkvOut: (headsPerRank + 2 * kvHeadsPerRank) * model.headDim,
      intermediate: model.intermediateSize / tp,
      expertIntermediate: (model.moe?.expertIntermediateSize ?? 0) / tp,
      sharedIntermediate:
        ((model.moe?.sharedExpertIntermediateSize ?? 0) * (model.moe?.numSharedExperts ?? 0)) / tp,
      vocab: model.vocabSize / tp,
    };
    this.rankShapes.set(tp, shape);
    return shape;
  }
}
