/**
 * @module Resolves engine settings into a deployment: model and hardware from the catalog, the
 * parallel layout, precision, KV-cache capacity, and the engine configuration with vLLM's defaults
 * filled in. Every inconsistency becomes a one-line error that says what to change.
 */

import {
  analyticalCalibrationFor,
  deviceMemoryBytes,
  loadCalibration,
} from '../catalog/calibration-catalog.js';
import { perSequenceStepOverheadS } from '../catalog/engine-overhead-catalog.js';
import { type HardwareEntry, resolveHardware } from '../catalog/hardware-catalog.js';
import { type ModelEntry, resolveModel } from '../catalog/model-catalog.js';
import type { EngineOptions } from '../core/engine/engine.js';
import type { EngineConfig, EngineObserver } from '../core/engine/engine-types.js';
import {
  computeKvCapacity,
  type KvBudgetMemory,
  type KvCapacity,
} from '../core/kv-cache/kv-capacity.js';
import type { CostModel, ParallelConfig } from '../core/perf/cost-model.js';
import type { HardwareSpec } from '../core/perf/hardware-spec.js';
import type { KvCacheDtype, PrecisionConfig, WeightDtype } from '../core/perf/precision.js';
import { SequenceOverheadCostModel } from '../core/perf/sequence-overhead.js';
import { PrefillFirstScheduler } from '../core/scheduler/prefill-first-scheduler.js';
import type { Scheduler } from '../core/scheduler/scheduler.js';
import { VllmV1Scheduler } from '../core/scheduler/vllm-v1-scheduler.js';
import { InsufficientMemoryError, InvalidConfigError } from '../errors.js';
import { type CostModelChoice, chooseCostModel } from './cost-model-choice.js';
import {
  type BatchDefaults,
  type EngineOptionsInput,
  type EngineOptions as EngineSettings,
  engineOptionsSchema,
} from './engine-options.js';
import { type EnginePreset, enginePreset, kvBudgetBytes } from './engine-presets.js';
import { parseWithSchema } from './parse-with-schema.js';

const GIB = 2 ** 30;

/** Everything needed to build an engine for one model instance. */
export interface Deployment {
  /** The settings it was resolved from (defaults filled): resolving them again rebuilds it. */
  readonly settings: EngineSettings;
  readonly model: ModelEntry;
  readonly hardware: HardwareEntry;
  /** The hardware with `--npu-mem` applied. */
  readonly hardwareSpec: HardwareSpec;
  readonly parallel: ParallelConfig;
  /** GPUs of the instance (tp × pp). */
  readonly gpus: number;
  readonly precision: PrecisionConfig;
  readonly gpuMemoryUtilization: number;
  readonly kvCapacity: KvCapacity;
  readonly engineConfig: EngineConfig;
  readonly costModel: CostModel;
  /** Which cost model was chosen and why (logged at start-up and in summaries). */
  readonly costModelChoice: CostModelChoice;
  readonly scheduler: Scheduler;
  /** The serving engine's defaults this deployment follows. */
  readonly enginePreset: EnginePreset;
}

