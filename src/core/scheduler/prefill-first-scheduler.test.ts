import { describe, expect, it } from 'vitest';
import { PrefillFirstScheduler } from './prefill-first-scheduler.js';
import { describeSchedulerContract, TestHarness, testRequest } from './scheduler.contract.js';

describeSchedulerContract('PrefillFirstScheduler', () => new PrefillFirstScheduler());

describe('PrefillFirstScheduler', () => {
  it('prefills waiting prompts whole, in steps without decodes', () => {
    const harness = new TestHarness(1000, 16);
    harness.waiting.pushBack(testRequest('a', 10));
    const scheduler = new PrefillFirstScheduler();
    harness.step(scheduler, 8, 100);
    harness.completeStep();
    harness.waiting.pushBack(testRequest('b', 50));
    expect(
      harness.step(scheduler, 8, 100).map((entry) => [entry.request.id, entry.newTokens]),
    ).toEqual([['b', 50]]);
    harness.completeStep();
    expect(
      harness.step(scheduler, 8, 100).map((entry) => [entry.request.id, entry.newTokens]),
    ).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('keeps a prompt that does not fit the remaining budget waiting rather than chunking it', () => {
    const harness = new TestHarness(1000, 16);
    harness.waiting.pushBack(testRequest('a', 60));
    harness.waiting.pushBack(testRequest('b', 60));
    const scheduled = harness.step(new PrefillFirstScheduler(), 8, 100);
    expect(scheduled.map((entry) => [entry.request.id, entry.newTokens])).toEqual([['a', 60]]);
    expect(harness.waiting.peekFront()?.id).toBe('b');
  });
});
