/**
 * @module The profile-backed cost model: a step's time is the sum of measured operator times,
 * interpolated from an operator profile of the same model, GPU and tensor-parallel degree, with
 * a fallback cost model (the analytical one) for every part the profile does not measure.
 *
 * Mapping of a `BatchShape` onto the profile's coordinates:
 * - token operators at T = prefill tokens + decode sequences, times `count`, times the number of
 *   layers for per-layer operators;
 * - `lm_head` and `sampler` at every scheduled sequence (prefill and decode): vLLM V1 computes
 *   logits for each request's last scheduled token, including partial prefill chunks whose sample
 *   it then discards (the profiler measured them the same way, one token per request);
 * - attention per layer at (prefill tokens, their prior KV tokens, decode sequences, mean prior KV
 *   of the decodes). The profiler's decode KV is the history a decode attends to before its own
 *   token, so it is `decodeKvTokens / decodeSequences − 1` (a `BatchShape` counts the new token).
 *   The profiler ran one prefill sequence per row; for several, the summed coordinates are looked
 *   up and scaled by the ratio of query–key pairs (see `prefillAttentionScaling`);
 * - MoE per layer at (T, expected distinct experts under uniform routing, E·(1 − (1 − k/E)^T)),
 *   the assumption the analytical model makes too.
 * The profiler emulates tensor parallelism on one GPU, so collectives are added here: two
 * all-reduces of T × hidden activations per layer, the logits gather of the LM head, and the
 * pipeline hand-off, from a collective profile when one is given, else from the fallback. The
 * per-step CPU overhead is always the fallback's, so both models share one calibrated overhead.
 */

import type { AttentionSplit } from './attention-table.js';
import { type LinkModel, ringAllGatherSeconds } from './collective.js';
import type { BatchShape, CostModel, ParallelConfig, StepCostPrediction } from './cost-model.js';
import { type InterpolationScale, TimingCurveInterpolator } from './interpolation.js';
import type { ModelSpec } from './model-spec.js';
import type { CollectiveProfile, OperatorProfile } from './operator-profile.js';
import {
  buildProfileTables,
  DEFAULT_CURVE_SCALE,
  type ProfileSplit,
  type ProfileTables,
} from './profile-tables.js';

const MICROSECOND = 1e-6;
/** Largest coordinate whose curve sum is precomputed (token budgets rarely exceed it). */
const MAX_TABULATED = 65536;

/** Where one breakdown component came from. */
export type ComponentSource =
  | 'profile'
  | 'collective-profile'
  | 'link-model'
  | 'fallback'
  /** Nothing to price (e.g. all-reduce at TP 1), or no source could price it. */
  | 'none';

/** A prediction with the origin of each component. */
export interface ExplainedPrediction {
  readonly prediction: StepCostPrediction;
  readonly sources: Readonly<Record<string, ComponentSource>>;
  /**
   * Share of the step's GPU time (everything but the CPU overhead) that came from measurements
   * (the operator profile or the collective profile), 0–1.
   */
  readonly measuredFraction: number;
}

export interface ProfileCostModelOptions {
  readonly profile: OperatorProfile;
  readonly model: ModelSpec;
  /** Prices what the profile does not measure, and supplies the per-step overhead. */
  readonly fallback: CostModel;
  /** Measured collectives of the GPU's interconnect. */
  readonly collectives?: CollectiveProfile;
  /**
   * Link model for the logits gather when there is no collective profile (the fallback cannot
   * price it apart from its own LM head). Without either, the gather is left out.
   */
  readonly link?: LinkModel;
  /** Bytes of one activation element handed between GPUs (16-bit activations by default). */
  readonly activationBytes?: number;
  /** Samples the interpolators see; `all` for simulation. */
  readonly split?: ProfileSplit;
  readonly scale?: InterpolationScale;
  /**
   * How a step with several prefill sequences is priced from a table measured with one:
   * `pairs` (default) scales the one-sequence time at the summed coordinates by the ratio of the
   * batch's query–key pairs to that sequence's, never below the table's smallest prefill time;
   * `sum` uses the summed coordinates as they are (LLMServingSim's convention).
   */
  readonly prefillAttentionScaling?: 'pairs' | 'sum';
}

/** Breakdown components priced from token-operator curves, and where each operator belongs. */
const TOKEN_COMPONENTS = ['embedding', 'qkv_proj', 'o_proj', 'mlp', 'elementwise'] as const;
type TokenComponent = (typeof TOKEN_COMPONENTS)[number];

/** The component of an operator; norms, RoPE, activation and anything unnamed are elementwise. */
function componentOf(name: string): TokenComponent {
  switch (name) {
    case 'embedding':
      return 'embedding';
    case 'qkv_proj':
    case 'q_proj':
    case 'k_proj':
    case 'v_proj':
      return 'qkv_proj';
    case 'o_proj':
      return 'o_proj';
    case 'gate_up_proj':
    case 'gate_proj':
    case 'up_proj':
    case 'down_proj':
      return 'mlp';
    default:
      return 'elementwise';
  }
}

