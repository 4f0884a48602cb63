/**
 * @module Prompt token counting for a served model, as vLLM reports `usage.prompt_tokens`: the
 * model's family picks the tokenizer (exact for Llama 3, a cl100k_base estimate otherwise), the
 * BOS rule for completions and the chat template for chat completions.
 */

import { type ChatMessageText, type ChatTemplateName, renderChatPrompt } from './chat-template.js';
import { type ModelFamily, type ModelFamilyName, resolveModelFamily } from './model-family.js';
import { SpecialTokenCounter } from './special-tokens.js';
import { loadTokenizer, type Tokenizer } from './tokenizer.js';

export type { ChatMessageText } from './chat-template.js';

/** Token counting and encoding for one served model. */
export interface ModelTokenizer {
  readonly tokenizer: Tokenizer;
  /** true when `tokenizer` is the model's own tokenizer (counts match vLLM), false = estimated */
  readonly exact: boolean;
  /**
   * chat template family name, e.g. 'llama3.1', 'llama3', 'llama2', 'mistral', 'mistral-v3',
   * 'chatml-qwen2.5', 'chatml-qwen2', 'chatml-qwen3', 'phi3', 'chatml'
   */
  readonly chatTemplate: string;
  /** The family that chose the tokenizer and template, e.g. 'llama3.1', 'qwen3', 'unknown'. */
  readonly family: ModelFamilyName;
  /**
   * Tokens vLLM's /v1/completions counts for a text prompt (the tokenizer's BOS included where
   * the model adds one: Llama 2/3, Mistral yes; Qwen, Phi-3 no).
   */
  countCompletionPrompt(text: string): number;
  /**
   * Tokens of a chat prompt: the template rendered with the generation prompt (assistant
   * header) and tokenized; special tokens count 1 each.
   */
  countChatPrompt(messages: readonly ChatMessageText[]): number;
  /** The chat prompt text that `countChatPrompt` counts, special tokens spelled out. */
  renderChatPrompt(messages: readonly ChatMessageText[]): string;
  /** Text → token ids without special tokens (for echo/logprobs). */
  encode(text: string): number[];
  decode(tokenIds: readonly number[]): string;
}

/** A model tokenizer for `family` over an already loaded `tokenizer` of the family's kind. */
export function createModelTokenizer(family: ModelFamily, tokenizer: Tokenizer): ModelTokenizer {
  const counter = new SpecialTokenCounter(family.specialTokens);
  const template: ChatTemplateName = family.chatTemplate;
  // BOS is added by the tokenizer, not taken from the text, so it counts even for an empty prompt.
  const bosTokens = family.bosToken === null ? 0 : 1;
  return {
    tokenizer,
    exact: family.exact,
    chatTemplate: template,
    family: family.name,
    countCompletionPrompt: (text) => bosTokens + counter.count(text, tokenizer),
    countChatPrompt: (messages) => counter.count(renderChatPrompt(template, messages), tokenizer),
    renderChatPrompt: (messages) => renderChatPrompt(template, messages),
    encode: (text) => tokenizer.encode(text),
    decode: (tokenIds) => tokenizer.decode(tokenIds),
  };
}

const loadedModelTokenizers = new Map<ModelFamilyName, Promise<ModelTokenizer>>();

/**
 * Loads (lazily, cached per tokenizer kind — loading costs 0.15–1 s) the tokenizer for a model.
 * `modelId` is a Hugging Face id, catalog alias or config.json path; `modelType` is the config's
 * `model_type` or an `architectures` entry, consulted only when the id names no known family.
 * Repeated calls for one family return the same promise.
 */
export function loadModelTokenizer(modelId: string, modelType?: string): Promise<ModelTokenizer> {
  const family = resolveModelFamily(modelId, modelType);
  // One instance per family (a dozen at most), so ids and aliases of one family share it and the
  // cache cannot grow with the ids callers make up.
  const cached = loadedModelTokenizers.get(family.name);
  if (cached !== undefined) return cached;
  const loading = loadTokenizer(family.tokenizerKind).then((tokenizer) =>
    createModelTokenizer(family, tokenizer),
  );
  loadedModelTokenizers.set(family.name, loading);
  loading.catch(() => loadedModelTokenizers.delete(family.name));
  return loading;
}
