/**
 * @module The fitted constants of the analytical cost model and memory model, read from
 * `calibration/analytical.json`, where each value carries the measurement it was derived from;
 * and the measured KV-cache capacities in `calibration/kv-capacity-observations.json` the memory
 * model is checked against; and the per-GPU analytical constants of
 * `calibration/analytical-fit.json` (written by `npm run calibrate`, docs/CALIBRATION.md).
 */

import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  compareKvCapacity,
  type KvCapacityCase,
  type KvCapacityComparison,
  type MemoryReserve,
} from '../core/kv-cache/kv-capacity.js';
import type { AnalyticalCalibration } from '../core/perf/analytical-cost-model.js';
import { isHeldOut } from '../core/perf/operator-profile.js';
import type { PrecisionConfig } from '../core/perf/precision.js';
import { InvalidCatalogFileError } from '../errors.js';
import { calibrationFromBlocks, type FitFile, fitFileSchema } from './analytical-fit-file.js';
import { resolveHardware } from './hardware-catalog.js';
import { resolveModel } from './model-catalog.js';
import { readCatalogFile } from './read-json-file.js';

export const CALIBRATION_PATH = fileURLToPath(
  new URL('./calibration/analytical.json', import.meta.url),
);
const OBSERVATIONS_PATH = fileURLToPath(
  new URL('./calibration/kv-capacity-observations.json', import.meta.url),
);
const ANALYTICAL_FIT_PATH = fileURLToPath(
  new URL('./calibration/analytical-fit.json', import.meta.url),
);
const GIB = 2 ** 30;

const sourcedNumber = z.object({ value: z.number().nonnegative(), source: z.string().min(1) });

const calibrationSchema = z.object({
  computeEfficiency: sourcedNumber,
  memoryEfficiency: sourcedNumber,
  collectiveBandwidthEfficiency: sourcedNumber,
  stepOverheadS: sourcedNumber,
  nonTorchMemoryGiB: sourcedNumber,
  nonTorchMemoryTensorParallelGiB: sourcedNumber,
  samplerBytesPerLogit: sourcedNumber,
  /** Total memory the driver reports, by hardware catalog name. */
  deviceMemoryGiB: z.record(z.string(), sourcedNumber),
});

export interface Calibration {
  readonly analytical: AnalyticalCalibration;
  readonly memoryReserve: MemoryReserve;
  /** Driver-reported total memory per GPU in bytes, by hardware catalog name. */
  readonly deviceMemoryBytes: ReadonlyMap<string, number>;
}

let calibration: Calibration | undefined;

/** The shipped calibration. */
export function loadCalibration(): Calibration {
  if (calibration) return calibration;
  const data = readCatalogFile(CALIBRATION_PATH, calibrationSchema);
  calibration = {
    analytical: {
      computeEfficiency: data.computeEfficiency.value,
      memoryEfficiency: data.memoryEfficiency.value,
      collectiveBandwidthEfficiency: data.collectiveBandwidthEfficiency.value,
      stepOverheadS: data.stepOverheadS.value,
    },
    memoryReserve: {
      nonTorchBytesPerGpu: data.nonTorchMemoryGiB.value * GIB,
      nonTorchBytesPerGpuTensorParallel: data.nonTorchMemoryTensorParallelGiB.value * GIB,
      samplerBytesPerLogit: data.samplerBytesPerLogit.value,
    },
    deviceMemoryBytes: new Map(
      Object.entries(data.deviceMemoryGiB).map(([name, entry]) => [name, entry.value * GIB]),
    ),
  };
  return calibration;
}

let analyticalFits: ReadonlyMap<string, AnalyticalCalibration> | undefined;

/** Forgets the loaded files, so that a calibration script sees what it has just written. */
export function forgetLoadedCalibration(): void {
  calibration = undefined;
  analyticalFits = undefined;
}

