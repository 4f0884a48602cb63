/**
 * @module The per-GPU calibration of the analytical cost model: fits its constants, block by block,
 * to the training rows (the 80% side of the shared split) of every operator profile of a GPU,
 * pooled over models and tensor-parallel degrees, and to the GPU's measured all-reduces. What a
 * GPU's data cannot determine (a GPU without profiles, or without attention rows of some kind)
 * takes the median of the GPUs that measured it, chosen by `donor-rule.ts`. Pure: the caller reads
 * the files.
 */

import {
  attentionFields,
  collectiveFields,
  gemmFields,
  streamingFields,
} from '../catalog/analytical-fit-file.js';
import {
  type AnalyticalCalibration,
  AnalyticalCostModel,
  attentionConstantsOf,
  gemmConstantsOf,
  gemmPeakFlopsPerS,
  STREAMING_KERNEL_KINDS,
  type StreamingKernelKind,
  streamingConstantsOf,
} from '../core/perf/analytical-cost-model.js';
import { linkModelOf, ringAllReduceSeconds } from '../core/perf/collective.js';
import {
  type AttentionWork,
  attentionSeconds,
  type GemmConstants,
  gemmSeconds,
  streamingSeconds,
} from '../core/perf/efficiency-curve.js';
import type { HardwareSpec } from '../core/perf/hardware-spec.js';
import type { ModelSpec } from '../core/perf/model-spec.js';
import type {
  CollectiveProfile,
  OperatorProfile,
  SequenceOperatorName,
  TokenOperatorName,
} from '../core/perf/operator-profile.js';
import type { PrecisionConfig } from '../core/perf/precision.js';
import { collectiveRows } from './collective-rows.js';
import { chooseDonors, type DonorRule, type GpuIdentity, median } from './donor-rule.js';
import {
  equalWeightPerGroup,
  fitBlock,
  type ParameterSpec,
  type WeightedRow,
} from './fit-blocks.js';
import { attentionSampleBatch, profileRows } from './profile-rows.js';

const MICRO = 1e-6;

/** An operator profile with the architecture it measured and the file it was read from. */
export interface ProfileInput {
  readonly profile: OperatorProfile;
  readonly model: ModelSpec;
  /** Path relative to the repository, named in the fit's sources. */
  readonly file: string;
  /**
   * `varlen-kernel` when the profile timed FlashAttention's varlen kernel on its own (decodes
   * then ran in the prefill kernel), `engine` when it timed the serving engine's attention layer.
   */
  readonly attentionKernel: 'engine' | 'varlen-kernel';
  /**
   * Whether a training row may be fitted; rows it refuses are still scored on the held-out side.
   * Used for operators a profile timed through a different implementation than serving engines
   * run (see `run-calibration.ts`).
   */
  readonly fitted: (table: string, coordinates: readonly number[]) => boolean;
}

export interface CollectiveInput {
  readonly profile: CollectiveProfile;
  readonly file: string;
}

/** One catalog GPU and its measurements (none for most GPUs). */
export interface GpuInput {
  readonly identity: GpuIdentity;
  readonly hardware: HardwareSpec;
  readonly profiles: readonly ProfileInput[];
  readonly collective?: CollectiveInput;
}

export type BlockName = 'gemm' | 'attention' | 'collective' | `streaming.${StreamingKernelKind}`;

/**
 * Parameters of one block that came from other GPUs, and from which; `starting-value` when no GPU
 * measured them (the search's starting point is kept; the shipped catalog has none such).
 */
export interface DefaultedParameters {
  readonly parameters: readonly string[];
  readonly rule: DonorRule | 'starting-value';
  readonly donors: readonly string[];
}

export interface BlockResult {
  /** Efficiencies as fractions, times in µs, the soft-max exponent and tile count plain. */
  readonly values: Readonly<Record<string, number>>;
  /** Files whose training rows the fitted values came from (empty when nothing was fitted). */
  readonly sources: readonly string[];
  readonly trainingRows: number;
  /** RMS of ln(predicted/measured) over the training rows, weighted; null when not fitted. */
  readonly rmsLogError: number | null;
  readonly defaulted: readonly DefaultedParameters[];
}

export interface GpuFit {
  readonly hardware: string;
  readonly architecture: string;
  readonly blocks: Readonly<Record<BlockName, BlockResult>>;
}

export interface AnalyticalFit {
  /** Every GPU given, sorted by name. */
  readonly gpus: readonly GpuFit[];
  /** A GPU nobody measured, of unknown architecture: every parameter from every fitted GPU. */
  readonly fallback: GpuFit;
}

