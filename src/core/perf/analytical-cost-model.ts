/**
 * @module The analytical (roofline) cost model: every operator of a step costs what the formulas
 * of `efficiency-curve.ts` give for its FLOPs and bytes at fitted fractions of the GPU's peaks;
 * tensor-parallel all-reduces follow the ring model; a fixed per-step overhead covers the CPU side.
 * The same per-operator prices answer single operators (`operatorSeconds`, `attentionSeconds`),
 * which is what the calibration fits against measured operator profiles.
 */

import {
  type LinkModel,
  linkModelOf,
  ringAllGatherSeconds,
  ringAllReduceSeconds,
  sendReceiveSeconds,
} from './collective.js';
import type { BatchShape, CostModel, ParallelConfig, StepCostPrediction } from './cost-model.js';
import {
  type AttentionConstants,
  type AttentionWork,
  attentionSeconds,
  type GemmConstants,
  gemmSeconds,
  type StreamingConstants,
  streamingSeconds,
} from './efficiency-curve.js';
import type { HardwareSpec } from './hardware-spec.js';
import type { ModelSpec } from './model-spec.js';
import type { SequenceOperatorName, TokenOperatorName } from './operator-profile.js';
import { bytesPerElement, type PrecisionConfig } from './precision.js';

/** Kinds of memory-bound kernel that get their own effective bandwidth and fixed cost. */
export type StreamingKernelKind =
  | 'embedding'
  | 'norm'
  | 'qk_norm'
  | 'rope'
  | 'activation'
  | 'residual_add'
  | 'sampler';

export const STREAMING_KERNEL_KINDS: readonly StreamingKernelKind[] = [
  'embedding',
  'norm',
  'qk_norm',
  'rope',
  'activation',
  'residual_add',
  'sampler',
];

/** Fitted rate and fixed cost of one kind of memory-bound kernel. */
export interface StreamingKernelCalibration {
  /** Effective fraction of peak memory bandwidth (can exceed 1 when the tensors sit in L2). */
  readonly bandwidthEfficiency: number;
  /** Fixed time per kernel. */
  readonly floorS: number;
}

/** Fitted constants of the attention layer (see `attentionSeconds` in efficiency-curve.ts). */
export interface AttentionCalibration {
  /** Fraction of peak 16-bit FLOP/s that prefill attention reaches. */
  readonly prefillComputeEfficiency: number;
  /** Fraction of peak bandwidth a decode-only batch reaches reading the KV cache. */
  readonly decodeMemoryEfficiency: number;
  /** Extra time per decode sequence of a decode-only batch. */
  readonly decodeSequenceS: number;
  /** Fixed time of one attention layer. */
  readonly floorS: number;
  /**
   * The tile model of the prefill kernel (absent: no tile bounds, and decodes batched with a
   * prefill are priced like a decode-only batch).
   */
  readonly tiles?: AttentionTileCalibration;
}

/**
 * FlashAttention's prefill kernel gives each (sequence, query head, block of 128 queries) one tile
 * that walks all its keys on one SM. Its speed is stated relative to the GPU so that it carries
 * over to GPUs without measurements: `concurrentTiles` tiles together run at `computeEfficiency`
 * of peak, doing 4·128·128 FLOP-equivalents per key (head dim 128).
 */
export interface AttentionTileCalibration {
  readonly computeEfficiency: number;
  /** Tiles in flight at once (of the order of the SM count). */
  readonly concurrentTiles: number;
  /** Fraction of peak bandwidth of decodes in a mixed batch, each query head re-reading its KV. */
  readonly mixedDecodeMemoryEfficiency: number;
}

/** FLOP-equivalents one 128-query tile spends per key at head dim 128 (QKᵀ and PV). */
export const TILE_FLOPS_PER_KEY = 4 * 128 * 128;

/**
 * Constants fitted from measurements (per GPU in `calibration/analytical-fit.json`, see
 * docs/CALIBRATION.md). The four scalar fields alone give the plain roofline; each optional
 * refinement, when present, replaces the plain treatment of its operators.
 */