/** The per-GPU fits by lower-case hardware name, plus the fallback under `''`. */
function loadAnalyticalFits(): ReadonlyMap<string, AnalyticalCalibration> {
  if (analyticalFits) return analyticalFits;
  const file = readCatalogFile(ANALYTICAL_FIT_PATH, fitFileSchema);
  const stepOverheadS = loadCalibration().analytical.stepOverheadS;
  const calibrationOf = (blocks: FitFile['fallback']['blocks']) =>
    calibrationFromBlocks((block) => {
      const entry = blocks[block];
      if (!entry) throw new InvalidCatalogFileError(ANALYTICAL_FIT_PATH, `no block ${block}`);
      return entry.values;
    }, stepOverheadS);
  const fits = new Map<string, AnalyticalCalibration>();
  for (const [name, entry] of Object.entries(file.gpus)) {
    fits.set(name.toLowerCase(), calibrationOf(entry.blocks));
  }
  fits.set('', calibrationOf(file.fallback.blocks));
  analyticalFits = fits;
  return fits;
}

/**
 * The analytical cost model's constants for a GPU: its entry of `analytical-fit.json` (fitted to
 * its operator profiles, with medians of similar GPUs for what it has no measurements of), or the
 * fallback entry (medians of every fitted GPU) for a GPU the catalog does not know. The per-step
 * CPU overhead is the shared one of `analytical.json` in every case.
 */
export function analyticalCalibrationFor(hardwareName: string): AnalyticalCalibration {
  const fits = loadAnalyticalFits();
  return fits.get(hardwareName.toLowerCase()) ?? (fits.get('') as AnalyticalCalibration);
}

/**
 * The total memory the driver reports for a catalogued GPU (what vLLM's
 * `gpu_memory_utilization` multiplies), when a log has shown it; undefined otherwise.
 */
export function deviceMemoryBytes(hardwareName: string): number | undefined {
  return loadCalibration().deviceMemoryBytes.get(hardwareName);
}

const observationSchema = z.object({
  id: z.string().min(1),
  /** Catalog model whose shape the served checkpoint has. */
  model: z.string().min(1),
  servedModel: z.string().min(1),
  /** Catalog hardware name, or null for a GPU the catalog lacks. */
  hardware: z.string().min(1).nullable(),
  gpu: z.string().min(1),
  vllmVersion: z.string().regex(/^\d+\.\d+\.\d+/),
  settings: z.object({
    tensorParallel: z.number().int().positive(),
    pipelineParallel: z.number().int().positive(),
    gpuMemoryUtilization: z.number().positive().max(1),
    maxNumBatchedTokens: z.number().int().positive(),
    maxNumSeqs: z.number().int().positive(),
    maxModelLen: z.number().int().positive(),
    dtype: z.enum(['bfloat16', 'float16']),
    quantization: z.string().nullable(),
    kvCacheDtype: z.enum(['auto', 'fp8']),
    weightDtype: z.enum(['bf16', 'fp16', 'fp8', 'int4']),
    blockSize: z.number().int().positive(),
    enforceEager: z.boolean(),
  }),
  measured: z.object({
    kvCacheTokens: z.number().int().positive(),
    availableKvCacheGiB: z.number().nonnegative().optional(),
    deviceMemoryGiB: z.number().positive().optional(),
    weightsGiB: z.number().positive().optional(),
    torchPeakIncreaseGiB: z.number().nonnegative().optional(),
    nonTorchIncreaseGiB: z.number().nonnegative().optional(),
  }),
  quotes: z.array(z.string().min(1)).min(1),
  source: z.object({
    url: z.string().url(),
    repository: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    path: z.string().min(1),
    licence: z.string().min(1),
  }),
  unknown: z.array(z.string()),
  notes: z.string(),
});

const observationsFileSchema = z.object({
  format: z.literal('llmservingsim-kv-capacity-observations/1'),
  description: z.string(),
  observations: z.array(observationSchema).min(1),
});

/** One start-up log's KV-cache capacity and the settings it ran with, as stored. */
export type KvCapacityObservation = z.infer<typeof observationSchema>;

/** The measured capacities, as stored (validated). */
export function loadKvCapacityObservations(): readonly KvCapacityObservation[] {
  return readCatalogFile(OBSERVATIONS_PATH, observationsFileSchema).observations;
}