/** Parameter names and starting points of every block. */
const GEMM_SPECS: readonly ParameterSpec[] = [
  { name: 'computeEfficiency', start: 0.7, lowerBound: 0 },
  { name: 'memoryEfficiency', start: 0.8, lowerBound: 0 },
  { name: 'sharpness', start: 3, lowerBound: 1 },
  { name: 'floorUs', start: 3, lowerBound: 0 },
];
const STREAMING_SPECS: readonly ParameterSpec[] = [
  { name: 'bandwidthEfficiency', start: 0.7, lowerBound: 0 },
  { name: 'floorUs', start: 3, lowerBound: 0 },
];
const ATTENTION_SPECS: readonly ParameterSpec[] = [
  { name: 'prefillComputeEfficiency', start: 0.4, lowerBound: 0 },
  { name: 'decodeMemoryEfficiency', start: 0.8, lowerBound: 0 },
  { name: 'decodeSequenceUs', start: 0.1, lowerBound: 0 },
  { name: 'floorUs', start: 8, lowerBound: 0 },
  { name: 'tileComputeEfficiency', start: 1, lowerBound: 0 },
  { name: 'concurrentTiles', start: 150, lowerBound: 0 },
  { name: 'mixedDecodeMemoryEfficiency', start: 1, lowerBound: 0 },
];
const COLLECTIVE_SPECS: readonly ParameterSpec[] = [
  { name: 'bandwidthEfficiency', start: 0.8, lowerBound: 0 },
  { name: 'callLatencyUs', start: 20, lowerBound: 0 },
];

export const BLOCK_SPECS: Readonly<Record<BlockName, readonly ParameterSpec[]>> = {
  gemm: GEMM_SPECS,
  attention: ATTENTION_SPECS,
  collective: COLLECTIVE_SPECS,
  ...(Object.fromEntries(
    STREAMING_KERNEL_KINDS.map((kind) => [`streaming.${kind}`, STREAMING_SPECS]),
  ) as Record<`streaming.${StreamingKernelKind}`, readonly ParameterSpec[]>),
};

export const BLOCK_NAMES = Object.keys(BLOCK_SPECS).sort() as BlockName[];

/** A calibration with every refinement at its plain value, used to read work off the model. */
const PLAIN: AnalyticalCalibration = {
  computeEfficiency: 1,
  memoryEfficiency: 1,
  collectiveBandwidthEfficiency: 1,
  stepOverheadS: 0,
};

/** The precision a profile was measured at. */
export function precisionOf(dtype: OperatorProfile['dtype']): PrecisionConfig {
  return dtype === 'fp8'
    ? { weightDtype: 'fp8', activationDtype: 'bf16', kvCacheDtype: 'fp8' }
    : { weightDtype: dtype, activationDtype: dtype, kvCacheDtype: dtype };
}

interface GemmFeatures {
  readonly flops: number;
  readonly bytes: number;
  readonly peakFlopsPerS: number;
}
interface StreamingFeatures {
  readonly bytes: number;
}
interface AttentionFeatures {
  readonly work: AttentionWork;
  readonly peakFlopsPerS: number;
}
interface CollectiveFeatures {
  readonly bytes: number;
  readonly gpus: number;
}

/** A block's rows on one GPU and which of its parameters they determine. */
interface BlockData<Features> {
  readonly rows: readonly WeightedRow<Features>[];
  readonly identified: ReadonlySet<string>;
  readonly sources: readonly string[];
  readonly prepare: (values: Readonly<Record<string, number>>) => (features: Features) => number;
}