/** Validates settings and builds the deployment. Throws `LlmServingSimError`s on bad input. */
export function resolveDeployment(input: EngineOptionsInput): Deployment {
  const options = parseWithSchema(engineOptionsSchema, input, 'flag');
  const model = resolveModel(options.model);
  const hardware = resolveHardware(options.hardware);
  const spec = model.spec;
  const hardwareSpec: HardwareSpec =
    options.npuMem === undefined
      ? hardware.spec
      : { ...hardware.spec, memoryBytes: options.npuMem * GIB };

  const parallel = resolveParallel(options.tp, options.pp, options.npuNum);
  if (spec.numAttentionHeads % parallel.tp !== 0) {
    throw new InvalidConfigError(
      `--tp ${parallel.tp} must divide the ${spec.numAttentionHeads} attention heads of ${model.id}`,
    );
  }
  if (parallel.pp > spec.numLayers) {
    throw new InvalidConfigError(
      `--pp ${parallel.pp} exceeds the ${spec.numLayers} layers of ${model.id}`,
    );
  }

  // FP8 weights on a GPU without FP8 units (Ampere) run as weight-only FP8, as vLLM does: the cost
  // model then streams 8-bit weights but computes at the 16-bit peak.
  const precision = resolvePrecision(options.dtype, options.kvCacheDtype, spec.checkpointDtype);

  const maxModelLen = options.maxModelLen ?? spec.maxPositionEmbeddings;
  if (maxModelLen > spec.maxPositionEmbeddings) {
    throw new InvalidConfigError(
      `--max-model-len ${maxModelLen} exceeds the ${spec.maxPositionEmbeddings}-token context ` +
        `window of ${model.id}`,
    );
  }
  const preset = enginePreset(options.engine);
  const enableChunkedPrefill = options.enableChunkedPrefill ?? preset.chunkedPrefill.value;
  const blockSize = options.blockSize ?? preset.blockSize.value;
  const gpu = {
    memoryBytesPerGpu: hardwareSpec.memoryBytes,
    hardwareName: hardware.file.name,
    tp: parallel.tp,
    pp: parallel.pp,
  };
  const gpuMemoryUtilization =
    options.gpuMemoryUtilization ?? preset.memoryBudget.defaultFraction(gpu);
  const calibration = loadCalibration();
  // The driver reports a little less than the nominal memory; an explicit --npu-mem is taken as is.
  const deviceMemory =
    options.npuMem === undefined ? deviceMemoryBytes(hardware.file.name) : undefined;
  const kvBudget = (memory: KvBudgetMemory): number =>
    kvBudgetBytes(preset.memoryBudget, {
      memoryBytes: memory.deviceMemoryBytesPerGpu,
      weightBytes: memory.weightBytesPerGpu,
      activationPeakBytes: memory.activationPeakBytesPerGpu,
      nonTorchBytes: memory.nonTorchBytesPerGpu,
      fraction: memory.gpuMemoryUtilization,
    });
  const sizeKvCache = (batch: BatchDefaults): KvCapacity =>
    computeKvCapacity({
      model: spec,
      precision,
      parallel,
      memoryBytesPerGpu: hardwareSpec.memoryBytes,
      ...(deviceMemory === undefined ? {} : { deviceMemoryBytesPerGpu: deviceMemory }),
      gpuMemoryUtilization,
      blockSize,
      maxNumBatchedTokens: batch.maxNumBatchedTokens,
      maxNumSeqs: batch.maxNumSeqs,
      reserve: calibration.memoryReserve,
      kvBudget,
    });
  // SGLang derives its running-request cap from the KV pool, whose size depends only on the token
  // budget, so the cache is sized with the preset's budget first and the limits resolved after.
  const batchContext = { ...gpu, maxModelLen, kvCapacityTokens: 0 };
  const provisional = preset.batchDefaults.resolve(batchContext);
  const defaults = preset.batchDefaults.resolve({
    ...batchContext,
    kvCapacityTokens: sizeKvCache({
      maxNumSeqs: options.maxNumSeqs ?? provisional.maxNumSeqs,
      maxNumBatchedTokens: options.maxNumBatchedTokens ?? provisional.maxNumBatchedTokens,
    }).capacityTokens,
  });
  const maxNumSeqs = options.maxNumSeqs ?? defaults.maxNumSeqs;
  let maxNumBatchedTokens = options.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens;
  // Without chunking a whole prompt must fit one step. vLLM raises the budget to the context;
  // TensorRT-LLM keeps its budget (trtllm-bench already sized it for the dataset's longest
  // prompt) and rejects longer prompts.
  const rejectsLongPrompts = !enableChunkedPrefill && preset.engine !== 'vllm';
  if (!enableChunkedPrefill && !rejectsLongPrompts) {
    if (options.maxNumBatchedTokens === undefined) {
      maxNumBatchedTokens = Math.max(maxModelLen, defaults.maxNumBatchedTokens);
    } else if (options.maxNumBatchedTokens < maxModelLen) {
      throw new InvalidConfigError(
        `--max-num-batched-tokens ${options.maxNumBatchedTokens} is smaller than --max-model-len ` +
          `${maxModelLen}; without chunked prefill a whole prompt must fit one step (raise it, ` +
          'lower --max-model-len, or drop --no-chunked-prefill)',
      );
    }
  }
  if (maxNumBatchedTokens < maxNumSeqs) {
    throw new InvalidConfigError(
      `--max-num-batched-tokens ${maxNumBatchedTokens} must be at least --max-num-seqs ` +
        `${maxNumSeqs} (every running sequence needs one token per step)`,
    );
  }

  const kvCapacity = sizeKvCache({ maxNumSeqs, maxNumBatchedTokens });
  checkCapacity(kvCapacity, maxModelLen, gpuMemoryUtilization, model.id, hardware.file.name);

  const costModelChoice = chooseCostModel({
    requested: options.costModel,
    model,
    hardwareSpec,
    parallel,
    precision,
    calibration: analyticalCalibrationFor(hardware.file.name),
  });

  const engineConfig: EngineConfig = {
    maxNumSeqs,
    maxNumBatchedTokens,
    enableChunkedPrefill,
    maxModelLen,
    blockSize,
    ...(rejectsLongPrompts && maxNumBatchedTokens < maxModelLen
      ? { maxPromptTokens: maxNumBatchedTokens }
      : {}),
    totalKvBlocks: kvCapacity.totalBlocks,
    parallel,
  };
  return {
    settings: options,
    model,
    hardware,
    hardwareSpec,
    parallel,
    gpus: parallel.tp * parallel.pp,
    precision,
    gpuMemoryUtilization,
    kvCapacity,
    engineConfig,
    costModel: withEngineOverhead(costModelChoice.costModel, preset),
    costModelChoice,
    enginePreset: preset,
    scheduler: schedulerOf(preset, enableChunkedPrefill),
  };
}

