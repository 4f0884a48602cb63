/**
 * @module Special-token counting: specials count one each wherever they occur, the text between
 * them is encoded, and long segments are encoded once and then remembered within a budget.
 */

import { describe, expect, it } from 'vitest';
import { SpecialTokenCounter } from './special-tokens.js';
import type { Tokenizer } from './tokenizer.js';

/** One token per whitespace-separated word; counts how often it is asked to encode. */
function wordTokenizer() {
  const calls: string[] = [];
  const tokenizer: Tokenizer = {
    name: 'words',
    encode: (text) => {
      calls.push(text);
      return text
        .split(/\s+/)
        .filter((word) => word !== '')
        .map((_, index) => index);
    },
    decode: () => '',
  };
  return { tokenizer, calls };
}

describe('SpecialTokenCounter', () => {
  it('counts each special once and encodes only the text between them', () => {
    const { tokenizer, calls } = wordTokenizer();
    const counter = new SpecialTokenCounter(['<s>', '<|eot|>']);
    expect(counter.count('<s>hello world<|eot|><|eot|>again', tokenizer)).toBe(3 + 3);
    expect(calls).toEqual(['hello world', 'again']);
  });

  it('encodes a long segment once, however often prompts repeat it', () => {
    const { tokenizer, calls } = wordTokenizer();
    const counter = new SpecialTokenCounter(['<|eot|>']);
    const system = 'You are a careful assistant. '.repeat(10);
    const first = counter.count(`${system}<|eot|>first question`, tokenizer);
    const second = counter.count(`${system}<|eot|>second question here`, tokenizer);
    expect(first).toBe(50 + 1 + 2);
    expect(second).toBe(50 + 1 + 3);
    expect(calls.filter((text) => text === system)).toHaveLength(1);
  });

  it('forgets the oldest segments beyond its budget', () => {
    const { tokenizer, calls } = wordTokenizer();
    const counter = new SpecialTokenCounter(['<|eot|>']);
    const segment = (index: number) => `segment ${index} ${'x '.repeat(100_000)}`;
    for (let index = 0; index < 25; index++) counter.count(segment(index), tokenizer);
    const before = calls.length;
    counter.count(segment(24), tokenizer);
    expect(calls.length).toBe(before);
    counter.count(segment(0), tokenizer);
    expect(calls.length).toBe(before + 1);
  });
});