/** Rows of every block of one GPU, from its training split. */
function blockData(gpu: GpuInput): Partial<Record<BlockName, BlockData<unknown>>> {
  const hardware = gpu.hardware;
  const bandwidth = hardware.memoryBandwidthBytesPerS;
  type Pending<F> = { features: F; measuredS: number; group: string; source: string };
  const gemmRows: Pending<GemmFeatures>[] = [];
  const streamingRows = new Map<StreamingKernelKind, Pending<StreamingFeatures>[]>();
  const attentionRows: Pending<AttentionFeatures>[] = [];
  const attentionKinds = { prefill: false, decode: false, tiled: false };

  for (const input of gpu.profiles) {
    const { profile, model, file } = input;
    const precision = precisionOf(profile.dtype);
    const workModel = new AnalyticalCostModel({ model, hardware, precision, calibration: PLAIN });
    const gemmPeak = gemmPeakFlopsPerS(hardware, precision);
    const attentionPeak = hardware.peakFlopsPerS[precision.activationDtype];
    for (const row of profileRows(profile, 'train')) {
      if (!input.fitted(row.table, row.coordinates)) continue;
      const measuredS = row.measuredUs * MICRO;
      const group = `${file}#${row.table}`;
      if (row.table === 'attention') {
        const batch = attentionSampleBatch(row.coordinates);
        const varlen = input.attentionKernel === 'varlen-kernel';
        const work = workModel.attentionWorkOf(batch, profile.tp, varlen);
        attentionRows.push({
          features: { work, peakFlopsPerS: attentionPeak },
          measuredS,
          group,
          source: file,
        });
        if (batch.decodeSequences > 0 && (batch.prefillTokens > 0 || varlen)) {
          attentionKinds.tiled = true;
        } else if (batch.prefillTokens > 0) attentionKinds.prefill = true;
        else attentionKinds.decode = true;
        continue;
      }
      if (row.table === 'moe') continue;
      const name = row.table as TokenOperatorName | SequenceOperatorName;
      const cost = workModel.operatorCost(name, row.coordinates[0] as number, profile.tp);
      if (!cost) continue;
      if (cost.kind === 'gemm') {
        gemmRows.push({
          features: { flops: cost.flops, bytes: cost.bytes, peakFlopsPerS: gemmPeak },
          measuredS,
          group,
          source: file,
        });
      } else {
        const list = streamingRows.get(cost.kernel) ?? [];
        list.push({ features: { bytes: cost.bytes }, measuredS, group, source: file });
        streamingRows.set(cost.kernel, list);
      }
    }
  }

  const finish = <F>(
    pending: readonly Pending<F>[],
    identified: readonly string[],
    prepare: BlockData<F>['prepare'],
  ): BlockData<F> => {
    const weights = equalWeightPerGroup(pending, (row) => row.group);
    return {
      rows: pending.map((row, index) => ({
        features: row.features,
        measuredS: row.measuredS,
        weight: weights[index] as number,
      })),
      identified: new Set(identified),
      sources: [...new Set(pending.map((row) => row.source))].sort(),
      prepare,
    };
  };

  const blocks: Partial<Record<BlockName, BlockData<unknown>>> = {};
  if (gemmRows.length > 0) {
    blocks.gemm = finish(
      gemmRows,
      GEMM_SPECS.map((spec) => spec.name),
      (values) => {
        const calibration = { ...PLAIN, ...gemmFields(values) };
        const byPeak = new Map<number, GemmConstants>();
        return (features) => {
          let constants = byPeak.get(features.peakFlopsPerS);
          if (!constants) {
            constants = gemmConstantsOf(calibration, features.peakFlopsPerS, bandwidth);
            byPeak.set(features.peakFlopsPerS, constants);
          }
          return gemmSeconds(features.flops, features.bytes, constants);
        };
      },
    ) as BlockData<unknown>;
  }
  for (const kind of STREAMING_KERNEL_KINDS) {
    const rows = streamingRows.get(kind);
    if (!rows) continue;
    blocks[`streaming.${kind}`] = finish(
      rows,
      STREAMING_SPECS.map((spec) => spec.name),
      (values) => {
        const constants = streamingConstantsOf(
          { ...PLAIN, streaming: { [kind]: streamingFields(values) } },
          bandwidth,
        )[kind];
        return (features) => streamingSeconds(features.bytes, constants);
      },
    ) as BlockData<unknown>;
  }
  if (attentionRows.length > 0) {
    const identified = ['floorUs'];
    if (attentionKinds.prefill) identified.push('prefillComputeEfficiency');
    if (attentionKinds.decode) identified.push('decodeMemoryEfficiency', 'decodeSequenceUs');
    if (attentionKinds.tiled) {
      identified.push('tileComputeEfficiency', 'concurrentTiles', 'mixedDecodeMemoryEfficiency');
    }
    blocks.attention = finish(attentionRows, identified, (values) => {
      const calibration = { ...PLAIN, attention: attentionFields(values) };
      const byPeak = new Map<number, ReturnType<typeof attentionConstantsOf>>();
      return (features) => {
        let constants = byPeak.get(features.peakFlopsPerS);
        if (!constants) {
          constants = attentionConstantsOf(calibration, features.peakFlopsPerS, bandwidth);
          byPeak.set(features.peakFlopsPerS, constants);
        }
        const seconds = attentionSeconds(features.work, constants);
        return seconds.prefillS + seconds.decodeS;
      };
    }) as BlockData<unknown>;
  }
  if (gpu.collective) {
    const file = gpu.collective.file;
    const rows = collectiveRows(gpu.collective.profile, 'train').map((row) => ({
      features: { bytes: row.bytes, gpus: row.gpus },
      measuredS: row.measuredUs * MICRO,
      group: `${file}#${row.gpus}`,
      source: file,
    }));
    if (rows.length > 0) {
      blocks.collective = finish<CollectiveFeatures>(
        rows,
        COLLECTIVE_SPECS.map((spec) => spec.name),
        (values) => {
          const fields = collectiveFields(values);
          const link = linkModelOf(
            hardware,
            fields.collectiveBandwidthEfficiency,
            fields.collectiveLatencyS,
          );
          return (features) => ringAllReduceSeconds(features.bytes, features.gpus, link);
        },
      ) as BlockData<unknown>;
    }
  }
  return blocks;
}