export interface AnalyticalCalibration {
  /** Fraction of peak dense FLOP/s that compute-bound GEMMs reach. */
  readonly computeEfficiency: number;
  /** Fraction of peak memory bandwidth that weight-streaming GEMMs (and, by default, all
   * memory-bound kernels) reach. */
  readonly memoryEfficiency: number;
  /** Fraction of the link's one-direction bandwidth a ring collective reaches. */
  readonly collectiveBandwidthEfficiency: number;
  /** CPU-side time per engine step (scheduling, input preparation, kernel launch). */
  readonly stepOverheadS: number;
  /** Exponent of the soft roofline of GEMMs (absent: the hard max). */
  readonly gemmSharpness?: number;
  /** Fixed time per GEMM kernel (absent: 0). */
  readonly gemmFloorS?: number;
  /** Memory-bound kernels by kind (a kind absent: `memoryEfficiency`, no fixed cost). */
  readonly streaming?: Partial<Record<StreamingKernelKind, StreamingKernelCalibration>>;
  /** Attention (absent: prefill by FLOPs at `computeEfficiency`, decode by bytes). */
  readonly attention?: AttentionCalibration;
  /**
   * Latency of one all-reduce or all-gather call (absent: the ring's hops × the hardware
   * catalog's per-hop latency).
   */
  readonly collectiveLatencyS?: number;
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

/** How one profiled operator is priced: a GEMM or a memory-bound kernel of some kind. */
export type OperatorCost =
  | { readonly kind: 'gemm'; readonly flops: number; readonly bytes: number }
  | { readonly kind: 'streaming'; readonly kernel: StreamingKernelKind; readonly bytes: number };

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
    /** Each of the two fused residual-add + RMSNorm kernels. */
    readonly normBytes: number;
    readonly ropeBytes: number;
    readonly activationBytes: number;
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
  /** Bytes of K and V of one token in the KV cache of one rank. */
  readonly kvBytesPerToken: number;
  /** Bytes of the query and output rows of one token of one rank. */
  readonly queryOutputBytesPerToken: number;
  /** Attention FLOPs per query–key pair (QKᵀ and PV, 2·headDim each, every head of the rank). */
  readonly attentionFlopsPerPair: number;
}

const NO_WORK: OperatorWork = { flops: 0, bytes: 0 };

/** Entries of the token-count memo: per-layer parts, then per-step ones. */
const QKV = 0;
const O_PROJ = 1;
const MLP = 2;
const MOE = 3;
const ELEMENTWISE = 4;
const FINAL_NORM = 5;
const EMBEDDING = 6;
const ALL_REDUCE = 7;
const TOKEN_PARTS = 8;
const LM_HEAD = 0;
const SAMPLER = 1;
const LOGIT_PARTS = 2;
/** Counts past this are priced directly rather than memoised (bounds the memo's memory). */
const MEMO_LIMIT = 1 << 16;

/** Head dimension the tile constant of attention is quoted at. */
const REFERENCE_HEAD_DIM = 128;

/** Roofline cost model over the catalog's peaks; see the module comment. */
export class AnalyticalCostModel implements CostModel {
  readonly kind = 'analytical';
  private readonly model: ModelSpec;
  private readonly stepOverheadS: number;
  private readonly activationBytes: number;
  private readonly weightBytes: number;
  private readonly kvBytes: number;
  private readonly gemm: GemmConstants;
  private readonly attention: AttentionConstants;
  private readonly streaming: Readonly<Record<StreamingKernelKind, StreamingConstants>>;
  private readonly link: LinkModel;
  private readonly rankShapes = new Map<number, RankShape>();
  /** Reused by `predict` so a step allocates nothing but its result. */
  private readonly attentionScratch: MutableAttentionWork = emptyAttentionWork();
  /** Memoised token-count costs per TP degree (`TOKEN_PARTS` entries per count, NaN = not yet). */
  private readonly tokenCostTables = new Map<number, Float64Array>();
  /** Memoised LM head and sampler costs per TP degree, by sequences with logits. */
  private readonly logitCostTables = new Map<number, Float64Array>();
  private readonly tokenScratch = new Float64Array(TOKEN_PARTS);
  private readonly logitScratch = new Float64Array(LOGIT_PARTS);

