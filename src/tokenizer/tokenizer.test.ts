/**
 * @module Tests of the raw tokenizers: both kinds meet the shared contract, Llama 3 ids and
 * counts are the package's exact ones, cl100k accepts special-token text, and loading is cached.
 */

import { describe, expect, it } from 'vitest';
import { describeTokenizerContract } from './tokenizer.contract.js';
import { loadTokenizer, TOKENIZER_KINDS } from './tokenizer.js';

for (const kind of TOKENIZER_KINDS) {
  describeTokenizerContract(kind, () => loadTokenizer(kind));
}

describe('llama3 tokenizer', () => {
  it.each([
    ['Hello world', [9906, 1917]],
    ['Hello world!', [9906, 1917, 0]],
    [' hello', [24748]],
    ['\n\n', [271]],
    ['assistant', [78191]],
  ])('encodes %j to the Llama 3 ids %j', async (text, tokenIds) => {
    const tokenizer = await loadTokenizer('llama3');
    expect(tokenizer.encode(text)).toEqual(tokenIds);
  });

  it('encodes a special-token string in the text as that special token, as vLLM does', async () => {
    const tokenizer = await loadTokenizer('llama3');
    expect(tokenizer.encode('<|eot_id|>x')).toEqual([128009, 87]);
  });

  it('uses the ids beyond cl100k for text only the Llama 3 vocabulary covers', async () => {
    const tokenizer = await loadTokenizer('llama3');
    // Hand-checked with the package: cl100k needs 6 tokens for this greeting.
    expect(tokenizer.encode(' Здравствуйте')).toEqual([121058, 28086, 20812, 127725]);
  });
});

describe('cl100k_base tokenizer', () => {
  it('encodes "Hello world" to [9906, 1917]', async () => {
    const tokenizer = await loadTokenizer('cl100k_base');
    expect(tokenizer.encode('Hello world')).toEqual([9906, 1917]);
  });

  it('encodes <|endoftext|> in the text as plain text instead of throwing', async () => {
    const tokenizer = await loadTokenizer('cl100k_base');
    const tokenIds = tokenizer.encode('<|endoftext|>');
    expect(tokenIds.length).toBeGreaterThan(1);
    expect(tokenIds).not.toContain(100257);
  });
});

describe('loadTokenizer', () => {
  it('returns the same promise and instance for repeated calls of one kind', async () => {
    const first = loadTokenizer('llama3');
    const second = loadTokenizer('llama3');
    expect(second).toBe(first);
    expect(await second).toBe(await first);
    expect(await loadTokenizer('cl100k_base')).not.toBe(await first);
  });
});