/**
 * Fits every block of every GPU. Pass 1 fits each GPU's data with the parameters its data cannot
 * determine held at their starting points; pass 2 replaces those by the donors' medians and
 * refits the rest, so a constant never depends on an arbitrary starting value.
 */
export function fitAnalytical(gpus: readonly GpuInput[]): AnalyticalFit {
  const ordered = [...gpus].sort((a, b) => a.identity.name.localeCompare(b.identity.name));
  const data = new Map(ordered.map((gpu) => [gpu.identity.name, blockData(gpu)]));

  const firstPass = new Map<string, Partial<Record<BlockName, Record<string, number>>>>();
  for (const gpu of ordered) {
    const fits: Partial<Record<BlockName, Record<string, number>>> = {};
    for (const block of BLOCK_NAMES) {
      const blockRows = data.get(gpu.identity.name)?.[block];
      if (!blockRows) continue;
      const fixed = fixedStarts(BLOCK_SPECS[block], blockRows.identified);
      fits[block] = { ...fitBlock({ specs: BLOCK_SPECS[block], fixed, ...blockRows }).values };
    }
    firstPass.set(gpu.identity.name, fits);
  }

  const resolve = (identity: GpuIdentity): GpuFit => {
    const blocks = {} as Record<BlockName, BlockResult>;
    for (const block of BLOCK_NAMES) {
      const blockRows = data.get(identity.name)?.[block];
      const specs = BLOCK_SPECS[block];
      const fixed: Record<string, number> = {};
      const defaulted: DefaultedParameters[] = [];
      for (const spec of specs) {
        if (blockRows?.identified.has(spec.name)) continue;
        const measuredBy = ordered.filter(
          (other) => data.get(other.identity.name)?.[block]?.identified.has(spec.name) === true,
        );
        const choice = chooseDonors(
          identity,
          measuredBy.map((other) => other.identity),
        );
        const rule = choice?.rule ?? 'starting-value';
        const donors = choice?.donors ?? [];
        fixed[spec.name] = choice
          ? median(donors.map((donor) => firstPass.get(donor)?.[block]?.[spec.name] as number))
          : spec.start;
        const same = defaulted.find(
          (entry) => entry.rule === rule && entry.donors.join() === donors.join(),
        );
        if (same) (same.parameters as string[]).push(spec.name);
        else defaulted.push({ parameters: [spec.name], rule, donors });
      }
      if (blockRows) {
        const fit = fitBlock({ specs, fixed, ...blockRows });
        blocks[block] = {
          values: fit.values,
          sources: blockRows.sources,
          trainingRows: fit.rows,
          rmsLogError: fit.rmsLogError,
          defaulted,
        };
      } else {
        blocks[block] = {
          values: fixed,
          sources: [],
          trainingRows: 0,
          rmsLogError: null,
          defaulted,
        };
      }
    }
    return { hardware: identity.name, architecture: identity.architecture, blocks };
  };
  return {
    gpus: ordered.map((gpu) => resolve(gpu.identity)),
    fallback: resolve({ name: '', architecture: '' }),
  };
}

function fixedStarts(
  specs: readonly ParameterSpec[],
  identified: ReadonlySet<string>,
): Record<string, number> {
  const fixed: Record<string, number> = {};
  for (const spec of specs) if (!identified.has(spec.name)) fixed[spec.name] = spec.start;
  return fixed;
}