/**
 * Sum of weighted curves, tabulated at every integer coordinate the curves measured (steps have
 * integer token and sequence counts, so a step costs one array read); computed directly beyond.
 */
class WeightedCurveSum {
  private readonly curves: readonly TimingCurveInterpolator[];
  private readonly weights: readonly number[];
  /** Seconds at coordinate i (0 at 0). */
  private readonly table: Float64Array;

  constructor(terms: readonly { curve: TimingCurveInterpolator; weight: number }[]) {
    this.curves = terms.map((term) => term.curve);
    this.weights = terms.map((term) => term.weight);
    let largest = 0;
    for (const curve of this.curves) largest = Math.max(largest, curve.range[1]);
    // Capped so that a curve measured at huge coordinates cannot make the table huge.
    this.table = new Float64Array(Math.min(Math.floor(largest), MAX_TABULATED) + 1);
    for (let x = 1; x < this.table.length; x++) this.table[x] = this.direct(x);
  }

  get empty(): boolean {
    return this.curves.length === 0;
  }

  seconds(x: number): number {
    if (x <= 0) return 0;
    if (x < this.table.length && Number.isInteger(x)) return this.table[x] as number;
    return this.direct(x);
  }

  private direct(x: number): number {
    let sumUs = 0;
    for (let i = 0; i < this.curves.length; i++) {
      sumUs += (this.curves[i] as TimingCurveInterpolator).at(x) * (this.weights[i] as number);
    }
    return sumUs * MICROSECOND;
  }
}

/** Curves of a collective by GPU count. */
function collectiveCurves(
  curves: CollectiveProfile['allReduce'] | undefined,
  scale: InterpolationScale,
): Map<number, TimingCurveInterpolator> {
  const byGpus = new Map<number, TimingCurveInterpolator>();
  for (const curve of curves ?? []) {
    byGpus.set(curve.gpus, new TimingCurveInterpolator(curve.points, curve.timesUs, scale));
  }
  return byGpus;
}

/** See the module comment. */
export class ProfileCostModel implements CostModel {
  readonly kind = 'profile';
  readonly profile: OperatorProfile;
  private readonly model: ModelSpec;
  private readonly fallback: CostModel;
  private readonly link: LinkModel | undefined;
  private readonly activationBytes: number;
  private readonly tables: ProfileTables;
  private readonly tokenSums: Readonly<Record<TokenComponent, WeightedCurveSum>>;
  private readonly lmHead: WeightedCurveSum;
  private readonly sampler: WeightedCurveSum;
  private readonly allReduce: Map<number, TimingCurveInterpolator>;
  private readonly sendReceive: Map<number, TimingCurveInterpolator>;
  private readonly attentionSplit: AttentionSplit = { prefillUs: 0, decodeUs: 0 };
  private readonly moeCoordinates = new Float64Array(2);
  private readonly prefillAttentionScaling: 'pairs' | 'sum';

  constructor(options: ProfileCostModelOptions) {
    const { profile, model } = options;
    const scale = options.scale ?? DEFAULT_CURVE_SCALE;
    this.profile = profile;
    this.model = model;
    this.fallback = options.fallback;
    this.link = options.link;
    this.activationBytes = options.activationBytes ?? 2;
    this.prefillAttentionScaling = options.prefillAttentionScaling ?? 'pairs';
    this.tables = buildProfileTables(profile, { split: options.split ?? 'all', scale });
    const terms = new Map<TokenComponent, { curve: TimingCurveInterpolator; weight: number }[]>(
      TOKEN_COMPONENTS.map((component) => [component, []]),
    );
    for (const { timing, curve } of this.tables.tokenOperators) {
      const perStep = timing.scope === 'layer' ? model.numLayers : 1;
      terms.get(componentOf(timing.name))?.push({ curve, weight: timing.count * perStep });
    }
    const sums = {} as Record<TokenComponent, WeightedCurveSum>;
    for (const component of TOKEN_COMPONENTS) {
      sums[component] = new WeightedCurveSum(terms.get(component) ?? []);
    }
    this.tokenSums = sums;
    const sequenceSum = (name: string): WeightedCurveSum =>
      new WeightedCurveSum(
        this.tables.sequenceOperators
          .filter(({ timing }) => timing.name === name)
          .map(({ curve }) => ({ curve, weight: 1 })),
      );
    this.lmHead = sequenceSum('lm_head');
    this.sampler = sequenceSum('sampler');
    this.allReduce = collectiveCurves(options.collectives?.allReduce, scale);
    this.sendReceive = collectiveCurves(options.collectives?.sendRecv, scale);
  }

