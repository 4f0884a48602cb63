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

describeSchedulerContract(
  'VllmV1Scheduler (whole prompts)',
  () => new VllmV1Scheduler({ chunkPrompts: false }),
);

describe('VllmV1Scheduler options for in-flight batching engines', () => {
  const ids = (entries: readonly { request: { id: string }; newTokens: number }[]) =>
    entries.map((entry) => [entry.request.id, entry.newTokens]);

  it('without chunking, a prompt that does not fit the rest of the budget waits', () => {
    const harness = new TestHarness(1000, 16);
    harness.waiting.pushBack(testRequest('first', 40));
    harness.waiting.pushBack(testRequest('second', 40));
    const scheduler = new VllmV1Scheduler({ chunkPrompts: false });
    expect(scheduler.kind).toBe('in-flight whole-prompt');
    expect(ids(harness.step(scheduler, 8, 64))).toEqual([['first', 40]]);
    harness.completeStep();
    // The decode of 'first' (1 token) and the whole of 'second' fit the next step together.
    expect(ids(harness.step(scheduler, 8, 64))).toEqual([
      ['first', 1],
      ['second', 40],
    ]);
  });

  it('no-evict admission waits until KV for the prompt and the whole output is free', () => {
    // 10 blocks of 16 tokens: 'a' needs 32 + 64 tokens = 6 blocks, 'b' the same; only one fits.
    const harness = new TestHarness(10, 16);
    harness.waiting.pushBack(testRequest('a', 32, 0, 64));
    harness.waiting.pushBack(testRequest('b', 32, 0, 64));
    const scheduler = new VllmV1Scheduler({ reserveWholeOutput: true });
    expect(scheduler.kind).toBe('in-flight no-evict');
    expect(ids(harness.step(scheduler, 8, 256))).toEqual([['a', 32]]);
    // 'a' holds 2 blocks now and will need 4 more, so 'b' (6) still does not fit the 4 left.
    for (let step = 0; step < 20; step++) {
      harness.completeStep();
      const scheduled = harness.step(scheduler, 8, 256);
      expect(scheduled.map((entry) => entry.request.id)).toEqual(['a']);
      expect(harness.preempted).toEqual([]);
    }
    // Without the reservation the same state admits 'b' at once (and may preempt later).
    const eager = new TestHarness(10, 16);
    eager.waiting.pushBack(testRequest('a', 32, 0, 64));
    eager.waiting.pushBack(testRequest('b', 32, 0, 64));
    expect(ids(eager.step(new VllmV1Scheduler(), 8, 256))).toEqual([
      ['a', 32],
      ['b', 32],
    ]);
  });
});
