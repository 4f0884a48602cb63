/**
 * @module The contract every scheduling policy must keep, as a shared test suite: each policy's
 * test file calls `describeSchedulerContract` with a factory.
 */

import { describe, expect, it } from 'vitest';
import { KvBlockManager } from '../kv-cache/block-manager.js';
import { Deque } from './deque.js';
import type { Scheduler, SchedulerRequest, SchedulerState } from './scheduler.js';

/** A request record as a test engine keeps it. */
export interface TestRequest extends SchedulerRequest {
  readonly id: string;
  readonly inputTokens: number;
  outputTokens: number;
  numComputedTokens: number;
  targetOutputTokens: number;
  allocatedBlocks: number;
  preemptions: number;
}

export function testRequest(
  id: string,
  inputTokens: number,
  outputTokens = 0,
  targetOutputTokens = Math.max(1, outputTokens),
): TestRequest {
  return {
    id,
    inputTokens,
    outputTokens,
    numComputedTokens: 0,
    targetOutputTokens,
    allocatedBlocks: 0,
    preemptions: 0,
  };
}

/** A minimal engine around a policy: the state plus a log of what one step scheduled. */
export class TestHarness {
  readonly running: TestRequest[] = [];
  readonly waiting = new Deque<TestRequest>();
  readonly kv: KvBlockManager;
  scheduled: { request: TestRequest; newTokens: number }[] = [];
  preempted: TestRequest[] = [];
  private readonly state: SchedulerState<TestRequest>;

  constructor(totalBlocks: number, blockSize: number) {
    this.kv = new KvBlockManager(totalBlocks, blockSize);
    this.state = {
      running: this.running,
      waiting: this.waiting,
      kv: this.kv,
      preempt: (request) => {
        this.kv.free(request);
        request.numComputedTokens = 0;
        request.preemptions++;
        this.waiting.pushFront(request);
        this.preempted.push(request);
      },
      admit: (request) => {
        this.running.push(request);
      },
      schedule: (request, newTokens) => {
        this.scheduled.push({ request, newTokens });
        request.numComputedTokens += newTokens;
      },
    };
  }

  /** One scheduling pass; returns what it scheduled. */
  step(scheduler: Scheduler, maxNumSeqs: number, maxNumBatchedTokens: number) {
    this.scheduled = [];
    this.preempted = [];
    scheduler.schedule(this.state, { maxNumSeqs, maxNumBatchedTokens });
    return this.scheduled;
  }

  /** Completes the step as the engine would: requests whose context is computed sample a token. */
  completeStep(): void {
    for (const { request } of this.scheduled) {
      if (request.numComputedTokens === request.inputTokens + request.outputTokens) {
        request.outputTokens++;
      }
    }
  }
}

export function describeSchedulerContract(name: string, makeScheduler: () => Scheduler): void {
  describe(`${name} (scheduler contract)`, () => {
    it('schedules nothing when there is nothing to do', () => {
      const harness = new TestHarness(10, 16);
      expect(harness.step(makeScheduler(), 4, 64)).toEqual([]);
    });

    it('admits waiting requests in FCFS order, allocating their KV blocks', () => {
      const harness = new TestHarness(100, 16);
      const requests = ['a', 'b', 'c'].map((id) => testRequest(id, 20));
      for (const request of requests) harness.waiting.pushBack(request);
      const scheduled = harness.step(makeScheduler(), 4, 1000);
      expect(scheduled.map((entry) => entry.request.id)).toEqual(['a', 'b', 'c']);
      expect(harness.running.map((request) => request.id)).toEqual(['a', 'b', 'c']);
      for (const request of requests) expect(request.allocatedBlocks).toBe(2);
      expect(harness.kv.usedBlocks).toBe(6);
    });

    it('never exceeds the token budget or the sequence cap', () => {
      const harness = new TestHarness(1000, 16);
      for (let index = 0; index < 20; index++)
        harness.waiting.pushBack(testRequest(`r${index}`, 7));
      const scheduler = makeScheduler();
      for (let step = 0; step < 30; step++) {
        const scheduled = harness.step(scheduler, 5, 24);
        const tokens = scheduled.reduce((sum, entry) => sum + entry.newTokens, 0);
        expect(tokens).toBeLessThanOrEqual(24);
        expect(harness.running.length).toBeLessThanOrEqual(5);
        harness.completeStep();
      }
    });

    it('does not let a later request overtake the head that cannot get blocks', () => {
      const harness = new TestHarness(4, 16);
      harness.waiting.pushBack(testRequest('big', 100));
      harness.waiting.pushBack(testRequest('small', 4));
      expect(harness.step(makeScheduler(), 4, 1000)).toEqual([]);
      expect(harness.waiting.peekFront()?.id).toBe('big');
    });

    it('decodes a running request one token per step', () => {
      const harness = new TestHarness(100, 16);
      harness.waiting.pushBack(testRequest('a', 10));
      const scheduler = makeScheduler();
      harness.step(scheduler, 4, 1000);
      harness.completeStep();
      const next = harness.step(scheduler, 4, 1000);
      expect(next.map((entry) => [entry.request.id, entry.newTokens])).toEqual([['a', 1]]);
    });

    it('preempts the last running request when a decode needs a block and none is free', () => {
      // Each 16-token prompt fills one 16-token block; both need a second block for their 17th
      // context token, and only one block is free.
      const harness = new TestHarness(3, 16);
      harness.waiting.pushBack(testRequest('first', 16));
      harness.waiting.pushBack(testRequest('second', 16));
      const scheduler = makeScheduler();
      harness.step(scheduler, 4, 1000);
      harness.completeStep();
      const decodes = harness.step(scheduler, 4, 1000);
      expect(harness.preempted.map((request) => request.id)).toEqual(['second']);
      expect(decodes.map((entry) => entry.request.id)).toEqual(['first']);
      expect(harness.waiting.peekFront()?.id).toBe('second');
      const second = harness.preempted[0];
      expect(second?.numComputedTokens).toBe(0);
      expect(second?.allocatedBlocks).toBe(0);
      expect(harness.kv.usedBlocks).toBe(2);
    });
  });
}