/** The first vLLM version whose memory profiling the model describes. */
const FIRST_MODELLED_VERSION: readonly [number, number] = [0, 10];
/** The last one: 0.21 subtracts estimated CUDA-graph memory by default. */
const LAST_MODELLED_VERSION: readonly [number, number] = [0, 20];

function inModelledVersions(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const atLeast =
    major > FIRST_MODELLED_VERSION[0] ||
    (major === FIRST_MODELLED_VERSION[0] && minor >= FIRST_MODELLED_VERSION[1]);
  const atMost =
    major < LAST_MODELLED_VERSION[0] ||
    (major === LAST_MODELLED_VERSION[0] && minor <= LAST_MODELLED_VERSION[1]);
  return atLeast && atMost;
}

/**
 * An observation helps fit the reserve only when the shared hash split keeps it in the
 * training part, its vLLM version is modelled, and its log prints the memory components.
 */
function roleOf(observation: KvCapacityObservation): KvCapacityCase['role'] {
  const { measured } = observation;
  const hasComponents =
    measured.torchPeakIncreaseGiB !== undefined && measured.nonTorchIncreaseGiB !== undefined;
  const fit =
    !isHeldOut(`kv-capacity/${observation.id}`) &&
    inModelledVersions(observation.vllmVersion) &&
    hasComponents;
  return fit ? 'fit' : 'held-out';
}

function precisionOf(settings: KvCapacityObservation['settings']): PrecisionConfig {
  const activationDtype = settings.dtype === 'bfloat16' ? 'bf16' : 'fp16';
  return {
    weightDtype: settings.weightDtype,
    activationDtype,
    kvCacheDtype: settings.kvCacheDtype === 'fp8' ? 'fp8' : activationDtype,
  };
}

/**
 * The observations as capacity cases: each deployment rebuilt from the catalog model, the
 * observation's settings and the driver-reported memory (from the log, else the calibration).
 */
export function kvCapacityCases(
  observations: readonly KvCapacityObservation[] = loadKvCapacityObservations(),
  reserve: MemoryReserve = loadCalibration().memoryReserve,
): KvCapacityCase[] {
  return observations.map((observation) => {
    const { settings, measured } = observation;
    const deviceMemory =
      measured.deviceMemoryGiB !== undefined
        ? measured.deviceMemoryGiB * GIB
        : observation.hardware === null
          ? undefined
          : deviceMemoryBytes(observation.hardware);
    if (deviceMemory === undefined) {
      throw new InvalidCatalogFileError(
        OBSERVATIONS_PATH,
        `${observation.id}: no device memory in the observation or the calibration`,
      );
    }
    const nominal =
      observation.hardware === null
        ? deviceMemory
        : resolveHardware(observation.hardware).spec.memoryBytes;
    const testCase: KvCapacityCase = {
      id: observation.id,
      role: roleOf(observation),
      inModelledVersions: inModelledVersions(observation.vllmVersion),
      options: {
        model: resolveModel(observation.model).spec,
        precision: precisionOf(settings),
        parallel: { tp: settings.tensorParallel, pp: settings.pipelineParallel },
        memoryBytesPerGpu: nominal,
        deviceMemoryBytesPerGpu: deviceMemory,
        gpuMemoryUtilization: settings.gpuMemoryUtilization,
        blockSize: settings.blockSize,
        maxNumBatchedTokens: settings.maxNumBatchedTokens,
        maxNumSeqs: settings.maxNumSeqs,
        reserve,
      },
      measuredTokens: measured.kvCacheTokens,
      ...(measured.torchPeakIncreaseGiB === undefined
        ? {}
        : { measuredActivationBytesPerGpu: measured.torchPeakIncreaseGiB * GIB }),
      ...(measured.nonTorchIncreaseGiB === undefined
        ? {}
        : { measuredNonTorchBytesPerGpu: measured.nonTorchIncreaseGiB * GIB }),
    };
    return testCase;
  });
}

/** Our KV capacity next to every measured one, with the shipped calibration. */
export function kvCapacityComparison(): KvCapacityComparison[] {
  return compareKvCapacity(kvCapacityCases());
}
