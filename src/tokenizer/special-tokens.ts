/**
 * @module Counting a rendered prompt the way a Hugging Face tokenizer encodes it: the strings
 * of the model's special (added) tokens are cut out first and count one token each, wherever
 * they occur, and only the text between them goes through the BPE tokenizer.
 */

import type { Tokenizer } from './tokenizer.js';

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Counts the tokens of prompt text that spells out special tokens. */
export class SpecialTokenCounter {
  /** Null when the set is empty: every character is then ordinary text. */
  private readonly pattern: RegExp | null;

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
    if (this.pattern === null) return tokenizer.encode(text).length;
    let total = 0;
    let textStart = 0;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index > textStart) {
        total += tokenizer.encode(text.slice(textStart, match.index)).length;
      }
      total += 1;
      textStart = match.index + match[0].length;
    }
    if (textStart < text.length) total += tokenizer.encode(text.slice(textStart)).length;
    return total;
  }
}