  predict(batch: BatchShape, parallel: ParallelConfig): StepCostPrediction {
    return this.compute(batch, parallel, undefined);
  }

  /** The prediction, with the source of each breakdown component and the measured share. */
  explain(batch: BatchShape, parallel: ParallelConfig): ExplainedPrediction {
    const sources: Record<string, ComponentSource> = {};
    const prediction = this.compute(batch, parallel, sources);
    let measured = 0;
    let total = 0;
    for (const [component, seconds] of Object.entries(prediction.breakdown)) {
      if (component === 'overhead') continue;
      total += seconds;
      const source = sources[component];
      if (source === 'profile' || source === 'collective-profile') measured += seconds;
    }
    return { prediction, sources, measuredFraction: total > 0 ? measured / total : 1 };
  }

  private compute(
    batch: BatchShape,
    parallel: ParallelConfig,
    sources: Record<string, ComponentSource> | undefined,
  ): StepCostPrediction {
    if (parallel.tp !== this.profile.tp) {
      throw new RangeError(
        `profile ${this.profile.hardware}/${this.profile.model} is measured at tp=${this.profile.tp}, not tp=${parallel.tp}`,
      );
    }
    const fallback = this.fallback.predict(batch, parallel);
    const fallbackBreakdown = fallback.breakdown;
    const tokens = batch.prefillTokens + batch.decodeSequences;
    const sequences = batch.prefillSequences + batch.decodeSequences;
    const sums = this.tokenSums;
    this.attention(batch);
    const split = this.attentionSplit;
    let lmHead = this.part('lm_head', this.lmHead, sequences, fallbackBreakdown, sources);
    if (!this.lmHead.empty && parallel.tp > 1) {
      lmHead += this.logitsGatherSeconds(sequences, parallel.tp);
    }
    const overheadSeconds = fallback.overheadSeconds;
    if (sources) sources.overhead = 'fallback';
    // One literal with every key, so every prediction's breakdown has the same shape.
    const breakdown = {
      embedding: this.part('embedding', sums.embedding, tokens, fallbackBreakdown, sources),
      qkv_proj: this.part('qkv_proj', sums.qkv_proj, tokens, fallbackBreakdown, sources),
      attention_prefill: this.measuredOr(
        'attention_prefill',
        split.prefillUs,
        fallbackBreakdown,
        sources,
      ),
      attention_decode: this.measuredOr(
        'attention_decode',
        split.decodeUs,
        fallbackBreakdown,
        sources,
      ),
      o_proj: this.part('o_proj', sums.o_proj, tokens, fallbackBreakdown, sources),
      mlp: this.part('mlp', sums.mlp, tokens, fallbackBreakdown, sources),
      moe: this.moe(tokens, fallbackBreakdown, sources),
      elementwise: this.part('elementwise', sums.elementwise, tokens, fallbackBreakdown, sources),
      all_reduce: this.allReduceSeconds(tokens, parallel, fallbackBreakdown, sources),
      lm_head: lmHead,
      sampler: this.part('sampler', this.sampler, sequences, fallbackBreakdown, sources),
      pipeline_p2p: this.handOffSeconds(tokens, parallel, fallbackBreakdown, sources),
      overhead: overheadSeconds,
    };
    const gpuSeconds =
      breakdown.embedding +
      breakdown.qkv_proj +
      breakdown.attention_prefill +
      breakdown.attention_decode +
      breakdown.o_proj +
      breakdown.mlp +
      breakdown.moe +
      breakdown.elementwise +
      breakdown.all_reduce +
      breakdown.lm_head +
      breakdown.sampler;
    // Layers split evenly over the stages; every stage but the last also hands its output on.
    const stageSeconds = (gpuSeconds + breakdown.pipeline_p2p) / parallel.pp;
    return {
      seconds: overheadSeconds + stageSeconds * parallel.pp,
      stageSeconds,
      overheadSeconds,
      breakdown,
    };
  }

  /** A component priced by measured curves at `x`, or the fallback's value when none measured it. */
  private part(
    component: string,
    measured: WeightedCurveSum,
    x: number,
    fallbackBreakdown: Readonly<Record<string, number>>,
    sources: Record<string, ComponentSource> | undefined,
  ): number {
    if (measured.empty) {
      if (sources) sources[component] = 'fallback';
      return fallbackBreakdown[component] ?? 0;
    }
    if (sources) sources[component] = 'profile';
    return measured.seconds(x);
  }

