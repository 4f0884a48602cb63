/**
 * @module Tests of the chat templates: each renders, character for character, what the
 * published Jinja template renders for the same conversation with the generation prompt.
 */

import { describe, expect, it } from 'vitest';
import type { ChatMessageText } from './chat-template.js';
import { renderChatPrompt } from './chat-template.js';

const USER_ONLY: readonly ChatMessageText[] = [{ role: 'user', content: ' Hello world ' }];

const CONVERSATION: readonly ChatMessageText[] = [
  { role: 'system', content: ' Be brief. ' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: ' Hello! ' },
  { role: 'user', content: 'Bye' },
];

describe('renderChatPrompt', () => {
  describe('llama3.1', () => {
    const header =
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n' +
      'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n';

    it('always writes the system block, empty without a system message', () => {
      expect(renderChatPrompt('llama3.1', USER_ONLY)).toBe(
        `${header}<|eot_id|>` +
          '<|start_header_id|>user<|end_header_id|>\n\nHello world<|eot_id|>' +
          '<|start_header_id|>assistant<|end_header_id|>\n\n',
      );
    });

    it('trims the system message into the system block and every other content', () => {
      expect(renderChatPrompt('llama3.1', CONVERSATION)).toBe(
        `${header}Be brief.<|eot_id|>` +
          '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
          '<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>' +
          '<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>' +
          '<|start_header_id|>assistant<|end_header_id|>\n\n',
      );
    });

    it('renders tool results under the ipython header, untrimmed', () => {
      const rendered = renderChatPrompt('llama3.1', [{ role: 'tool', content: ' 42 ' }]);
      expect(rendered).toContain('<|start_header_id|>ipython<|end_header_id|>\n\n 42 <|eot_id|>');
    });

    it('renders an empty conversation as the system block and the generation prompt', () => {
      expect(renderChatPrompt('llama3.1', [])).toBe(
        `${header}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
      );
    });
  });

  it('llama3: BOS once, every message as its own trimmed turn, no default system', () => {
    expect(renderChatPrompt('llama3', CONVERSATION)).toBe(
      '<|begin_of_text|>' +
        '<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('llama2: BOS per user turn, <<SYS>> folded into the first, EOS after answers', () => {
    expect(renderChatPrompt('llama2', CONVERSATION)).toBe(
      '<s>[INST] <<SYS>>\n Be brief. \n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]',
    );
    expect(renderChatPrompt('llama2', USER_ONLY)).toBe('<s>[INST] Hello world [/INST]');
  });

  it('mistral: one BOS, system folded into the first user turn, spaced [INST] markers', () => {
    expect(renderChatPrompt('mistral', CONVERSATION)).toBe(
      '<s> [INST]  Be brief. \n\nHi [/INST]  Hello! </s> [INST] Bye [/INST]',
    );
  });

  describe('mistral-v3', () => {
    it('folds the system message into the last user turn and trims answers', () => {
      expect(renderChatPrompt('mistral-v3', CONVERSATION)).toBe(
        '<s>[INST] Hi[/INST] Hello!</s>[INST]  Be brief. \n\nBye[/INST]',
      );
    });

    it('drops the system message when the conversation does not end on a user turn', () => {
      const rendered = renderChatPrompt('mistral-v3', CONVERSATION.slice(0, 3));
      expect(rendered).toBe('<s>[INST] Hi[/INST] Hello!</s>');
    });
  });

  describe('chatml-qwen2.5', () => {
    it('adds the default Qwen system message when none is given', () => {
      expect(renderChatPrompt('chatml-qwen2.5', [{ role: 'user', content: 'Hi' }])).toBe(
        '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. ' +
          'You are a helpful assistant.<|im_end|>\n' +
          '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
      );
    });

    it('uses the given system message once, without trimming anything', () => {
      expect(renderChatPrompt('chatml-qwen2.5', CONVERSATION)).toBe(
        '<|im_start|>system\n Be brief. <|im_end|>\n' +
          '<|im_start|>user\nHi<|im_end|>\n' +
          '<|im_start|>assistant\n Hello! <|im_end|>\n' +
          '<|im_start|>user\nBye<|im_end|>\n' +
          '<|im_start|>assistant\n',
      );
    });

    it('groups consecutive tool results into one user turn', () => {
      const rendered = renderChatPrompt('chatml-qwen2.5', [
        { role: 'system', content: 'S' },
        { role: 'tool', content: 'a' },
        { role: 'tool', content: 'b' },
      ]);
      expect(rendered).toBe(
        '<|im_start|>system\nS<|im_end|>\n' +
          '<|im_start|>user\n<tool_response>\na\n</tool_response>' +
          '\n<tool_response>\nb\n</tool_response><|im_end|>\n' +
          '<|im_start|>assistant\n',
      );
    });
  });

  it('chatml-qwen2: the shorter Qwen2 default system message', () => {
    expect(renderChatPrompt('chatml-qwen2', [{ role: 'user', content: 'Hi' }])).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  describe('chatml-qwen3', () => {
    it('has no default system message and an empty generation prompt after the header', () => {
      expect(renderChatPrompt('chatml-qwen3', [{ role: 'user', content: 'Hi' }])).toBe(
        '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
      );
    });

    it('drops reasoning from answers before the last user query', () => {
      const rendered = renderChatPrompt('chatml-qwen3', [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '<think>\nplanning\n</think>\n\nHello!' },
        { role: 'user', content: 'Bye' },
      ]);
      expect(rendered).toBe(
        '<|im_start|>user\nHi<|im_end|>\n' +
          '<|im_start|>assistant\nHello!<|im_end|>\n' +
          '<|im_start|>user\nBye<|im_end|>\n' +
          '<|im_start|>assistant\n',
      );
    });

    it('keeps reasoning in answers after the last user query', () => {
      const rendered = renderChatPrompt('chatml-qwen3', [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '<think>\nplanning\n</think>\n\nCalling a tool' },
        { role: 'tool', content: '42' },
      ]);
      expect(rendered).toBe(
        '<|im_start|>user\nHi<|im_end|>\n' +
          '<|im_start|>assistant\n<think>\nplanning\n</think>\n\nCalling a tool<|im_end|>\n' +
          '<|im_start|>user\n<tool_response>\n42\n</tool_response><|im_end|>\n' +
          '<|im_start|>assistant\n',
      );
    });
  });

  it('phi3: role tags, <|end|> after each message, empty system skipped', () => {
    expect(
      renderChatPrompt('phi3', [
        { role: 'system', content: '' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toBe('<|user|>\nHi<|end|>\n<|assistant|>\n');
    expect(renderChatPrompt('phi3', CONVERSATION)).toBe(
      '<|system|>\n Be brief. <|end|>\n<|user|>\nHi<|end|>\n' +
        '<|assistant|>\n Hello! <|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n',
    );
  });

  it('chatml: every message in order, any role, no default system', () => {
    expect(renderChatPrompt('chatml', [{ role: 'developer', content: 'x' }, ...USER_ONLY])).toBe(
      '<|im_start|>developer\nx<|im_end|>\n<|im_start|>user\n Hello world <|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });
});