  constructor(options: AnalyticalCostModelOptions) {
    const { model, hardware, precision, calibration } = options;
    this.model = model;
    this.stepOverheadS = calibration.stepOverheadS;
    this.activationBytes = bytesPerElement(precision.activationDtype);
    this.weightBytes = bytesPerElement(precision.weightDtype);
    this.kvBytes = bytesPerElement(precision.kvCacheDtype);
    const bandwidth = hardware.memoryBandwidthBytesPerS;
    const sixteenBitPeak = hardware.peakFlopsPerS[precision.activationDtype];
    this.gemm = gemmConstantsOf(calibration, gemmPeakFlopsPerS(hardware, precision), bandwidth);
    this.streaming = streamingConstantsOf(calibration, bandwidth);
    this.attention = attentionConstantsOf(calibration, sixteenBitPeak, bandwidth);
    this.link = linkModelOf(
      hardware,
      calibration.collectiveBandwidthEfficiency,
      calibration.collectiveLatencyS,
    );
  }

  /** FLOPs and bytes of every operator of a step on one GPU. */
  work(batch: BatchShape, parallel: ParallelConfig): StepWork {
    const model = this.model;
    const rank = this.rankShape(parallel.tp);
    const tokens = batch.prefillTokens + batch.decodeSequences;
    const logits = logitSequences(batch);
    const h = model.hiddenSize;
    const ab = this.activationBytes;
    const moe = model.moe;

    let mlpGateUp: OperatorWork;
    let mlpDown: OperatorWork;
    let moeRouter = NO_WORK;
    let moeExperts = NO_WORK;
    if (moe) {
      mlpGateUp = this.gemmWork(tokens, h, 2 * rank.sharedIntermediate);
      mlpDown = this.gemmWork(tokens, rank.sharedIntermediate, h);
      moeRouter = this.gemmWork(tokens, h, moe.numExperts);
      moeExperts = this.moeExpertWork(tokens, rank);
    } else {
      mlpGateUp = this.gemmWork(tokens, h, 2 * rank.intermediate);
      mlpDown = this.gemmWork(tokens, rank.intermediate, h);
    }
    const attention = this.attentionWork(batch, rank, emptyAttentionWork());
    return {
      layer: {
        qkvProj: this.gemmWork(tokens, h, rank.qkvOut),
        oProj: this.gemmWork(tokens, rank.headsPerRank * model.headDim, h),
        mlpGateUp,
        mlpDown,
        moeRouter,
        moeExperts,
        attentionPrefill: { flops: attention.prefillFlops, bytes: attention.prefillBytes },
        attentionDecode: {
          flops: batch.decodeKvTokens * rank.attentionFlopsPerPair,
          bytes: attention.decodeBytes,
        },
        normBytes: this.normBytes(tokens),
        ropeBytes: this.ropeBytes(tokens, rank),
        activationBytes: this.activationKernelBytes(tokens, rank),
        allReduceBytes: parallel.tp > 1 ? tokens * h * ab : 0,
      },
      layers: model.numLayers,
      embeddingBytes: this.embeddingBytes(tokens),
      finalNormBytes: this.normBytes(tokens),
      lmHead: this.gemmWork(logits, h, rank.vocab),
      logitsGatherBytes: parallel.tp > 1 ? logits * model.vocabSize * ab : 0,
      samplerBytes: this.samplerBytes(logits),
      pipelineHandOffBytes: parallel.pp > 1 ? tokens * h * ab : 0,
    };
  }

