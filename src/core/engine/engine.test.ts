import { describe, expect, it } from 'vitest';
import {
  linearCostModel,
  RecordingObserver,
  smallEngineConfig,
} from '../../../test/support/engine-fixtures.js';
import { VllmV1Scheduler } from '../scheduler/vllm-v1-scheduler.js';
import type { WorkloadRequest } from '../workload/workload-request.js';
import { Engine } from './engine.js';
import type { EngineConfig } from './engine-types.js';

function makeEngine(config: EngineConfig = smallEngineConfig(), fixedS = 0.01, perTokenS = 0.0001) {
  const observer = new RecordingObserver();
  const engine = new Engine({
    config,
    scheduler: new VllmV1Scheduler(),
    costModel: linearCostModel(fixedS, perTokenS),
    observer,
  });
  return { engine, observer };
}

function request(
  id: string,
  arrivalS: number,
  inputTokens: number,
  outputTokens: number,
): WorkloadRequest {
  return { id, arrivalS, inputTokens, outputTokens };
}

describe('Engine timeline', () => {
  it('emits the first token at the end of the prefill step and one token per decode step', () => {
    const { engine, observer } = makeEngine();
    engine.submit(request('a', 0.5, 40, 3));
    engine.runToCompletion();
    // Prefill of 40 tokens: 0.01 + 40 × 0.0001 = 0.014 s; each decode 0.01 + 0.0001 = 0.0101 s.
    const times = observer.tokenTimes.get('a') ?? [];
    expect(times).toHaveLength(3);
    expect(times[0]).toBeCloseTo(0.514, 12);
    expect(times[1]).toBeCloseTo(0.5241, 12);
    expect(times[2]).toBeCloseTo(0.5342, 12);
    const end = observer.ends[0];
    expect(end?.status).toBe('finished');
    expect(end?.timeS).toBeCloseTo(0.5342, 12);
    expect(engine.kvUsedBlocks).toBe(0);
    expect(engine.stepCount).toBe(3);
  });

  it('splits a prompt longer than the token budget into chunks and samples only after the last', () => {
    const { engine, observer } = makeEngine();
    engine.submit(request('long', 0, 150, 2));
    engine.runToCompletion();
    const prefills = observer.steps.map((step) => step.batch.prefillTokens);
    expect(prefills).toEqual([64, 64, 22, 0]);
    expect(observer.steps.map((step) => step.emittedIds.length)).toEqual([0, 0, 1, 1]);
    // The third chunk attends to the 128 tokens before it.
    expect(observer.steps[2]?.batch.prefillAttentionPairs).toBe(22 * (128 + 23 / 2));
  });

  it('batches simultaneous arrivals into one step and decodes them together', () => {
    const { engine, observer } = makeEngine();
    for (let index = 0; index < 4; index++) engine.submit(request(`r${index}`, 1, 10, 2));
    engine.runToCompletion();
    expect(observer.steps[0]?.batch.prefillSequences).toBe(4);
    expect(observer.steps[1]?.batch.decodeSequences).toBe(4);
    expect(observer.steps[1]?.batch.decodeKvTokens).toBe(4 * 11);
    expect(observer.steps).toHaveLength(2);
  });

  it('rejects a prompt that fills the context window and caps outputs at the window', () => {
    const { engine, observer } = makeEngine(smallEngineConfig({ maxModelLen: 50 }));
    engine.submit(request('too-long', 0, 50, 5));
    engine.submit(request('capped', 0, 45, 100));
    engine.runToCompletion();
    expect(observer.rejects.map((entry) => entry.id)).toEqual(['too-long']);
    const capped = observer.ends.find((entry) => entry.id === 'capped');
    expect(capped?.outputTokens).toBe(5);
  });

  it('admits no more than max-num-seqs requests at once', () => {
    const { engine, observer } = makeEngine(smallEngineConfig({ maxNumSeqs: 3 }));
    for (let index = 0; index < 7; index++) engine.submit(request(`r${index}`, 0, 4, 5));
    engine.runToCompletion();
    expect(Math.max(...observer.steps.map((step) => step.numRunning))).toBeLessThanOrEqual(3);
    expect(
      Math.max(
        ...observer.steps.map((step) => step.batch.prefillSequences + step.batch.decodeSequences),
      ),
    ).toBeLessThanOrEqual(3);
    expect(observer.ends).toHaveLength(7);
  });

  it('advances only to the requested time and keeps the clock there', () => {
    const { engine, observer } = makeEngine();
    engine.submit(request('a', 0, 10, 50));
    engine.advanceTo(0.05);
    expect(engine.nowS).toBe(0.05);
    const emittedSoFar = observer.tokenTimes.get('a')?.length ?? 0;
    expect(emittedSoFar).toBeGreaterThan(0);
    expect(emittedSoFar).toBeLessThan(50);
    expect(engine.nextEventS()).toBeGreaterThan(0.05);
    engine.runToCompletion();
    expect(observer.tokenTimes.get('a')).toHaveLength(50);
  });

  it('frees the KV blocks of an aborted request at once, waiting or running', () => {
    const { engine, observer } = makeEngine();
    const running = engine.submit(request('running', 0, 30, 100));
    const waiting = engine.submit(request('waiting', 10, 30, 100));
    engine.advanceTo(0.1);
    expect(engine.kvUsedBlocks).toBeGreaterThan(0);
    expect(engine.abort(running)).toBe(true);
    expect(engine.kvUsedBlocks).toBe(0);
    expect(engine.numRunning).toBe(0);
    expect(engine.abort(running)).toBe(false);
    engine.advanceTo(10);
    expect(engine.abort(waiting)).toBe(true);
    engine.runToCompletion();
    expect(observer.ends.map((entry) => [entry.id, entry.status])).toEqual([
      ['running', 'aborted'],
      ['waiting', 'aborted'],
    ]);
    expect(engine.kvUsedBlocks).toBe(0);
  });

  it('drops a request aborted before its arrival time', () => {
    const { engine, observer } = makeEngine();
    const early = engine.submit(request('early', 5, 10, 3));
    expect(engine.abort(early)).toBe(true);
    engine.runToCompletion();
    expect(observer.arrivals).toHaveLength(0);
    expect(observer.steps).toHaveLength(0);
    expect(observer.ends.map((entry) => [entry.id, entry.status])).toEqual([['early', 'aborted']]);
  });

  it('preempts the most recently admitted request when decode runs out of blocks', () => {
    // 10 blocks of 4 tokens: two requests of 16 prompt tokens (4 blocks each) fit, but not
    // their growth to 24 tokens each.
    const { engine, observer } = makeEngine(smallEngineConfig({ totalKvBlocks: 10 }));
    engine.submit(request('first', 0, 16, 8));
    engine.submit(request('second', 0, 16, 8));
    engine.runToCompletion();
    expect(observer.preempts.length).toBeGreaterThan(0);
    expect(observer.preempts[0]?.id).toBe('second');
    expect(observer.ends.map((entry) => [entry.id, entry.outputTokens])).toEqual([
      ['first', 8],
      ['second', 8],
    ]);
    expect(engine.kvUsedBlocks).toBe(0);
    expect(engine.kvPeakUsedBlocks).toBeLessThanOrEqual(10);
  });

  it('pulls arrivals lazily from a source', () => {
    const { engine, observer } = makeEngine();
    let pulled = 0;
    function* source() {
      for (let index = 0; index < 5; index++) {
        pulled++;
        yield request(`s${index}`, index, 8, 2);
      }
    }
    engine.setArrivalSource(source());
    expect(pulled).toBe(1);
    engine.advanceTo(2.5);
    expect(pulled).toBe(4);
    engine.runToCompletion();
    expect(observer.ends).toHaveLength(5);
  });

  it('rejects invalid requests and configurations as programmer errors', () => {
    const { engine } = makeEngine();
    expect(() => engine.submit(request('bad', 0, 0, 1))).toThrow(RangeError);
    expect(() => engine.submit(request('bad', -1, 1, 1))).toThrow(RangeError);
    expect(() => makeEngine(smallEngineConfig({ maxNumSeqs: 0 }))).toThrow(/maxNumSeqs/);
  });
});

