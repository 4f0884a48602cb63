/**
 * @module Synthetic prompts of an exact token count for a model's tokenizer: N words drawn from
 * the tokenizer's single-token words, each with its leading space, encode to exactly N tokens
 * (each word is a pre-tokenizer piece of its own, so BPE never merges across them). Words are
 * drawn from a seeded stream so prompts differ from one another, as vLLM's random dataset does
 * to keep a prefix cache from short-cutting the prefill.
 */

import { createRandomStream } from '../core/workload/random.js';
import { LOREM_CANDIDATE_WORDS, singleTokenWords, type Tokenizer } from '../tokenizer/index.js';

/** Returns a prompt of exactly `tokens` tokens (no special tokens) per call. */
export type PromptWriter = (tokens: number) => string;

/** A writer of prompts for `tokenizer`, deterministic for a seed. */
export function createPromptWriter(tokenizer: Tokenizer, seed: number): PromptWriter {
  const words = singleTokenWords(tokenizer, LOREM_CANDIDATE_WORDS);
  if (words.length === 0) {
    throw new Error(`no single-token words for tokenizer ${tokenizer.name}`);
  }
  const random = createRandomStream(seed, 'bench-prompt-words');
  return (tokens) => {
    const parts: string[] = new Array(tokens);
    for (let index = 0; index < tokens; index++) {
      parts[index] = words[Math.floor(random() * words.length)] as string;
    }
    return parts.join('');
  };
}