  predict(batch: BatchShape, parallel: ParallelConfig): StepCostPrediction {
    const tp = parallel.tp;
    const layers = this.model.numLayers;
    const tokens = batch.prefillTokens + batch.decodeSequences;
    const logits = logitSequences(batch);
    const byTokens = this.memoised(
      this.tokenCostTables,
      this.tokenScratch,
      tp,
      tokens,
      (into, at) => this.fillTokenCosts(into, at, tokens, tp),
    );
    const t = byTokens === this.tokenScratch ? 0 : tokens * TOKEN_PARTS;
    const byLogits = this.memoised(
      this.logitCostTables,
      this.logitScratch,
      tp,
      logits,
      (into, at) => this.fillLogitCosts(into, at, logits, tp),
    );
    const l = byLogits === this.logitScratch ? 0 : logits * LOGIT_PARTS;
    const attention = attentionSeconds(
      this.attentionWork(batch, this.rankShape(tp), this.attentionScratch),
      this.attention,
    );
    const breakdown: Record<string, number> = {
      embedding: byTokens[t + EMBEDDING] as number,
      qkv_proj: (byTokens[t + QKV] as number) * layers,
      attention_prefill: attention.prefillS * layers,
      attention_decode: attention.decodeS * layers,
      o_proj: (byTokens[t + O_PROJ] as number) * layers,
      mlp: (byTokens[t + MLP] as number) * layers,
      moe: (byTokens[t + MOE] as number) * layers,
      elementwise:
        (byTokens[t + ELEMENTWISE] as number) * layers + (byTokens[t + FINAL_NORM] as number),
      all_reduce: (byTokens[t + ALL_REDUCE] as number) * layers,
      lm_head: byLogits[l + LM_HEAD] as number,
      sampler: byLogits[l + SAMPLER] as number,
    };
    let gpuSeconds = 0;
    for (const component in breakdown) gpuSeconds += breakdown[component] as number;
    const handOffBytes =
      parallel.pp > 1 ? tokens * this.model.hiddenSize * this.activationBytes : 0;
    const handOff = sendReceiveSeconds(handOffBytes, this.link) * (parallel.pp - 1);
    breakdown.pipeline_p2p = handOff;
    const overheadSeconds = this.stepOverheadS;
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

  /**
   * The memo table of `tables` for `tp` with the `parts` entries of `count` filled at
   * `count · parts`. Steps repeat the same token and sequence counts over and over, so most steps
   * price their GEMMs and memory-bound kernels with array reads. A count that is not a small
   * integer is priced into `scratch` at index 0 instead (callers check which table they got).
   */
  private memoised(
    tables: Map<number, Float64Array>,
    scratch: Float64Array,
    tp: number,
    count: number,
    fill: (into: Float64Array, at: number) => void,
  ): Float64Array {
    const parts = scratch.length;
    if (!Number.isInteger(count) || count < 0 || count >= MEMO_LIMIT) {
      fill(scratch, 0);
      return scratch;
    }
    let table = tables.get(tp);
    const at = count * parts;
    if (!table || at >= table.length) {
      const counts = Math.min(MEMO_LIMIT, Math.max(256, 2 * (count + 1)));
      const grown = new Float64Array(counts * parts).fill(Number.NaN);
      if (table) grown.set(table);
      table = grown;
      tables.set(tp, table);
    }
    if (Number.isNaN(table[at] as number)) fill(table, at);
    return table;
  }

  /** Per-layer (and per-step) seconds of everything that depends only on the token count. */
  private fillTokenCosts(into: Float64Array, at: number, tokens: number, tp: number): void {
    const model = this.model;
    const rank = this.rankShape(tp);
    const streaming = this.streaming;
    const h = model.hiddenSize;
    let mlp: number;
    let moeSeconds = 0;
    const moe = model.moe;
    if (moe) {
      mlp =
        this.gemmTime(tokens, h, 2 * rank.sharedIntermediate) +
        this.gemmTime(tokens, rank.sharedIntermediate, h);
      const experts = this.moeExpertWork(tokens, rank);
      moeSeconds =
        this.gemmTime(tokens, h, moe.numExperts) +
        gemmSeconds(experts.flops, experts.bytes, this.gemm);
    } else {
      mlp =
        this.gemmTime(tokens, h, 2 * rank.intermediate) +
        this.gemmTime(tokens, rank.intermediate, h);
    }
    const norm = streamingSeconds(this.normBytes(tokens), streaming.norm);
    const allReduceBytes = tp > 1 ? tokens * h * this.activationBytes : 0;
    into[at + QKV] = this.gemmTime(tokens, h, rank.qkvOut);
    into[at + O_PROJ] = this.gemmTime(tokens, rank.headsPerRank * model.headDim, h);
    into[at + MLP] = mlp;
    into[at + MOE] = moeSeconds;
    into[at + ELEMENTWISE] =
      2 * norm +
      streamingSeconds(this.ropeBytes(tokens, rank), streaming.rope) +
      streamingSeconds(this.activationKernelBytes(tokens, rank), streaming.activation);
    into[at + FINAL_NORM] = norm;
    into[at + EMBEDDING] = streamingSeconds(this.embeddingBytes(tokens), streaming.embedding);
    // Two all-reduces per layer: after attention and after the feed-forward block.
    into[at + ALL_REDUCE] = 2 * ringAllReduceSeconds(allReduceBytes, tp, this.link);
  }

  /** Seconds of the LM head (with the logits gather) and the sampler for `logits` sequences. */
  private fillLogitCosts(into: Float64Array, at: number, logits: number, tp: number): void {
    const model = this.model;
    const gatherBytes = tp > 1 ? logits * model.vocabSize * this.activationBytes : 0;
    into[at + LM_HEAD] =
      this.gemmTime(logits, model.hiddenSize, this.rankShape(tp).vocab) +
      ringAllGatherSeconds(gatherBytes, tp, this.link);
    into[at + SAMPLER] = streamingSeconds(this.samplerBytes(logits), this.streaming.sampler);
  }

  /**
   * How one operator of an operator profile is priced at `count` tokens (or sequences for
   * `lm_head` and `sampler`) on one GPU at `tp`, per call; undefined for operators this model
   * does not price on their own (the dense MLP operators of an MoE model without shared experts).
   */
  operatorCost(
    name: TokenOperatorName | SequenceOperatorName,
    count: number,
    tp: number,
  ): OperatorCost | undefined {
    const model = this.model;
    const rank = this.rankShape(tp);
    const h = model.hiddenSize;
    const d = model.headDim;
    const gemm = (k: number, n: number): OperatorCost => ({
      kind: 'gemm',
      ...this.gemmWork(count, k, n),
    });
    const stream = (kernel: StreamingKernelKind, bytes: number): OperatorCost => ({
      kind: 'streaming',
      kernel,
      bytes,
    });
    const mlpIntermediate = model.moe ? rank.sharedIntermediate : rank.intermediate;
    switch (name) {
      case 'embedding':
        return stream('embedding', this.embeddingBytes(count));
      case 'input_layernorm':
      case 'post_attention_layernorm':
      case 'final_layernorm':
        return stream('norm', this.normBytes(count));
      case 'rotary_emb':
        return stream('rope', this.ropeBytes(count, rank));
      case 'qk_norm':
        // Per-head RMSNorm of q and k (Qwen3): reads and writes both.
        return stream('qk_norm', this.ropeBytes(count, rank));
      case 'residual_add':
        return stream('residual_add', 3 * count * h * this.activationBytes);
      case 'act_fn':
        return mlpIntermediate > 0
          ? stream('activation', this.activationKernelBytes(count, rank))
          : undefined;
      case 'qkv_proj':
        return gemm(h, rank.qkvOut);
      case 'q_proj':
        return gemm(h, rank.headsPerRank * d);
      case 'k_proj':
      case 'v_proj':
        return gemm(h, rank.kvHeadsPerRank * d);
      case 'o_proj':
        return gemm(rank.headsPerRank * d, h);
      case 'gate_up_proj':
        return mlpIntermediate > 0 ? gemm(h, 2 * mlpIntermediate) : undefined;
      case 'gate_proj':
      case 'up_proj':
        return mlpIntermediate > 0 ? gemm(h, mlpIntermediate) : undefined;
      case 'down_proj':
        return mlpIntermediate > 0 ? gemm(mlpIntermediate, h) : undefined;
      case 'lm_head':
        return gemm(h, rank.vocab);
      case 'sampler':
        return stream('sampler', this.samplerBytes(count));
      default:
        return undefined;
    }
  }

  /** Seconds of one call of a profiled operator (see `operatorCost`). */
  operatorSeconds(
    name: TokenOperatorName | SequenceOperatorName,
    count: number,
    tp: number,
  ): number | undefined {
    const cost = this.operatorCost(name, count, tp);
    if (!cost) return undefined;
    return cost.kind === 'gemm'
      ? gemmSeconds(cost.flops, cost.bytes, this.gemm)
      : streamingSeconds(cost.bytes, this.streaming[cost.kernel]);
  }

  /**
   * Work of one attention layer of `batch` at `tp`, in the terms of the attention formula;
   * `decodesInPrefillKernel` for measurements of FlashAttention's varlen kernel alone.
   */
  attentionWorkOf(batch: BatchShape, tp: number, decodesInPrefillKernel = false): AttentionWork {
    const work = this.attentionWork(batch, this.rankShape(tp), emptyAttentionWork());
    work.decodesInPrefillKernel = decodesInPrefillKernel;
    return work;
  }

  /** Seconds of one attention layer (prefill and decode parts together) of `batch` at `tp`. */
  attentionLayerSeconds(batch: BatchShape, tp: number, decodesInPrefillKernel = false): number {
    const seconds = attentionSeconds(
      this.attentionWorkOf(batch, tp, decodesInPrefillKernel),
      this.attention,
    );
    return seconds.prefillS + seconds.decodeS;
  }

  private attentionWork(
    batch: BatchShape,
    rank: RankShape,
    into: MutableAttentionWork,
  ): MutableAttentionWork {
    const headDimScale = this.model.headDim / REFERENCE_HEAD_DIM;
    const kvPerToken = rank.kvBytesPerToken;
    const qoPerToken = rank.queryOutputBytesPerToken;
    const decodes = batch.decodeSequences;
    into.prefillFlops = rank.attentionFlopsPerPair * batch.prefillAttentionPairs;
    // Reads the KV of the context, writes the chunk's new KV, reads queries and writes outputs.
    into.prefillBytes =
      batch.prefillKvTokens * kvPerToken + batch.prefillTokens * (qoPerToken + kvPerToken);
    into.prefillTileKeys =
      batch.prefillSequences > 0
        ? (batch.prefillKvTokens / batch.prefillSequences) * headDimScale
        : 0;
    into.decodeBytes = batch.decodeKvTokens * kvPerToken + decodes * (qoPerToken + kvPerToken);
    into.decodeSequences = decodes;
    into.decodeTileKeys = decodes > 0 ? (batch.decodeKvTokens / decodes) * headDimScale : 0;
    into.decodeTiles = decodes * rank.headsPerRank;
    into.queryHeadsPerKvHead = rank.headsPerRank / rank.kvHeadsPerRank;
    return into;
  }

  /** A (tokens × k)·(k × n) GEMM with weights in the weight dtype. */
  private gemmWork(tokens: number, k: number, n: number): OperatorWork {
    if (tokens <= 0 || n <= 0) return NO_WORK;
    return {
      flops: 2 * tokens * k * n,
      bytes: k * n * this.weightBytes + tokens * (k + n) * this.activationBytes,
    };
  }

  /** Seconds of a (tokens × k)·(k × n) GEMM, without allocating its work. */
  private gemmTime(tokens: number, k: number, n: number): number {
    if (tokens <= 0 || n <= 0) return 0;
    return gemmSeconds(
      2 * tokens * k * n,
      k * n * this.weightBytes + tokens * (k + n) * this.activationBytes,
      this.gemm,
    );
  }

  private moeExpertWork(tokens: number, rank: RankShape): OperatorWork {
    const moe = this.model.moe;
    if (!moe || tokens <= 0) return NO_WORK;
    const h = this.model.hiddenSize;
    // Uniform routing: the batch touches E·(1 − (1 − k/E)^T) distinct experts.
    const touched = moe.numExperts * (1 - (1 - moe.numExpertsPerToken / moe.numExperts) ** tokens);
    const expertWeights = 3 * h * rank.expertIntermediate;
    return {
      flops: 2 * tokens * moe.numExpertsPerToken * expertWeights,
      bytes:
        touched * expertWeights * this.weightBytes +
        tokens *
          moe.numExpertsPerToken *
          (2 * h + 3 * rank.expertIntermediate) *
          this.activationBytes,
    };
  }

  /** Fused residual-add + RMSNorm: reads x and the residual, writes both. */
  private normBytes(tokens: number): number {
    return 4 * tokens * this.model.hiddenSize * this.activationBytes;
  }

  /** RoPE reads and writes q and k. */
  private ropeBytes(tokens: number, rank: RankShape): number {
    return (
      2 *
      tokens *
      (rank.headsPerRank + rank.kvHeadsPerRank) *
      this.model.headDim *
      this.activationBytes
    );
  }

  /** The gated activation reads gate and up (2I) and writes I; MoE layers also per expert. */
  private activationKernelBytes(tokens: number, rank: RankShape): number {
    const moe = this.model.moe;
    const elements = moe
      ? tokens *
        (moe.numExpertsPerToken * 3 * rank.expertIntermediate + 3 * rank.sharedIntermediate)
      : tokens * 3 * rank.intermediate;
    return elements * this.activationBytes;
  }

  /** The embedding gathers one row per token and writes it. */
  private embeddingBytes(tokens: number): number {
    return 2 * tokens * this.model.hiddenSize * this.activationBytes;
  }

  /** The sampler reads fp32 logits twice (softmax and top-p/top-k filtering, then the draw). */
  private samplerBytes(sequences: number): number {
    return 2 * sequences * this.model.vocabSize * 4;
  }

  private rankShape(tp: number): RankShape {
    const cached = this.rankShapes.get(tp);
    if (cached) return cached;
    const model = this.model;
    const headsPerRank = model.numAttentionHeads / tp;
    const kvHeadsPerRank = Math.max(1, model.numKeyValueHeads / tp);
    const d = model.headDim;
    const shape: RankShape = {
      headsPerRank,
      kvHeadsPerRank,
      qkvOut: (headsPerRank + 2 * kvHeadsPerRank) * d,
      intermediate: model.intermediateSize / tp,
      expertIntermediate: (model.moe?.expertIntermediateSize ?? 0) / tp,
      sharedIntermediate:
        ((model.moe?.sharedExpertIntermediateSize ?? 0) * (model.moe?.numSharedExperts ?? 0)) / tp,
      vocab: model.vocabSize / tp,
      kvBytesPerToken: 2 * kvHeadsPerRank * d * this.kvBytes,
      queryOutputBytesPerToken: 2 * headsPerRank * d * this.activationBytes,
      // Causal attention: QKᵀ and PV each cost 2·d FLOPs per query–key pair per head.
      attentionFlopsPerPair: 4 * headsPerRank * d,
    };
    this.rankShapes.set(tp, shape);
    return shape;
  }
}

/**
 * Sequences whose logits a step computes: vLLM V1 runs the LM head (and the sampler) on the last
 * scheduled token of every request in the batch, partial prefill chunks included.
 */
function logitSequences(batch: BatchShape): number {
  return batch.decodeSequences + batch.prefillSequences;
}

type MutableAttentionWork = { -readonly [K in keyof AttentionWork]: AttentionWork[K] };

function emptyAttentionWork(): MutableAttentionWork {
  return {
    prefillFlops: 0,
    prefillBytes: 0,
    prefillTileKeys: 0,
    decodeBytes: 0,
    decodeSequences: 0,
    decodeTileKeys: 0,
    decodeTiles: 0,
    queryHeadsPerKvHead: 1,
    decodesInPrefillKernel: false,
  };
}

/** Attention rates of a calibration; without a fitted attention block, the plain roofline. */
export function attentionConstantsOf(
  calibration: AnalyticalCalibration,
  peakFlopsPerS: number,
  bandwidthBytesPerS: number,
): AttentionConstants {
  const fitted = calibration.attention;
  if (!fitted) {
    return {
      prefillFlopsPerS: peakFlopsPerS * calibration.computeEfficiency,
      decodeBytesPerS: bandwidthBytesPerS * calibration.memoryEfficiency,
      secondsPerTileKey: 0,
      decodeSequenceS: 0,
      mixedDecodeBytesPerS: undefined,
      concurrentTiles: 1,
      floorS: 0,
    };
  }
  const tiles = fitted.tiles;
  return {
    prefillFlopsPerS: peakFlopsPerS * fitted.prefillComputeEfficiency,
    decodeBytesPerS: bandwidthBytesPerS * fitted.decodeMemoryEfficiency,
    secondsPerTileKey: tiles
      ? (TILE_FLOPS_PER_KEY * tiles.concurrentTiles) / (peakFlopsPerS * tiles.computeEfficiency)
      : 0,
    decodeSequenceS: fitted.decodeSequenceS,
    mixedDecodeBytesPerS: tiles
      ? bandwidthBytesPerS * tiles.mixedDecodeMemoryEfficiency
      : undefined,
    concurrentTiles: tiles?.concurrentTiles ?? 1,
    floorS: fitted.floorS,
  };
}

/** GEMM rates of a calibration at a GPU's peak FLOP/s (of the GEMM dtype) and bandwidth. */
export function gemmConstantsOf(
  calibration: AnalyticalCalibration,
  peakFlopsPerS: number,
  bandwidthBytesPerS: number,
): GemmConstants {
  return {
    flopsPerS: peakFlopsPerS * calibration.computeEfficiency,
    bytesPerS: bandwidthBytesPerS * calibration.memoryEfficiency,
    sharpness: calibration.gemmSharpness ?? Number.POSITIVE_INFINITY,
    floorS: calibration.gemmFloorS ?? 0,
  };
}

/** Memory-bound kernel rates of a calibration; a kind it does not fit streams at `memoryEfficiency`. */
export function streamingConstantsOf(
  calibration: AnalyticalCalibration,
  bandwidthBytesPerS: number,
): Readonly<Record<StreamingKernelKind, StreamingConstants>> {
  const streaming = {} as Record<StreamingKernelKind, StreamingConstants>;
  for (const kind of STREAMING_KERNEL_KINDS) {
    const fitted = calibration.streaming?.[kind];
    streaming[kind] = {
      bytesPerS: bandwidthBytesPerS * (fitted?.bandwidthEfficiency ?? calibration.memoryEfficiency),
      floorS: fitted?.floorS ?? 0,
    };
  }
  return streaming;
}

/** Peak FLOP/s of GEMMs: FP8 math where weights are FP8 and the GPU has FP8 units. */
export function gemmPeakFlopsPerS(hardware: HardwareSpec, precision: PrecisionConfig): number {
  const fp8Peak = hardware.peakFlopsPerS.fp8;
  // FP8 weights on a GPU without FP8 units run weight-only: 8-bit loads, 16-bit math.
  return precision.weightDtype === 'fp8' && fp8Peak !== null
    ? fp8Peak
    : hardware.peakFlopsPerS[precision.activationDtype];
}