  /** All layers of a per-layer measured time (µs), or the fallback's value when it is unknown. */
  private measuredOr(
    component: string,
    perLayerUs: number,
    fallbackBreakdown: Readonly<Record<string, number>>,
    sources: Record<string, ComponentSource> | undefined,
  ): number {
    if (Number.isNaN(perLayerUs)) {
      if (sources) sources[component] = 'fallback';
      return fallbackBreakdown[component] ?? 0;
    }
    if (sources) sources[component] = 'profile';
    return perLayerUs * this.model.numLayers * MICROSECOND;
  }

  /** Fills `attentionSplit` with one layer's attention parts (µs; NaN = not measured, 0 = none). */
  private attention(batch: BatchShape): void {
    const table = this.tables.attention;
    const split = this.attentionSplit;
    if (!table) {
      split.prefillUs = batch.prefillTokens > 0 ? Number.NaN : 0;
      split.decodeUs = batch.decodeSequences > 0 ? Number.NaN : 0;
      return;
    }
    const chunk = batch.prefillTokens;
    const prior = Math.max(0, batch.prefillKvTokens - chunk);
    const decodes = batch.decodeSequences;
    const meanDecodeHistory = decodes > 0 ? Math.max(0, batch.decodeKvTokens / decodes - 1) : 0;
    table.split(chunk, prior, decodes, meanDecodeHistory, split);
    if (batch.prefillSequences > 1 && this.prefillAttentionScaling === 'pairs') {
      // The table holds one prefill sequence; several shorter ones in a step do fewer query–key
      // pairs than one sequence of their summed length (10 prompts of 200 tokens: a tenth).
      const singleSequencePairs = chunk * (prior + (chunk + 1) / 2);
      const ratio = Math.min(1, batch.prefillAttentionPairs / singleSequencePairs);
      const scaled = split.prefillUs * ratio;
      split.prefillUs = decodes > 0 ? scaled : Math.max(table.prefillFloorUs, scaled);
    }
  }

  private moe(
    tokens: number,
    fallbackBreakdown: Readonly<Record<string, number>>,
    sources: Record<string, ComponentSource> | undefined,
  ): number {
    const moe = this.model.moe;
    const grid = this.tables.moe;
    if (!moe) {
      if (sources) sources.moe = 'none';
      return 0;
    }
    if (!grid) {
      if (sources) sources.moe = 'fallback';
      return fallbackBreakdown.moe ?? 0;
    }
    if (sources) sources.moe = 'profile';
    if (tokens <= 0) return 0;
    const experts = moe.numExperts;
    const coordinates = this.moeCoordinates;
    coordinates[0] = tokens;
    coordinates[1] = experts * (1 - (1 - moe.numExpertsPerToken / experts) ** tokens);
    return grid.at(coordinates) * this.model.numLayers * MICROSECOND;
  }

  /** The two all-reduces per layer (after attention and after the feed-forward block). */
  private allReduceSeconds(
    tokens: number,
    parallel: ParallelConfig,
    fallbackBreakdown: Readonly<Record<string, number>>,
    sources: Record<string, ComponentSource> | undefined,
  ): number {
    if (parallel.tp <= 1 || tokens <= 0) {
      if (sources) sources.all_reduce = 'none';
      return 0;
    }
    const curve = this.allReduce.get(parallel.tp);
    if (curve) {
      if (sources) sources.all_reduce = 'collective-profile';
      const bytes = tokens * this.model.hiddenSize * this.activationBytes;
      return 2 * this.model.numLayers * curve.at(bytes) * MICROSECOND;
    }
    if (sources) sources.all_reduce = 'fallback';
    return fallbackBreakdown.all_reduce ?? 0;
  }

  /**
   * Gathering the vocabulary-sharded logits: a ring all-gather moves half of what a ring
   * all-reduce of the same buffer moves, so it costs half the measured all-reduce.
   */
  private logitsGatherSeconds(sequences: number, tp: number): number {
    const bytes = sequences * this.model.vocabSize * this.activationBytes;
    const curve = this.allReduce.get(tp);
    if (curve) return (curve.at(bytes) / 2) * MICROSECOND;
    if (this.link) return ringAllGatherSeconds(bytes, tp, this.link);
    return 0;
  }

  private handOffSeconds(
    tokens: number,
    parallel: ParallelConfig,
    fallbackBreakdown: Readonly<Record<string, number>>,
    sources: Record<string, ComponentSource> | undefined,
  ): number {
    if (parallel.pp <= 1 || tokens <= 0) {
      if (sources) sources.pipeline_p2p = 'none';
      return 0;
    }
    const curve = this.sendReceive.get(2);
    if (curve) {
      if (sources) sources.pipeline_p2p = 'collective-profile';
      const bytes = tokens * this.model.hiddenSize * this.activationBytes;
      return curve.at(bytes) * MICROSECOND * (parallel.pp - 1);
    }
    if (sources) sources.pipeline_p2p = 'fallback';
    return fallbackBreakdown.pipeline_p2p ?? 0;
  }
}
