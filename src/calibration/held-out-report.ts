/**
 * @module Operator-level error of the calibrated analytical model on the held-out 20% of every
 * profile (rows no fit has seen): each row is priced by the model's per-operator predictions and
 * compared with its measured time, then pooled by table, by GPU and overall. Per profile and
 * table the figures are those `heldOutErrors` (core/perf/operator-fit-error.ts) reports for the
 * same predictor; pooling across profiles needs the rows themselves, hence this module.
 */

import {
  type AnalyticalCalibration,
  AnalyticalCostModel,
} from '../core/perf/analytical-cost-model.js';
import { linkModelOf, ringAllReduceSeconds } from '../core/perf/collective.js';
import { type OperatorPredictor, relativeErrorStats } from '../core/perf/operator-fit-error.js';
import type { SequenceOperatorName, TokenOperatorName } from '../core/perf/operator-profile.js';
import { collectiveRows } from './collective-rows.js';
import { type GpuInput, type ProfileInput, precisionOf } from './fit-analytical.js';
import { attentionSampleBatch, profileRows, type Split } from './profile-rows.js';

/** Error statistics of a group of rows, in percent of the measured time. */
export interface ErrorStats {
  readonly count: number;
  readonly medianAbsPercent: number;
  readonly meanAbsPercent: number;
  readonly p90AbsPercent: number;
  /** Mean of (predicted − measured)/measured: positive = the model is slow. */
  readonly signedMeanPercent: number;
}

export interface ErrorReport {
  readonly overall: ErrorStats;
  readonly byTable: Readonly<Record<string, ErrorStats>>;
  readonly byGpu: Readonly<Record<string, ErrorStats>>;
  readonly byGpuTable: Readonly<Record<string, Readonly<Record<string, ErrorStats>>>>;
  /** All-reduce rows of each GPU's collective profile (not in `overall`). */
  readonly collectives: Readonly<Record<string, ErrorStats>>;
  /** Rows the model does not price (MoE expert tables), by table; not in the statistics. */
  readonly unanswered: Readonly<Record<string, number>>;
}

/** The analytical model's per-operator prediction (µs) of the samples of one profile. */
export function analyticalOperatorPredictor(
  model: AnalyticalCostModel,
  tp: number,
  attentionKernel: ProfileInput['attentionKernel'] = 'engine',
): OperatorPredictor {
  const varlen = attentionKernel === 'varlen-kernel';
  return (table, coordinates) => {
    if (table === 'attention') {
      return model.attentionLayerSeconds(attentionSampleBatch(coordinates), tp, varlen) * 1e6;
    }
    if (table === 'moe') return undefined;
    const seconds = model.operatorSeconds(
      table as TokenOperatorName | SequenceOperatorName,
      coordinates[0] as number,
      tp,
    );
    return seconds === undefined ? undefined : seconds * 1e6;
  };
}

/** Scores every GPU's profiles on `split` with the calibration `calibrationOf` gives it. */
export function errorReport(
  gpus: readonly GpuInput[],
  calibrationOf: (hardware: string) => AnalyticalCalibration,
  split: Split = 'held-out',
): ErrorReport {
  const overall: number[] = [];
  const byTable = new Map<string, number[]>();
  const byGpu = new Map<string, number[]>();
  const byGpuTable = new Map<string, Map<string, number[]>>();
  const collectives = new Map<string, number[]>();
  const unanswered = new Map<string, number>();
  const push = (map: Map<string, number[]>, key: string, value: number) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const gpu of gpus) {
    const name = gpu.identity.name;
    const calibration = calibrationOf(name);
    for (const { profile, model, attentionKernel } of gpu.profiles) {
      const costModel = new AnalyticalCostModel({
        model,
        hardware: gpu.hardware,
        precision: precisionOf(profile.dtype),
        calibration,
      });
      const predictor = analyticalOperatorPredictor(costModel, profile.tp, attentionKernel);
      for (const row of profileRows(profile, split)) {
        const predicted = predictor(row.table, row.coordinates);
        if (predicted === undefined || !Number.isFinite(predicted)) {
          unanswered.set(row.table, (unanswered.get(row.table) ?? 0) + 1);
          continue;
        }
        const relative = (predicted - row.measuredUs) / row.measuredUs;
        overall.push(relative);
        push(byTable, row.table, relative);
        push(byGpu, name, relative);
        let tables = byGpuTable.get(name);
        if (!tables) {
          tables = new Map();
          byGpuTable.set(name, tables);
        }
        push(tables, row.table, relative);
      }
    }
    if (gpu.collective) {
      const link = linkModelOf(
        gpu.hardware,
        calibration.collectiveBandwidthEfficiency,
        calibration.collectiveLatencyS,
      );
      for (const row of collectiveRows(gpu.collective.profile, split)) {
        const predicted = ringAllReduceSeconds(row.bytes, row.gpus, link) * 1e6;
        push(collectives, name, (predicted - row.measuredUs) / row.measuredUs);
      }
    }
  }
  const statsOf = (map: Map<string, number[]>) =>
    Object.fromEntries(
      [...map.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, values]) => [key, errorStats(values)]),
    );
  return {
    overall: errorStats(overall),
    byTable: statsOf(byTable),
    byGpu: statsOf(byGpu),
    byGpuTable: Object.fromEntries(
      [...byGpuTable.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([gpu, tables]) => [gpu, statsOf(tables)]),
    ),
    collectives: statsOf(collectives),
    unanswered: Object.fromEntries(
      [...unanswered.entries()].sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}

/** Statistics of relative errors (fractions), without the unanswered count the fit file omits. */
export function errorStats(relatives: readonly number[]): ErrorStats {
  const { unanswered: _unanswered, ...stats } = relativeErrorStats(relatives);
  return stats;
}
