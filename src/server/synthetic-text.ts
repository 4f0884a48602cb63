/**
 * @module The synthetic text of completions: one piece of text per generated token, so a client
 * that re-tokenizes the answer finds as many tokens as `completion_tokens` says. `lorem` draws
 * single-token words; `echo` repeats the prompt's own tokens.
 */

import type { RandomSource } from '../core/workload/random.js';

/** Produces the text pieces of a completion. */
export interface TextSource {
  /** `count` pieces, each the text of one token. */
  pieces(count: number, random: RandomSource): string[];
  /** A plausible other token, for logprob alternatives. */
  alternative(random: RandomSource): string;
}

/** Words that are exactly one token of the served model's tokenizer. */
export interface SyntheticVocabulary {
  /** Words with a leading space (`' lorem'`), each one token. */
  readonly words: readonly string[];
  /** Capitalised words without a leading space, each one token: how a reply starts. */
  readonly starters: readonly string[];
  /** Capitalised words with a leading space (`' The'`), each one token: after a full stop. */
  readonly sentenceStarters: readonly string[];
}

function pick<T>(items: readonly T[], random: RandomSource): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Lorem-style prose: sentences of 6–15 words, each opened by a capitalised word. */
export function loremText(vocabulary: SyntheticVocabulary): TextSource {
  if (
    vocabulary.words.length === 0 ||
    vocabulary.starters.length === 0 ||
    vocabulary.sentenceStarters.length === 0
  ) {
    throw new Error('a synthetic vocabulary needs words and starters');
  }
  return {
    pieces(count, random) {
      const pieces: string[] = [];
      let untilStop = 6 + Math.floor(random() * 10);
      let sentenceOpen = false;
      for (let index = 0; index < count; index++) {
        if (index === 0) {
          pieces.push(pick(vocabulary.starters, random));
        } else if (untilStop === 0) {
          pieces.push('.');
          untilStop = 6 + Math.floor(random() * 10);
          sentenceOpen = true;
        } else if (sentenceOpen) {
          pieces.push(pick(vocabulary.sentenceStarters, random));
          sentenceOpen = false;
          untilStop--;
        } else {
          pieces.push(pick(vocabulary.words, random));
          untilStop--;
        }
      }
      return pieces;
    },
    alternative: (random) => pick(vocabulary.words, random),
  };
}

/**
 * The text of each token, decoded incrementally as vLLM streams it: a token that ends inside a
 * multi-byte character yields '' and the character comes with the token that completes it, so
 * the pieces join to exactly the decoded text.
 */
export function tokenPieces(
  tokenIds: readonly number[],
  decode: (tokenIds: readonly number[]) => string,
): string[] {
  const pieces: string[] = [];
  let pending: number[] = [];
  for (const tokenId of tokenIds) {
    pending.push(tokenId);
    const text = decode(pending);
    // A UTF-8 character spans at most 4 bytes, so at most 4 byte-level tokens.
    if (text.endsWith('\uFFFD') && pending.length < 4) {
      pieces.push('');
      continue;
    }
    pieces.push(text);
    pending = [];
  }
  return pieces;
}

/**
 * The prompt's tokens, repeated as often as needed (lorem when the prompt has none). Each round
 * ends on a newline token unless the prompt already does, so that the joined text re-tokenizes
 * into the same tokens across the seam.
 */
export function echoText(promptPieces: readonly string[], fallback: TextSource): TextSource {
  if (promptPieces.length === 0) return fallback;
  const last = promptPieces.findLast((piece) => piece !== '') ?? '';
  const round = last.endsWith('\n') ? [...promptPieces] : [...promptPieces, '\n'];
  return {
    pieces(count) {
      const pieces: string[] = [];
      for (let index = 0; index < count; index++) {
        pieces.push(round[index % round.length] as string);
      }
      return pieces;
    },
    alternative: (random) => fallback.alternative(random),
  };
}
