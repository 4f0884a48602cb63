import { describe, expect, it } from 'vitest';
import { linearCostModel, smallEngineConfig } from '../../../test/support/engine-fixtures.js';
import type { EngineObserver } from '../engine/engine-types.js';
import { runSimulation } from '../engine/run-simulation.js';
import { VllmV1Scheduler } from '../scheduler/vllm-v1-scheduler.js';
import { MetricsCollector, type RequestRecord, type TimeSeriesRow } from './metrics-collector.js';

function simulate(
  workload: { id: string; arrivalS: number; inputTokens: number; outputTokens: number }[],
) {
  const records: RequestRecord[] = [];
  const rows: TimeSeriesRow[] = [];
  const collector = new MetricsCollector({
    onRecord: (record) => records.push(record),
    onTimeSeriesRow: (row) => rows.push(row),
  });
  let steps = 0;
  let sequences = 0;
  const result = runSimulation({
    config: smallEngineConfig(),
    scheduler: new VllmV1Scheduler(),
    costModel: linearCostModel(0.01, 0.0001),
    observer: {
      ...bindAll(collector),
      stepEnd: (step) => {
        steps++;
        sequences += step.batch.prefillSequences + step.batch.decodeSequences;
        collector.stepEnd(step);
      },
    },
    workload,
  });
  collector.finish(result.endS);
  return { records, rows, summary: collector.summary(), steps, sequences };
}

/** The collector's handlers as plain functions (so one can be wrapped). */
function bindAll(collector: MetricsCollector): EngineObserver {
  return {
    requestArrive: collector.requestArrive.bind(collector),
    requestReject: collector.requestReject.bind(collector),
    requestPreempt: collector.requestPreempt.bind(collector),
    requestEnd: collector.requestEnd.bind(collector),
  };
}

describe('MetricsCollector', () => {
  it('measures one request with the vLLM bench definitions', () => {
    const { records, summary } = simulate([
      { id: 'a', arrivalS: 0.5, inputTokens: 40, outputTokens: 3 },
    ]);
    // Tokens at 0.514, 0.5241, 0.5342 (see the engine timeline test).
    const record = records[0];
    expect(record?.queueS).toBe(0);
    expect(record?.ttftS).toBeCloseTo(0.014, 12);
    expect(record?.e2eS).toBeCloseTo(0.0342, 12);
    expect(record?.tpotS).toBeCloseTo((0.0342 - 0.014) / 2, 12);
    expect(summary.itlS.mean).toBeCloseTo(0.0101, 12);
    expect(summary.itlS.p99).toBeCloseTo(0.0101, 12);
    expect(summary.durationS).toBeCloseTo(0.0342, 12);
    expect(summary.throughput.outputTokensPerS).toBeCloseTo(3 / 0.0342, 9);
    expect(summary.requests.completed).toBe(1);
  });

  it('leaves TPOT out for one-token outputs but counts the request', () => {
    const { records, summary } = simulate([
      { id: 'a', arrivalS: 0, inputTokens: 10, outputTokens: 1 },
    ]);
    expect(records[0]?.tpotS).toBeNaN();
    expect(summary.tpotS.mean).toBeNaN();
    expect(summary.ttftS.mean).toBeCloseTo(0.011, 12);
  });

  it('counts queueing while a request waits for a busy engine', () => {
    const { records } = simulate([
      { id: 'a', arrivalS: 0, inputTokens: 64, outputTokens: 1 },
      { id: 'b', arrivalS: 0.001, inputTokens: 8, outputTokens: 1 },
    ]);
    // 'a' occupies the whole 64-token budget until 0.0164; 'b' is scheduled then.
    expect(records.find((record) => record.id === 'b')?.queueS).toBeCloseTo(0.0164 - 0.001, 12);
  });

  it('writes one time-series row per simulated second with the tokens of that second', () => {
    const workload = Array.from({ length: 30 }, (_, index) => ({
      id: `r${index}`,
      arrivalS: index * 0.1,
      inputTokens: 20,
      outputTokens: 10,
    }));
    const { rows, summary, steps, sequences } = simulate(workload);
    expect(rows.map((row) => row.second)).toEqual([0, 1, 2, 3]);
    // Every step lands in one row; the rows' mean batch sizes weight back to the run's.
    expect(rows.reduce((sum, row) => sum + row.steps, 0)).toBe(steps);
    const weighted = rows.reduce((sum, row) => sum + row.meanBatchSize * row.steps, 0);
    expect(weighted).toBeCloseTo(sequences, 9);
    expect(rows.every((row) => row.steps > 0 || row.meanBatchSize === 0)).toBe(true);
    expect(Math.max(...rows.map((row) => row.meanBatchSize))).toBeGreaterThan(1);
    const prompt = rows.reduce((sum, row) => sum + row.promptTokensPerS, 0);
    const generated = rows.reduce((sum, row) => sum + row.generationTokensPerS, 0);
    expect(prompt).toBe(30 * 20);
    expect(generated).toBe(30 * 10);
    expect(rows.at(-1)?.running).toBe(0);
    expect(summary.kvPeakUsage).toBeGreaterThan(0);
    expect(summary.kvPeakUsage).toBeLessThanOrEqual(1);
  });
});
