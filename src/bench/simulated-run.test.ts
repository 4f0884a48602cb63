import { describe, expect, it } from 'vitest';
import { benchRecord, benchRun, benchSettings } from '../../test/support/bench-runs.js';
import { engineOptionsOf, resolveDeployment } from '../config/deployment.js';
import { runSimulation } from '../core/engine/run-simulation.js';
import { MetricsCollector, type RequestRecord } from '../core/metrics/metrics-collector.js';
import type { BenchRequestRecord, BenchRun } from './bench-types.js';
import { simulateBenchRun } from './simulated-run.js';

const deployment = resolveDeployment({ maxModelLen: 2048 });

function record(index: number, sendS: number, prompt: number, output: number): BenchRequestRecord {
  return benchRecord({
    index,
    arrivalS: sendS,
    sendS,
    plannedInputTokens: prompt - 1,
    serverPromptTokens: prompt,
    outputTokens: output,
    ttftS: 0.5,
    e2elS: 1,
  });
}

function run(
  records: BenchRequestRecord[],
  stream = true,
  endpoint: 'chat' | 'completions' = 'completions',
): BenchRun {
  return benchRun(records, {
    settings: benchSettings({ numPrompts: records.length, stream, endpoint }),
  });
}

const measured = [
  record(0, 0, 300, 20),
  record(1, 0.01, 900, 5),
  record(2, 0.012, 40, 1),
  record(3, 0.5, 1200, 30),
  { ...record(4, 0.6, 100, 10), success: false, error: 'HTTP 500' },
];

/** The engine's own records of the same workload, run offline. */
function engineRecords(timeScale: number): Map<string, RequestRecord> {
  const records = new Map<string, RequestRecord>();
  const collector = new MetricsCollector({ onRecord: (entry) => records.set(entry.id, entry) });
  runSimulation({
    ...engineOptionsOf(deployment, collector),
    workload: measured
      .filter((entry) => entry.success)
      .map((entry) => ({
        id: String(entry.index),
        arrivalS: entry.sendS * timeScale,
        inputTokens: entry.serverPromptTokens ?? 0,
        outputTokens: entry.outputTokens,
      })),
  });
  return records;
}

describe('simulateBenchRun', () => {
  it('reproduces what the engine computes for the same arrivals and lengths', () => {
    for (const timeScale of [1, 10]) {
      const expected = engineRecords(timeScale);
      const simulated = simulateBenchRun(run(measured), deployment, { timeScale });
      expect(simulated.records.map((entry) => entry.index)).toEqual([0, 1, 2, 3]);
      for (const entry of simulated.records) {
        const own = expected.get(String(entry.index));
        expect(own).toBeDefined();
        expect(entry.success).toBe(true);
        expect(entry.ttftS).toBeCloseTo((own?.ttftS ?? 0) / timeScale, 12);
        expect(entry.e2elS).toBeCloseTo((own?.e2eS ?? 0) / timeScale, 12);
        expect(entry.itlS).toHaveLength(entry.outputTokens - 1);
        const gaps = entry.itlS.reduce((sum, gap) => sum + gap, 0);
        expect(entry.ttftS + gaps).toBeCloseTo(entry.e2elS, 12);
      }
    }
  });

  it('reports whole responses without streaming, and rejections as failures', () => {
    const long = record(5, 0.7, 5000, 4);
    const simulated = simulateBenchRun(run([...measured, long], false), deployment, {
      timeScale: 1,
    });
    for (const entry of simulated.records.filter((candidate) => candidate.index !== 5)) {
      expect(entry.ttftS).toBe(entry.e2elS);
      expect(entry.itlS).toEqual([]);
    }
    const rejected = simulated.records.find((entry) => entry.index === 5);
    expect(rejected?.success).toBe(false);
    expect(rejected?.error).toMatch(/rejected/);
  });

  it("adds the chat stream's role-chunk gap, as a chat client sees it", () => {
    const completions = simulateBenchRun(run(measured), deployment, { timeScale: 1 });
    const chat = simulateBenchRun(run(measured, true, 'chat'), deployment, { timeScale: 1 });
    chat.records.forEach((entry, position) => {
      expect(entry.itlS).toEqual([0, ...(completions.records[position]?.itlS ?? [])]);
      expect(entry.ttftS).toBe(completions.records[position]?.ttftS);
    });
  });

  it('is deterministic', () => {
    const a = simulateBenchRun(run(measured), deployment, { timeScale: 3 });
    const b = simulateBenchRun(run(measured), deployment, { timeScale: 3 });
    expect(a).toEqual(b);
  });
});
