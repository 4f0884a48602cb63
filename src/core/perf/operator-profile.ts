/**
 * @module Measured operator timings of one model on one GPU at one tensor-parallel degree and dtype
 * (format `llmservingsim-profile/1`, documented in docs/PROFILES.md). The profile-backed cost
 * model interpolates them; the calibration of the analytical model fits to them.
 */

/** Name of the on-disk format; bumped on an incompatible change. */
export const PROFILE_FORMAT = 'llmservingsim-profile/1';

/**
 * Canonical operator names. Token operators run once per decoder layer (`layer`) or once per step
 * (`step`) and scale with the tokens of the step; sequence operators scale with the sequences that
 * sample a token.
 */
export type TokenOperatorName =
  | 'embedding'
  | 'input_layernorm'
  | 'qkv_proj'
  | 'q_proj'
  | 'k_proj'
  | 'v_proj'
  | 'qk_norm'
  | 'rotary_emb'
  | 'o_proj'
  | 'post_attention_layernorm'
  | 'gate_up_proj'
  | 'gate_proj'
  | 'up_proj'
  | 'act_fn'
  | 'down_proj'
  | 'residual_add'
  | 'final_layernorm';

export type SequenceOperatorName = 'lm_head' | 'sampler';

/** A 1-D timing curve: `timesUs[i]` is the median time at `points[i]` (strictly increasing). */
export interface TimingCurve {
  readonly points: readonly number[];
  readonly timesUs: readonly number[];
}

export interface TokenOperatorTiming extends TimingCurve {
  readonly name: TokenOperatorName;
  /** `layer`: runs in every decoder layer, `step`: once per step (embedding, final norm). */
  readonly scope: 'layer' | 'step';
  /** Times it runs per layer (or per step) with this measurement, e.g. 2 for a shared layernorm. */
  readonly count: number;
}

export interface SequenceOperatorTiming extends TimingCurve {
  readonly name: SequenceOperatorName;
}

/**
 * One attention layer's time for a mixed batch: summed prefill chunk tokens, their summed prior KV
 * tokens, decode sequences and their mean KV length before the step (excluding the step's own token).
 */
export type AttentionSample = readonly [
  prefillChunk: number,
  kvPrefill: number,
  nDecode: number,
  kvDecode: number,
  timeUs: number,
];

/** One MoE layer's routed-expert time by tokens and distinct experts activated. */
export type MoeSample = readonly [tokens: number, activatedExperts: number, timeUs: number];

/** Where the numbers came from. */
export interface ProfileSource {
  /** Dataset and version, e.g. `LLMServingSim profiles-vllm019 (casys-kaist/LLMServingSim @ 5daddb2)`. */
  readonly dataset: string;
  /** File(s) inside the dataset. */
  readonly path: string;
  readonly licence: string;
  /** Measurement conditions that matter (framework, eager vs graphs, emulated TP, …). */
  readonly note: string;
}

/** Measured timings of one GPU × model × TP × dtype. All times in microseconds. */
export interface OperatorProfile {
  readonly format: typeof PROFILE_FORMAT;
  /** Hardware catalog name, e.g. `RTXPRO6000`. */
  readonly hardware: string;
  /** Hugging Face id of the profiled architecture. */
  readonly model: string;
  readonly dtype: 'bf16' | 'fp16' | 'fp8';
  readonly tp: number;
  /** Framework that ran the operators, e.g. `vLLM 0.19.0 (eager)`. */
  readonly framework: string;
  readonly source: ProfileSource;
  readonly tokenOperators: readonly TokenOperatorTiming[];
  readonly sequenceOperators: readonly SequenceOperatorTiming[];
  /** Absent when the source did not measure attention (the cost model then falls back). */
  readonly attention?: readonly AttentionSample[];
  readonly moe?: readonly MoeSample[];
}

/** Measured collective times of one GPU's interconnect. */
export interface CollectiveProfile {
  readonly format: typeof PROFILE_FORMAT;
  readonly hardware: string;
  /** Topology the numbers hold for, e.g. `dgx-nvswitch` or `pairwise-nvlink`. */
  readonly topology: string;
  readonly source: ProfileSource;
  /** By number of GPUs: median time of an all-reduce of `points[i]` bytes. */
  readonly allReduce: readonly (TimingCurve & { readonly gpus: number })[];
  /** By number of GPUs (2): point-to-point send/receive of `points[i]` bytes. */
  readonly sendRecv: readonly (TimingCurve & { readonly gpus: number })[];
}

/**
 * The deterministic 80/20 split every fit and every held-out measurement share: a sample is held
 * out when the FNV-1a hash of its key (operator name and coordinates) falls in the last fifth.
 */
export function isHeldOut(key: string): boolean {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 5 === 4;
}

/** The key `isHeldOut` hashes for one sample of a profile: which table and where in it. */
export function sampleKey(
  profile: Pick<OperatorProfile, 'hardware' | 'model' | 'tp' | 'dtype'>,
  table: string,
  coordinates: readonly number[],
): string {
  return `${profile.hardware}/${profile.model}/${profile.dtype}/tp${profile.tp}/${table}/${coordinates.join(',')}`;
}
