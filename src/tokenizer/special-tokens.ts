/**
 * @module Counting a rendered prompt the way a Hugging Face tokenizer encodes it: the strings
 * of the model's special (added) tokens are cut out first and count one token each, wherever
 * they occur, and only the text between them goes through the BPE tokenizer.
 */

import type { Tokenizer } from './tokenizer.js';

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Characters of text whose counts are remembered (about 8 MB of strings at most). */
const CACHE_CHARACTER_BUDGET = 4_000_000;
/** Shorter pieces are cheaper to encode again than to look up. */
const CACHE_MIN_CHARACTERS = 64;

/**
 * Counts the tokens of prompt text that spells out special tokens. The text between two special
 * tokens (one message of a chat, typically) is encoded independently of the rest, so its count
 * is remembered: a conversation resent with one more turn, or a system prompt shared by many
 * requests, is tokenized once.
 */
export class SpecialTokenCounter {
  /** Null when the set is empty: every character is then ordinary text. */
  private readonly pattern: RegExp | null;
  /** Segment text → token count, oldest first (Map keeps insertion order). */
  private readonly counts = new Map<string, number>();
  private cachedCharacters = 0;

  /** @param specialTokens strings that are one token each in the model's vocabulary */
  constructor(specialTokens: readonly string[]) {
    // Longest first, so that a token that is a prefix of another never wins the alternation.
    const alternatives = [...new Set(specialTokens)]
      .filter((token) => token.length > 0)
      .sort((a, b) => b.length - a.length)
      .map(escapeForRegExp);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : null;
  }

  /** Tokens of `text`: one per special-token occurrence plus the encoded text between them. */
  count(text: string, tokenizer: Tokenizer): number {
    if (this.pattern === null) return this.countSegment(text, tokenizer);
    let total = 0;
    let textStart = 0;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index > textStart) {
        total += this.countSegment(text.slice(textStart, match.index), tokenizer);
      }
      total += 1;
      textStart = match.index + match[0].length;
    }
    if (textStart < text.length) total += this.countSegment(text.slice(textStart), tokenizer);
    return total;
  }

  private countSegment(segment: string, tokenizer: Tokenizer): number {
    if (segment.length < CACHE_MIN_CHARACTERS || segment.length > CACHE_CHARACTER_BUDGET / 4) {
      return tokenizer.encode(segment).length;
    }
    const cached = this.counts.get(segment);
    if (cached !== undefined) return cached;
    const count = tokenizer.encode(segment).length;
    this.counts.set(segment, count);
    this.cachedCharacters += segment.length;
    for (const [oldest] of this.counts) {
      if (this.cachedCharacters <= CACHE_CHARACTER_BUDGET) break;
      this.counts.delete(oldest);
      this.cachedCharacters -= oldest.length;
    }
    return count;
  }
}
