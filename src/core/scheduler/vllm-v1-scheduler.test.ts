import { describe, expect, it } from 'vitest';
import { describeSchedulerContract, TestHarness, testRequest } from './scheduler.contract.js';
import { VllmV1Scheduler } from './vllm-v1-scheduler.js';

describeSchedulerContract('VllmV1Scheduler', () => new VllmV1Scheduler());

describe('VllmV1Scheduler', () => {
  it('chunks a long prompt over steps and fills the rest of the budget with the next request', () => {
    const harness = new TestHarness(1000, 16);
    harness.waiting.pushBack(testRequest('long', 100));
    harness.waiting.pushBack(testRequest('next', 30));
    const scheduler = new VllmV1Scheduler();
    expect(
      harness.step(scheduler, 8, 64).map((entry) => [entry.request.id, entry.newTokens]),
    ).toEqual([['long', 64]]);
    harness.completeStep();
    expect(
      harness.step(scheduler, 8, 64).map((entry) => [entry.request.id, entry.newTokens]),
    ).toEqual([
      ['long', 36],
      ['next', 28],
    ]);
    harness.completeStep();
    // 'long' now decodes (1 token) and 'next' finishes its last 2 prompt tokens.
    expect(
      harness.step(scheduler, 8, 64).map((entry) => [entry.request.id, entry.newTokens]),
    ).toEqual([
      ['long', 1],
      ['next', 2],
    ]);
  });

  it('schedules running decodes before admitting waiting prompts', () => {
    const harness = new TestHarness(1000, 16);
    harness.waiting.pushBack(testRequest('a', 10));
    const scheduler = new VllmV1Scheduler();
    harness.step(scheduler, 8, 64);
    harness.completeStep();
    harness.waiting.pushBack(testRequest('b', 200));
    const scheduled = harness.step(scheduler, 8, 64);
    expect(scheduled.map((entry) => [entry.request.id, entry.newTokens])).toEqual([
      ['a', 1],
      ['b', 63],
    ]);
  });

  it('admits nothing new in a step that preempted', () => {
    const harness = new TestHarness(3, 16);
    harness.waiting.pushBack(testRequest('first', 16));
    harness.waiting.pushBack(testRequest('second', 16));
    const scheduler = new VllmV1Scheduler();
    harness.step(scheduler, 4, 1000);
    harness.completeStep();
    harness.waiting.pushBack(testRequest('tiny', 1));
    harness.step(scheduler, 4, 1000);
    expect(harness.preempted).toHaveLength(1);
    expect(harness.running.map((request) => request.id)).toEqual(['first']);
    expect([...harness.waiting].map((request) => request.id)).toEqual(['second', 'tiny']);
  });

  it('recomputes a preempted request from scratch, generated tokens included', () => {
    const harness = new TestHarness(3, 16);
    const first = testRequest('first', 16);
    const second = testRequest('second', 16);
    harness.waiting.pushBack(first);
    harness.waiting.pushBack(second);
    const scheduler = new VllmV1Scheduler();
    harness.step(scheduler, 4, 1000);
    harness.completeStep();
    harness.step(scheduler, 4, 1000); // preempts 'second' (1 output token so far)
    harness.completeStep();
    harness.running.length = 0; // 'first' finishes and leaves
    harness.kv.free(first);
    const resumed = harness.step(scheduler, 4, 1000);
    expect(resumed.map((entry) => [entry.request.id, entry.newTokens])).toEqual([['second', 17]]);
  });
});
