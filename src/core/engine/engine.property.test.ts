import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearCostModel, RecordingObserver } from '../../../test/support/engine-fixtures.js';
import { PrefillFirstScheduler } from '../scheduler/prefill-first-scheduler.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { VllmV1Scheduler } from '../scheduler/vllm-v1-scheduler.js';
import type { WorkloadRequest } from '../workload/workload-request.js';
import type { EngineConfig } from './engine-types.js';
import { runSimulation } from './run-simulation.js';

/** A random engine configuration, small enough that preemption happens often. */
const configArbitrary = fc
  .record({
    maxNumSeqs: fc.integer({ min: 1, max: 16 }),
    maxNumBatchedTokens: fc.integer({ min: 16, max: 256 }),
    blockSize: fc.constantFrom(1, 4, 16),
    maxModelLen: fc.integer({ min: 32, max: 200 }),
    extraBlocks: fc.integer({ min: 0, max: 60 }),
    chunked: fc.boolean(),
    pp: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ extraBlocks, chunked, pp, ...rest }): EngineConfig => {
    const maxNumBatchedTokens = chunked
      ? Math.max(rest.maxNumBatchedTokens, rest.maxNumSeqs)
      : Math.max(rest.maxNumBatchedTokens, rest.maxModelLen);
    return {
      ...rest,
      maxNumBatchedTokens,
      enableChunkedPrefill: chunked,
      // Enough blocks for one full-length sequence, as the deployment check guarantees.
      totalKvBlocks: Math.ceil(rest.maxModelLen / rest.blockSize) + extraBlocks,
      parallel: { tp: 1, pp },
    };
  });

const workloadArbitrary = fc
  .array(
    fc.record({
      gapS: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
      inputTokens: fc.integer({ min: 1, max: 220 }),
      outputTokens: fc.integer({ min: 1, max: 60 }),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((items): WorkloadRequest[] => {
    let arrivalS = 0;
    return items.map((item, index) => {
      arrivalS += item.gapS;
      return {
        id: `r${index}`,
        arrivalS,
        inputTokens: item.inputTokens,
        outputTokens: item.outputTokens,
      };
    });
  });

function schedulerFor(config: EngineConfig): Scheduler {
  return config.enableChunkedPrefill ? new VllmV1Scheduler() : new PrefillFirstScheduler();
}

function run(config: EngineConfig, workload: WorkloadRequest[], maxConcurrency?: number) {
  const observer = new RecordingObserver();
  const result = runSimulation({
    config,
    scheduler: schedulerFor(config),
    costModel: linearCostModel(0.005, 0.0002),
    observer,
    workload,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
  });
  return { observer, result };
}

describe('engine invariants (property-based)', () => {
  it('ends every request exactly once with exactly its output tokens, within every limit', () => {
    fc.assert(
      fc.property(
        configArbitrary,
        workloadArbitrary,
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        (config, workload, concurrency) => {
          const { observer, result } = run(config, workload, concurrency);
          const rejected = new Set(observer.rejects.map((entry) => entry.id));
          const ended = observer.ends.map((entry) => entry.id);
          // Exactly once: no duplicates, and every request either ended or was rejected.
          expect(new Set(ended).size).toBe(ended.length);
          expect(ended.length + rejected.size).toBe(workload.length);
          for (const request of workload) {
            if (rejected.has(request.id)) {
              expect(request.inputTokens).toBeGreaterThanOrEqual(config.maxModelLen);
              continue;
            }
            const expected = Math.min(
              request.outputTokens,
              config.maxModelLen - request.inputTokens,
            );
            const end = observer.ends.find((entry) => entry.id === request.id);
            expect(end?.status).toBe('finished');
            expect(end?.outputTokens).toBe(expected);
            // One emission per token, at non-decreasing times, none before arrival.
            const times = observer.tokenTimes.get(request.id) ?? [];
            expect(times).toHaveLength(expected);
            for (let index = 1; index < times.length; index++) {
              expect(times[index]).toBeGreaterThan(times[index - 1] as number);
            }
            expect(times[0]).toBeGreaterThan(end?.view.arrivalS ?? Number.NaN);
          }
          for (const step of observer.steps) {
            const tokens = step.batch.prefillTokens + step.batch.decodeSequences;
            expect(tokens).toBeGreaterThan(0);
            expect(tokens).toBeLessThanOrEqual(config.maxNumBatchedTokens);
            expect(step.batch.prefillSequences + step.batch.decodeSequences).toBeLessThanOrEqual(
              config.maxNumSeqs,
            );
            expect(step.numRunning).toBeLessThanOrEqual(config.maxNumSeqs);
            expect(step.kvUsedBlocks).toBeLessThanOrEqual(config.totalKvBlocks);
            if (!config.enableChunkedPrefill) {
              // Prefill-first never mixes prompt work and decodes in one step.
              expect(step.batch.prefillTokens === 0 || step.batch.decodeSequences === 0).toBe(true);
            }
          }
          expect(result.kvPeakUsedBlocks).toBeLessThanOrEqual(config.totalKvBlocks);
          const last = observer.steps.at(-1);
          if (last) expect(last.kvUsedBlocks).toBe(0);
        },
      ),
      { numRuns: 300, seed: 20261129 },
    );
  });

  it('respects the concurrency cap', () => {
    fc.assert(
      fc.property(
        configArbitrary,
        workloadArbitrary,
        fc.integer({ min: 1, max: 4 }),
        (config, workload, cap) => {
          const { observer } = run(config, workload, cap);
          // In flight = arrived − ended − rejected, at every event.
          const events = [
            ...observer.arrivals.map((entry) => ({ timeS: entry.timeS, delta: 1, order: 0 })),
            ...observer.ends.map((entry) => ({ timeS: entry.timeS, delta: -1, order: 1 })),
            ...observer.rejects.map((entry) => ({ timeS: entry.timeS, delta: -1, order: 1 })),
          ].sort((a, b) => a.timeS - b.timeS || b.order - a.order);
          let inFlight = 0;
          for (const event of events) {
            inFlight += event.delta;
            expect(inFlight).toBeLessThanOrEqual(cap);
          }
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });

  it('produces identical results for identical inputs', () => {
    fc.assert(
      fc.property(configArbitrary, workloadArbitrary, (config, workload) => {
        const first = run(config, workload).observer;
        const second = run(config, workload).observer;
        expect(second.steps).toEqual(first.steps);
        expect(second.ends.map(({ view: _view, ...rest }) => rest)).toEqual(
          first.ends.map(({ view: _view, ...rest }) => rest),
        );
      }),
      { numRuns: 50, seed: 11 },
    );
  });
});
