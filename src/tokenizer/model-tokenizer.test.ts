/**
 * @module Tests of prompt counting per served model: Llama 3.1 chat totals with their arithmetic
 * spelled out, BOS handling for completions, the Qwen2.5 default system message, the exact flag,
 * agreement with the Llama 3 package's own special-token parsing, and caching.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MODEL_FAMILIES } from './model-family.js';
import {
  type ChatMessageText,
  createModelTokenizer,
  loadModelTokenizer,
} from './model-tokenizer.js';
import { loadTokenizer } from './tokenizer.js';

/** Token counts of the text between special tokens, hand-checked with llama3-tokenizer-js. */
const LLAMA3_TEXT_TOKENS = {
  system: 1,
  user: 1,
  assistant: 1,
  /** '\n\n' after each header */
  blankLine: 1,
  /** '\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' */
  dateBlock: 21,
  /** the date block followed by 'You are a helpful assistant.' */
  dateBlockWithSystem: 27,
  /** '\n\nHello world' */
  helloWorld: 3,
  /** '\n\nWhat is the capital of France?' */
  capitalQuestion: 8,
} as const;

/** Special tokens every Llama 3.1 prompt of system + n turns + generation prompt contains. */
function llama31SpecialTokens(turns: number): number {
  const beginOfText = 1;
  const headerPair = 2; // <|start_header_id|> … <|end_header_id|>
  const endOfTurn = 1; // <|eot_id|>
  return beginOfText + (1 + turns) * (headerPair + endOfTurn) + headerPair;
}

describe('Llama 3.1 chat prompts (exact)', () => {
  it('counts one user message: 9 specials + system block + turn + generation prompt', async () => {
    const model = await loadModelTokenizer('meta-llama/Llama-3.1-8B-Instruct');
    const text = LLAMA3_TEXT_TOKENS;
    const expected =
      llama31SpecialTokens(1) +
      (text.system + text.dateBlock) +
      (text.user + text.helloWorld) +
      (text.assistant + text.blankLine);
    expect(llama31SpecialTokens(1)).toBe(9);
    expect(expected).toBe(37);
    expect(model.countChatPrompt([{ role: 'user', content: 'Hello world' }])).toBe(37);
  });

  it('counts system + user: the system message joins the date block', async () => {
    const model = await loadModelTokenizer('meta-llama/Llama-3.3-70B-Instruct');
    const text = LLAMA3_TEXT_TOKENS;
    const expected =
      llama31SpecialTokens(1) +
      (text.system + text.dateBlockWithSystem) +
      (text.user + text.capitalQuestion) +
      (text.assistant + text.blankLine);
    expect(expected).toBe(48);
    const messages: ChatMessageText[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'What is the capital of France?' },
    ];
    expect(model.countChatPrompt(messages)).toBe(48);
  });

  it('trims content before counting, as the template does', async () => {
    const model = await loadModelTokenizer('meta-llama/Llama-3.1-8B-Instruct');
    expect(model.countChatPrompt([{ role: 'user', content: '  Hello world \n' }])).toBe(37);
  });
});

describe('completion prompts', () => {
  it.each([
    ['meta-llama/Llama-3.1-8B', 'Hello world', 1 + 2],
    ['meta-llama/Meta-Llama-3-8B', 'Hello world', 1 + 2],
    ['meta-llama/Llama-3.1-8B', '', 1],
    ['meta-llama/Llama-2-7b-hf', 'Hello world', 1 + 2],
    ['mistralai/Mistral-7B-v0.1', 'Hello world', 1 + 2],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'Hello world', 1 + 2],
    ['Qwen/Qwen2.5-7B', 'Hello world', 2],
    ['Qwen/Qwen3-8B', 'Hello world', 2],
    ['Qwen/Qwen3-8B', '', 0],
    ['microsoft/Phi-mini-MoE-instruct', 'Hello world', 2],
    ['/somewhere/config.json', 'Hello world', 2],
  ])(
    '%s counts %j as %i tokens (BOS included where the tokenizer adds it)',
    async (modelId, text, expected) => {
      const model = await loadModelTokenizer(modelId);
      expect(model.countCompletionPrompt(text)).toBe(expected);
    },
  );

  it('counts a special token spelled in a Llama 3 prompt as one token, as vLLM does', async () => {
    const model = await loadModelTokenizer('meta-llama/Llama-3.1-8B');
    expect(model.countCompletionPrompt('Hello<|eot_id|>world')).toBe(1 + 1 + 1 + 1);
  });

  it('keeps encode free of special tokens: BOS appears only in the count', async () => {
    const model = await loadModelTokenizer('meta-llama/Llama-3.1-8B');
    expect(model.encode('Hello world')).toEqual([9906, 1917]);
    expect(model.decode([9906, 1917])).toBe('Hello world');
  });
});

