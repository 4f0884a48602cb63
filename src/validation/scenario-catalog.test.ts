/**
 * @module Tests of the shipped validation scenarios: every file parses, ids are unique, every
 * simulated row names a catalog model and GPU by their canonical names (or is skipped with a
 * reason), trace rows agree with their run's meta.json, and malformed rows are refused with the
 * file and row in the message.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { loadEngineOverheads } from '../catalog/engine-overhead-catalog.js';
import { resolveHardware } from '../catalog/hardware-catalog.js';
import { resolveModel } from '../catalog/model-catalog.js';
import { InvalidCatalogFileError } from '../errors.js';
import { loadScenarioFile, loadScenarios, SCENARIO_DIRECTORY } from './scenario-catalog.js';
import { isSimulated, type SimulatedRow } from './scenario-schema.js';

const scenarios = loadScenarios();
const simulated = scenarios.filter(({ row }) => isSimulated(row)) as ((typeof scenarios)[number] & {
  row: SimulatedRow;
})[];

describe('shipped scenarios', () => {
  it('hold the published rows and the two vLLM runs, each once', () => {
    const ids = scenarios.map(({ row }) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    // P-001 … P-116 of the measurement notes, every one listed (simulated or skipped).
    for (let number = 1; number <= 116; number++) {
      expect(ids).toContain(`P-${String(number).padStart(3, '0')}`);
    }
    expect(ids).toContain('vllm-RTXPRO6000-Llama-3.1-8B');
    expect(ids).toContain('vllm-RTXPRO6000-Qwen3-32B');
  });

  it('name catalog models and GPUs by their canonical names', () => {
    for (const { row } of simulated) {
      expect(resolveModel(row.setup.model).id, row.id).toBe(row.setup.model);
      expect(resolveHardware(row.setup.hardware).file.name, row.id).toBe(row.setup.hardware);
    }
  });

  it('give every skipped row a reason and every simulated row a source', () => {
    for (const { row, source } of scenarios) {
      if (!isSimulated(row)) expect(row.skip.length, row.id).toBeGreaterThan(10);
      expect(source.what.length, row.id).toBeGreaterThan(0);
      expect(source.where.length, row.id).toBeGreaterThan(0);
    }
  });

  it('mark the calibration inputs and only them', () => {
    const calibration = simulated.filter(({ row }) => row.usedForCalibration);
    // P-077 fits the per-step overhead, P-063 the V0 engine's per-sequence CPU time.
    expect(calibration.map(({ row }) => row.id).sort()).toEqual(['P-063', 'P-077']);
    for (const preset of Object.values(loadEngineOverheads().presets)) {
      for (const id of preset.fittedOn) {
        expect(calibration.map(({ row }) => row.id)).toContain(id);
      }
    }
  });

  it('replay the vLLM runs with the engine arguments of their meta.json', () => {
    const traces = simulated.filter(({ row }) => row.workload.kind === 'trace');
    expect(traces).toHaveLength(2);
    for (const { row, directory } of traces) {
      if (row.workload.kind !== 'trace') continue;
      const meta = JSON.parse(
        readFileSync(join(directory, row.workload.run, 'meta.json'), 'utf8'),
      ) as { model: string; engine_kwargs: Record<string, unknown> };
      const kwargs = meta.engine_kwargs;
      expect(row.setup.model).toBe(meta.model);
      expect(row.setup.tp).toBe(kwargs.tensor_parallel_size);
      expect(row.setup.maxNumSeqs).toBe(kwargs.max_num_seqs);
      expect(row.setup.maxNumBatchedTokens).toBe(kwargs.max_num_batched_tokens);
      expect(row.setup.dtype).toBe(kwargs.dtype);
      expect(row.setup.kvCacheDtype).toBe(kwargs.kv_cache_dtype);
      expect(row.setup.maxModelLen).toBeUndefined();
      expect(row.setup.enableChunkedPrefill).toBe(true);
      expect(row.setup.gpuMemoryUtilization).toBe(0.9);
      expect(row.setup.blockSize).toBe(16);
    }
  });

  it('write per-GPU throughput only with the per-GPU metric', () => {
    // Section 2 and the H100 rows of section 3 are per GPU; section 1 is for the whole group.
    const perGpu = simulated
      .filter(({ row }) => row.measured.some((value) => value.metric === 'outputThroughputPerGpu'))
      .map(({ row }) => row.id);
    expect(perGpu).toEqual(['P-032', 'P-033', 'P-034', 'P-035', 'P-036', 'P-037']);
  });
});

describe('malformed scenario files', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llmsim-scenarios-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const row = {
    id: 'X-1',
    category: 'batch-1',
    source: 'S1',
    setup: { model: 'llama-3.1-8b', hardware: 'H100', tp: 1, dtype: 'auto', engine: 'vllm' },
    workload: { kind: 'static-batch', batchSize: 1, inputTokens: 128 },
    measured: [{ metric: 'ttft', statistic: 'mean', value: 7, unit: 'ms' }],
  };
  const write = (
    name: string,
    rows: unknown[],
    sources: unknown = { S1: { what: 'w', where: 'x' } },
  ) => {
    const file = join(directory, name);
    writeFileSync(file, JSON.stringify({ description: 'd', transcribedFrom: 't', sources, rows }));
    return file;
  };

  it('reads a good file', () => {
    const [loaded] = loadScenarioFile(write('good.json', [row]), directory);
    expect(loaded?.row.id).toBe('X-1');
    expect(loaded?.source).toEqual({ code: 'S1', what: 'w', where: 'x' });
  });

  it('refuses a value in the wrong unit, naming the file, row and field', () => {
    const bad = { ...row, measured: [{ metric: 'ttft', statistic: 'mean', value: 7, unit: 's' }] };
    const error = thrown(() => loadScenarioFile(write('unit.json', [bad]), directory));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect((error as Error).message).toMatch(
      /unit\.json: rows\[0\] \(X-1\)\.measured\.0\.unit: ttft is written in ms/,
    );
  });

  it('refuses a statistic the metric does not have', () => {
    const bad = {
      ...row,
      measured: [{ metric: 'outputThroughput', statistic: 'p99', value: 7, unit: 'tok/s' }],
    };
    expect(
      (thrown(() => loadScenarioFile(write('stat.json', [bad]), directory)) as Error).message,
    ).toMatch(/statistic: outputThroughput takes total/);
  });

  it('refuses a source code the file does not list', () => {
    const error = thrown(() =>
      loadScenarioFile(write('source.json', [{ ...row, source: 'S9' }]), directory),
    );
    expect((error as Error).message).toMatch(/source S9 is not listed/);
  });

  it('accepts a skipped row with a free-form setup, but not a simulated row without values', () => {
    const skipped = {
      id: 'X-2',
      category: 'batch-1',
      source: 'S1',
      skip: 'no such GPU',
      setup: { hardware: 'TPU' },
    };
    expect(loadScenarioFile(write('skip.json', [skipped]), directory)).toHaveLength(1);
    const empty = { ...row, measured: [] };
    expect(
      (thrown(() => loadScenarioFile(write('empty.json', [empty]), directory)) as Error).message,
    ).toMatch(/needs measured values/);
  });

  it('refuses the same id in two files', () => {
    const other = mkdtempSync(join(tmpdir(), 'llmsim-scenarios-dup-'));
    try {
      for (const name of ['a.json', 'b.json']) {
        writeFileSync(
          join(other, name),
          JSON.stringify({
            description: 'd',
            transcribedFrom: 't',
            sources: { S1: { what: 'w', where: 'x' } },
            rows: [row],
          }),
        );
      }
      expect((thrown(() => loadScenarios(other)) as Error).message).toMatch(
        /row X-1 is also in a\.json/,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('finds the shipped scenarios next to the catalog', () => {
    expect(SCENARIO_DIRECTORY.replace(/\\/g, '/')).toMatch(/catalog\/validation\/$/);
  });
});