/** What an engine for this deployment is built from, with `observer` receiving its events. */
export function engineOptionsOf(deployment: Deployment, observer: EngineObserver): EngineOptions {
  return {
    config: deployment.engineConfig,
    scheduler: deployment.scheduler,
    costModel: deployment.costModel,
    observer,
  };
}

/**
 * The step policy: vLLM V1's (chunked prefill mixed with decodes) unless the engine runs whole
 * prompts; engines that mix whole prompts with decodes (TensorRT-LLM) keep the V1 loop without
 * chunking, those that do not mix run prefill-first steps. No-evict engines reserve KV for the
 * whole output at admission. SGLang alternates prefill and decode batches even with chunking on;
 * the V1 loop (which mixes them) stands in for it.
 */
function schedulerOf(preset: EnginePreset, enableChunkedPrefill: boolean): Scheduler {
  const reserveWholeOutput = preset.noEvictAdmission.value;
  if (enableChunkedPrefill) return new VllmV1Scheduler({ reserveWholeOutput });
  // vLLM without chunked prefill is simulated as V0 did it (the flag's documented meaning).
  if (preset.engine !== 'vllm' && preset.mixesPrefillAndDecode.value) {
    return new VllmV1Scheduler({ chunkPrompts: false, reserveWholeOutput });
  }
  return new PrefillFirstScheduler();
}

/** The cost model with the engine's serial per-sequence CPU time added, where it has one. */
function withEngineOverhead(costModel: CostModel, preset: EnginePreset): CostModel {
  const perSequence = perSequenceStepOverheadS(preset.id);
  return perSequence > 0 ? new SequenceOverheadCostModel(costModel, perSequence) : costModel;
}

function resolveParallel(
  tp: number | undefined,
  pp: number | undefined,
  npuNum: number | undefined,
): ParallelConfig {
  if (npuNum !== undefined && tp === undefined && pp === undefined) return { tp: npuNum, pp: 1 };
  const parallel = { tp: tp ?? 1, pp: pp ?? 1 };
  if (npuNum !== undefined && npuNum !== parallel.tp * parallel.pp) {
    throw new InvalidConfigError(
      `--npu-num ${npuNum} must equal --tp × --pp (${parallel.tp} × ${parallel.pp} = ` +
        `${parallel.tp * parallel.pp}): it is the number of GPUs of one instance`,
    );
  }
  return parallel;
}

function resolvePrecision(
  dtype: string,
  kvCacheDtype: string,
  checkpointDtype: 'bf16' | 'fp16' | 'fp32',
): PrecisionConfig {
  // vLLM's `auto` keeps BF16 checkpoints in BF16 and runs FP16 and FP32 ones in FP16.
  const checkpointActivation = checkpointDtype === 'bf16' ? 'bf16' : 'fp16';
  let activationDtype: 'bf16' | 'fp16' = checkpointActivation;
  let weightDtype: WeightDtype = checkpointActivation;
  switch (dtype) {
    case 'bfloat16':
    case 'bf16':
      activationDtype = 'bf16';
      weightDtype = 'bf16';
      break;
    case 'float16':
    case 'fp16':
    case 'half':
      activationDtype = 'fp16';
      weightDtype = 'fp16';
      break;
    case 'fp8':
      weightDtype = 'fp8';
      break;
    case 'int4':
      weightDtype = 'int4';
      break;
  }
  const kv: KvCacheDtype =
    kvCacheDtype === 'auto'
      ? activationDtype
      : kvCacheDtype.startsWith('fp8')
        ? 'fp8'
        : kvCacheDtype === 'bfloat16'
          ? 'bf16'
          : 'fp16';
  return { weightDtype, activationDtype, kvCacheDtype: kv };
}

function checkCapacity(
  capacity: KvCapacity,
  maxModelLen: number,
  utilization: number,
  modelId: string,
  hardwareName: string,
): void {
  const gib = (bytes: number) => (bytes / GIB).toFixed(2);
  if (capacity.totalBlocks < 1) {
    throw new InsufficientMemoryError(
      `${modelId} does not fit on ${hardwareName}: weights take ${gib(capacity.weightBytesPerGpu)} ` +
        `GiB per GPU, activations ${gib(capacity.activationPeakBytesPerGpu)} GiB and the runtime ` +
        `${gib(capacity.nonTorchBytesPerGpu)} GiB, but the budget is ` +
        `${gib(capacity.budgetBytesPerGpu)} GiB (--gpu-memory-utilization ${utilization}); ` +
        'use more GPUs (--tp/--pp), a smaller --dtype, or a larger --gpu-memory-utilization',
    );
  }
  if (capacity.capacityTokens < maxModelLen) {
    throw new InsufficientMemoryError(
      `the KV cache of ${modelId} on ${hardwareName} holds ${capacity.capacityTokens} tokens ` +
        `(${gib(capacity.kvCacheBytesPerGpu)} GiB per GPU), fewer than one sequence of ` +
        `--max-model-len ${maxModelLen}; set --max-model-len ${capacity.capacityTokens} or lower, ` +
        'or raise --gpu-memory-utilization, or use more GPUs',
    );
  }
}