describe('Engine with pipeline parallelism', () => {
  it('keeps up to pp batches in flight, each through every stage', () => {
    const config = smallEngineConfig({ parallel: { tp: 1, pp: 2 } });
    const { engine, observer } = makeEngine(config, 0.02, 0);
    for (let index = 0; index < 4; index++) engine.submit(request(`r${index}`, 0, 8, 3));
    engine.runToCompletion();
    // Each step costs 0.02 s in all, 0.01 s per stage; a single batch takes 0.02 s end to end.
    const first = observer.steps[0];
    expect(first?.endS).toBeCloseTo(0.02, 12);
    // With every request in the first batch, the next can only start when its tokens exist:
    // pipelining shows when two groups arrive apart.
    expect(observer.ends).toHaveLength(4);
    expect(engine.kvUsedBlocks).toBe(0);
  });

  it('overlaps two request groups in two stages', () => {
    const config = smallEngineConfig({ parallel: { tp: 1, pp: 2 } });
    const { engine, observer } = makeEngine(config, 0.02, 0);
    engine.submit(request('a', 0, 8, 4));
    engine.submit(request('b', 0.005, 8, 4));
    engine.runToCompletion();
    // 'b' starts on stage 0 when 'a' moves to stage 1 (t = 0.01), before 'a' finishes (0.02).
    const starts = observer.steps.map((step) => step.startS);
    expect(starts[1]).toBeCloseTo(0.01, 12);
    expect(observer.steps[0]?.endS).toBeCloseTo(0.02, 12);
    const overlapping = observer.steps.filter(
      (step, index) => index > 0 && step.startS < (observer.steps[index - 1]?.endS ?? 0),
    );
    expect(overlapping.length).toBeGreaterThan(0);
    expect(observer.tokenTimes.get('a')).toHaveLength(4);
    expect(observer.tokenTimes.get('b')).toHaveLength(4);
  });
});
