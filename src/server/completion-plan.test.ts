/**
 * @module Output planning: the context-window checks, how max_tokens / ignore_eos / min_tokens /
 * stop decide length and finish_reason, and determinism per random stream.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { createRandomStream } from '../core/workload/random.js';
import { ApiError } from './api-error.js';
import { type ChoicePlanOptions, completionBudget, planChoice } from './completion-plan.js';
import { loremText, type TextSource } from './synthetic-text.js';

const lorem = loremText({
  words: [' alpha', ' beta', ' gamma', ' delta'],
  starters: ['The'],
  sentenceStarters: [' The'],
});

/** Pieces `t0`, `t1`, … so stop strings can be placed exactly. */
const numbered: TextSource = {
  pieces: (count) => Array.from({ length: count }, (_, index) => `t${index}`),
  alternative: () => 'x',
};

function plan(overrides: Partial<ChoicePlanOptions> = {}) {
  return planChoice({
    index: 0,
    budget: 100,
    minTokens: 0,
    ignoreEos: false,
    stop: [],
    outputLength: { kind: 'fixed', tokens: 40 },
    random: createRandomStream(7, 'plan'),
    text: lorem,
    topLogprobs: undefined,
    echo: '',
    ...overrides,
  });
}

describe('completionBudget', () => {
  const limits = {
    promptTokens: 1000,
    maxModelLen: 4096,
    maxTokens: undefined,
    maxTokensParam: 'max_tokens',
    minTokens: 0,
    ignoreEos: false,
  };

  it('defaults to the rest of the context window', () => {
    expect(completionBudget(limits, 'messages')).toBe(3096);
    expect(completionBudget({ ...limits, maxTokens: 3096 }, 'messages')).toBe(3096);
  });

  it('refuses prompt + max_tokens over the window with OpenAI’s code and wording', () => {
    const error = thrown(() => completionBudget({ ...limits, maxTokens: 3097 }, 'messages'));
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.statusCode).toBe(400);
    expect(apiError.code).toBe('context_length_exceeded');
    expect(apiError.param).toBe('max_tokens');
    expect(apiError.message).toContain('maximum context length is 4096 tokens');
    expect(apiError.message).toContain(
      '4097 tokens (1000 in the messages, 3097 in the completion)',
    );
  });

  it('refuses a prompt that fills the window by itself', () => {
    const error = thrown(() => completionBudget({ ...limits, promptTokens: 4096 }, 'prompt'));
    expect((error as ApiError).param).toBe('prompt');
    expect((error as ApiError).code).toBe('context_length_exceeded');
  });

  it('refuses min_tokens above the cap', () => {
    const error = thrown(() => completionBudget({ ...limits, maxTokens: 5, minTokens: 6 }, 'p'));
    expect((error as ApiError).param).toBe('min_tokens');
  });
});

describe('planChoice', () => {
  it('stops at the sampled length with finish_reason stop when under the cap', () => {
    const choice = plan();
    expect(choice.pieces).toHaveLength(40);
    expect(choice.finishReason).toBe('stop');
    expect(choice.stopReason).toBeNull();
  });

  it('caps at max_tokens with finish_reason length', () => {
    const choice = plan({ budget: 10 });
    expect(choice.pieces).toHaveLength(10);
    expect(choice.finishReason).toBe('length');
  });

  it('runs to the cap with ignore_eos, however short the sampled length', () => {
    const choice = plan({
      budget: 77,
      ignoreEos: true,
      outputLength: { kind: 'fixed', tokens: 3 },
    });
    expect(choice.pieces).toHaveLength(77);
    expect(choice.finishReason).toBe('length');
  });

  it('generates at least min_tokens', () => {
    const choice = plan({ minTokens: 60 });
    expect(choice.pieces).toHaveLength(60);
    expect(choice.finishReason).toBe('stop');
  });

  it('ends at a stop string: the token that completes it counts, its text is cut', () => {
    const choice = plan({ text: numbered, stop: ['t5t6', 'zzz'] });
    // t5 starts the match and t6 completes it: 7 tokens generated, text up to t4.
    expect(choice.pieces).toEqual(['t0', 't1', 't2', 't3', 't4', '', '']);
    expect(choice.finishReason).toBe('stop');
    expect(choice.stopReason).toBe('t5t6');
  });

  it('ignores stop strings completed before min_tokens', () => {
    const choice = plan({ text: numbered, stop: ['t1'], minTokens: 5 });
    // t1 appears again inside t10 ("t1" + "0"), after min_tokens is reached.
    expect(choice.pieces).toHaveLength(11);
    expect(choice.pieces.join('')).toBe('t0t1t2t3t4t5t6t7t8t9');
    expect(choice.stopReason).toBe('t1');
  });

  it('is deterministic per random stream and differs across streams', () => {
    const distribution = { kind: 'uniform', minTokens: 1, maxTokens: 90 } as const;
    const first = plan({ outputLength: distribution, random: createRandomStream(3, 'a') });
    const again = plan({ outputLength: distribution, random: createRandomStream(3, 'a') });
    const other = plan({ outputLength: distribution, random: createRandomStream(4, 'a') });
    expect(again).toEqual(first);
    expect(other.pieces.join('')).not.toBe(first.pieces.join(''));
  });

  it('gives one logprob entry per token, the chosen token first among the alternatives', () => {
    const choice = plan({ topLogprobs: 3 });
    expect(choice.logprobs).toHaveLength(40);
    for (const [index, entry] of (choice.logprobs ?? []).entries()) {
      expect(entry.token).toBe(choice.pieces[index]);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top).toHaveLength(3);
      expect(entry.top[0]).toEqual({ token: entry.token, logprob: entry.logprob });
      const probabilities = entry.top.map((alternative) => Math.exp(alternative.logprob));
      expect(probabilities.reduce((sum, value) => sum + value, 0)).toBeLessThanOrEqual(1);
    }
    expect(plan({ topLogprobs: 0 }).logprobs?.[0]?.top).toEqual([]);
  });
});