describe('Qwen chat prompts (estimated with cl100k_base)', () => {
  it('adds the default Qwen2.5 system message: 5 specials + 25 text tokens', async () => {
    const model = await loadModelTokenizer('Qwen/Qwen2.5-7B-Instruct');
    // <|im_start|> 'system\nYou are Qwen, … assistant.' (18) <|im_end|> '\n' (1)
    // <|im_start|> 'user\nHi' (3) <|im_end|> '\n' (1) <|im_start|> 'assistant\n' (2)
    const specials = 5;
    const text = 18 + 1 + 3 + 1 + 2;
    expect(model.countChatPrompt([{ role: 'user', content: 'Hi' }])).toBe(specials + text);
  });

  it('replaces the default with a given system message', async () => {
    const model = await loadModelTokenizer('Qwen/Qwen2.5-72B-Instruct');
    const withDefault = model.countChatPrompt([{ role: 'user', content: 'Hi' }]);
    const withShortSystem = model.countChatPrompt([
      { role: 'system', content: 'Hi' },
      { role: 'user', content: 'Hi' },
    ]);
    // 'system\nYou are Qwen, …' (18 tokens) becomes 'system\nHi' (3 tokens).
    expect(withDefault - withShortSystem).toBe(15);
  });

  it('Qwen3 has no default system message: 3 specials + 6 text tokens for "Hi"', async () => {
    const model = await loadModelTokenizer('Qwen/Qwen3-32B');
    expect(model.countChatPrompt([{ role: 'user', content: 'Hi' }])).toBe(3 + (3 + 1 + 2));
  });
});

describe('exact flag and template per family', () => {
  it.each([
    ['meta-llama/Llama-3.1-70B-Instruct', true, 'llama3.1', 'llama3'],
    ['meta-llama/Meta-Llama-3-8B-Instruct', true, 'llama3', 'llama3'],
    ['meta-llama/Meta-Llama-3-70B', true, 'chatml', 'llama3'],
    ['meta-llama/Llama-2-13b-chat-hf', false, 'llama2', 'cl100k_base'],
    ['mistralai/Mistral-7B-Instruct-v0.3', false, 'mistral-v3', 'cl100k_base'],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', false, 'mistral', 'cl100k_base'],
    ['Qwen/Qwen2.5-7B-Instruct', false, 'chatml-qwen2.5', 'cl100k_base'],
    ['Qwen/Qwen3-30B-A3B', false, 'chatml-qwen3', 'cl100k_base'],
    ['microsoft/Phi-mini-MoE-instruct', false, 'phi3', 'cl100k_base'],
    ['./config.json', false, 'chatml', 'cl100k_base'],
  ])('%s: exact %s, template %s, tokenizer %s', async (modelId, exact, template, tokenizerName) => {
    const model = await loadModelTokenizer(modelId);
    expect(model.exact).toBe(exact);
    expect(model.chatTemplate).toBe(template);
    expect(model.tokenizer.name).toBe(tokenizerName);
  });

  it('spells ChatML markers as text on a Llama 3 base model (not in its vocabulary)', async () => {
    const model = await loadModelTokenizer('meta-llama/Meta-Llama-3-8B');
    const messages = [{ role: 'user', content: 'Hi' }];
    const rendered = model.renderChatPrompt(messages);
    expect(rendered.startsWith('<|im_start|>user')).toBe(true);
    expect(model.countChatPrompt(messages)).toBe(model.encode(rendered).length);
    expect(model.countChatPrompt(messages)).toBeGreaterThan(3 + 6);
  });

  it('uses the model type when the id is an anonymous path', async () => {
    const model = await loadModelTokenizer('/data/checkpoint/config.json', 'qwen3_moe');
    expect(model.family).toBe('qwen3');
    expect(model.chatTemplate).toBe('chatml-qwen3');
  });
});

describe('agreement with the Llama 3 package on arbitrary conversations', () => {
  const fragment = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.constantFrom('<|eot_id|>', '<|begin_of_text|>', '<|reserved_special_token_7|>', '\n\n', ' '),
  );
  const content = fc.array(fragment, { maxLength: 5 }).map((pieces) => pieces.join(''));
  const message = fc.record({
    role: fc.constantFrom('system', 'user', 'assistant', 'tool'),
    content,
  });

  it('counts every Llama 3 chat prompt as the package counts its rendered text', async () => {
    const tokenizer = await loadTokenizer('llama3');
    for (const family of [MODEL_FAMILIES['llama3.1'], MODEL_FAMILIES['llama3-instruct']]) {
      const model = createModelTokenizer(family, tokenizer);
      fc.assert(
        fc.property(fc.array(message, { maxLength: 6 }), (messages) => {
          const rendered = model.renderChatPrompt(messages);
          expect(model.countChatPrompt(messages)).toBe(tokenizer.encode(rendered).length);
        }),
        { numRuns: 150, seed: 20240726 },
      );
    }
  });
});

describe('loadModelTokenizer caching', () => {
  it('returns the same promise and instance for the same model twice', async () => {
    const first = loadModelTokenizer('meta-llama/Llama-3.1-8B-Instruct');
    const second = loadModelTokenizer('meta-llama/Llama-3.1-8B-Instruct');
    expect(second).toBe(first);
    expect(await second).toBe(await first);
  });

  it('shares one instance across ids of one family and one tokenizer across families', async () => {
    const instruct = await loadModelTokenizer('meta-llama/Llama-3.1-8B-Instruct');
    const alias = await loadModelTokenizer('llama3.3-70b');
    const llama3 = await loadModelTokenizer('meta-llama/Meta-Llama-3-8B-Instruct');
    expect(alias).toBe(instruct);
    expect(llama3).not.toBe(instruct);
    expect(llama3.tokenizer).toBe(instruct.tokenizer);
  });
});
