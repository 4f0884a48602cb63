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

/** Work of one operator on one GPU: floating-point operations and bytes moved to/from memory. */
export interface OperatorWork {
  readonly flops: number;
  readonly bytes: number;
}

/** The work of one step on one GPU, before it is turned into time. */
export interface StepWork {
  /** Per decoder layer. */
  readonly layer: {
    readonly qkvProj: OperatorWork;
    readonly oProj: OperatorWork;
    /** Dense gated MLP (gate/up and down), or the shared experts of an MoE layer. */
    readonly mlpGateUp: OperatorWork;
    readonly mlpDown: OperatorWork;
    readonly moeRouter: OperatorWork;
    /** Routed experts: FLOPs of the top-k tokens, bytes of the expert weights touched. */
    readonly moeExperts: OperatorWork;
    readonly attentionPrefill: OperatorWork;
    readonly attentionDecode: OperatorWork;
    /** Norms, RoPE, activation, residual adds and the KV-cache write (memory-bound). */
    readonly elementwiseBytes: number;
    /** Bytes of each of the two all-reduces (after attention and after the MLP). */
    readonly allReduceBytes: number;
  };
  readonly layers: number;
  readonly embeddingBytes: number;
  readonly finalNormBytes: number;
  readonly lmHead: OperatorWork;
  /** Logits gathered from the tensor-parallel ranks. */
  readonly logitsGatherBytes: number;
  readonly samplerBytes: number;
  /** Activations handed from one pipeline stage to the next. */
  readonly pipelineHandOffBytes: number;
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

const NO_WORK: OperatorWork = { flops: 0, bytes: 0 };

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
    // FP8 weights on a GPU without FP8 units run weight-only: 8-bit loads, 16-bit math.
    const gemmPeak = precision.weightDtype === 'fp8' && fp8Peak !== null ? fp8Peak : sixteenBitPeak;
    this.gemmFlopsPerS = gemmPeak * calibration.computeEfficiency;
    this.attentionFlopsPerS = sixteenBitPeak * calibration.computeEfficiency;
    this.memoryBytesPerS = hardware.memoryBandwidthBytesPerS * calibration.memoryEfficiency;
    this.link = linkModelOf(hardware, calibration.collectiveBandwidthEfficiency);
  }

  /** FLOPs and bytes of every operator of a step on one GPU. */
  work(batch: BatchShape, parallel: ParallelConfig): StepWork {
    const model = this.model;
    const rank = this.rankShape(parallel.tp);
    const tokens = batch.prefillTokens + batch.decodeSequences;
    const sampled = batch.sampledSequences;
    const h = model.hiddenSize;
    const d = model.headDim;
    const ab = this.activationBytes;
    const moe = model.moe;

    let mlpGateUp: OperatorWork;
    let mlpDown: OperatorWork;
    let moeRouter = NO_WORK;
    let moeExperts = NO_WORK;
    let activationElements: number;
    if (moe) {
      mlpGateUp = this.gemm(tokens, h, 2 * rank.sharedIntermediate);
      mlpDown = this.gemm(tokens, rank.sharedIntermediate, h);
      moeRouter = this.gemm(tokens, h, moe.numExperts);
      // Uniform routing: the batch touches E·(1 − (1 − k/E)^T) distinct experts.
      const touched =
        tokens > 0
          ? moe.numExperts * (1 - (1 - moe.numExpertsPerToken / moe.numExperts) ** tokens)
          : 0;
      const expertWeights = 3 * h * rank.expertIntermediate;
      moeExperts = {
        flops: 2 * tokens * moe.numExpertsPerToken * expertWeights,
        bytes:
          touched * expertWeights * this.weightBytes +
          tokens * moe.numExpertsPerToken * (2 * h + 3 * rank.expertIntermediate) * ab,
      };
      activationElements =
        tokens *
        (moe.numExpertsPerToken * 3 * rank.expertIntermediate + 3 * rank.sharedIntermediate);
    } else {
      mlpGateUp = this.gemm(tokens, h, 2 * rank.intermediate);
      mlpDown = this.gemm(tokens, rank.intermediate, h);
      activationElements = tokens * 3 * rank.intermediate;
    }
    const kvPerToken = 2 * rank.kvHeadsPerRank * d * this.kvBytes;
    const qoPerToken = 2 * rank.headsPerRank * d * ab;
    // Causal attention: QKᵀ and PV each cost 2·d FLOPs per query–key pair per head.
    const attentionPrefill: OperatorWork = {
      flops: 4 * rank.headsPerRank * d * batch.prefillAttentionPairs,
      bytes: batch.prefillKvTokens * kvPerToken + batch.prefillTokens * qoPerToken,
    };
    const attentionDecode: OperatorWork = {
      flops: 4 * rank.headsPerRank * d * batch.decodeKvTokens,
      bytes: batch.decodeKvTokens * kvPerToken + batch.decodeSequences * qoPerToken,
    };
    // Two fused residual-add + RMSNorm (read x and residual, write both: 4h each), RoPE on q and k
    // (read and write), the gated activation (read 2I, write I) and the KV-cache write.
    const elementwiseBytes =
      tokens * ab * (8 * h + 2 * (rank.headsPerRank + rank.kvHeadsPerRank) * d) +
      activationElements * ab +
      tokens * kvPerToken;
    return {
      layer: {
        qkvProj: this.gemm(tokens, h, rank.qkvOut),
        oProj: this.gemm(tokens, rank.headsPerRank * d, h),
        mlpGateUp,
        mlpDown,
        moeRouter,
        moeExperts,
        attentionPrefill,
        attentionDecode,
        elementwiseBytes,
        allReduceBytes: parallel.tp > 1 ? tokens * h * ab : 0,
      },
      layers: model.numLayers,
      embeddingBytes: 2 * tokens * h * ab,
      finalNormBytes: 2 * tokens * h * ab,
      lmHead: this.gemm(sampled, h, rank.vocab),
      logitsGatherBytes: parallel.tp > 1 ? sampled * model.vocabSize * ab : 0,
      // The sampler reads fp32 logits twice (softmax and top-p/top-k filtering, then the draw).
      samplerBytes: 2 * sampled * model.vocabSize * 4,
      pipelineHandOffBytes: parallel.pp > 1 ? tokens * h * ab : 0,
    };
  }

  predict(batch: BatchShape, parallel: ParallelConfig): StepCostPrediction {
    const work = this.work(batch, parallel);
    const layer = work.layer;
    const layers = work.layers;
    const memory = this.memoryBytesPerS;
    const breakdown: Record<string, number> = {
      embedding: work.embeddingBytes / memory,
      qkv_proj: this.gemmSeconds(layer.qkvProj) * layers,
      attention_prefill: this.attentionSeconds(layer.attentionPrefill) * layers,
      attention_decode: this.attentionSeconds(layer.attentionDecode) * layers,
      o_proj: this.gemmSeconds(layer.oProj) * layers,
      mlp: (this.gemmSeconds(layer.mlpGateUp) + this.gemmSeconds(layer.mlpDown)) * layers,
      moe: (this.gemmSeconds(layer.moeRouter) + this.gemmSeconds(layer.moeExperts)) * layers,
      elementwise: (layer.elementwiseBytes / memory) * layers + work.finalNormBytes / memory,
      all_reduce: 2 * ringAllReduceSeconds(layer.allReduceBytes, parallel.tp, this.link) * layers,
      lm_head:
        this.gemmSeconds(work.lmHead) +
        ringAllGatherSeconds(work.logitsGatherBytes, parallel.tp, this.link),
      sampler: work.samplerBytes / memory,
    };
    let gpuSeconds = 0;
    for (const value of Object.values(breakdown)) gpuSeconds += value;
    const handOff = sendReceiveSeconds(work.pipelineHandOffBytes, this.link) * (parallel.pp - 1);
    breakdown.pipeline_p2p = handOff;
    const overheadSeconds = this.calibration.stepOverheadS;
    breakdown.overhead = overheadSeconds;
    // Layers split evenly over the stages; every stage but the last also hands its output on.
    const stageSeconds = (gpuSeconds + handOff) / parallel.pp;
    return {
      seconds: overheadSeconds + stageSeconds * parallel.pp,
      stageSeconds,
      overheadSeconds,
      breakdown,
    };
  }

  /** A (tokens × k)·(k × n) GEMM with weights in the weight dtype. */
  private gemm(tokens: number, k: number, n: number): OperatorWork {
    if (tokens <= 0 || n <= 0) return NO_WORK;
    return {
      flops: 2 * tokens * k * n,
      bytes: k * n * this.weightBytes + tokens * (k + n) * this.activationBytes,
    };
  }

  private gemmSeconds(work: OperatorWork): number {
    return Math.max(work.flops / this.gemmFlopsPerS, work.bytes / this.memoryBytesPerS);
  }

  private attentionSeconds(work: OperatorWork): number {
    return Math.max(work.flops / this.attentionFlopsPerS, work.bytes / this.memoryBytesPerS);
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
