/**
 * @module Which tokenizer, chat template and BOS rule a served model gets, chosen from its
 * Hugging Face id (case-insensitive patterns, so catalog aliases and paths that name the model
 * work too), with the config's `model_type` or architecture name as a fallback hint.
 */

import type { ChatTemplateName } from './chat-template.js';
import type { TokenizerKind } from './tokenizer.js';

/** The model families told apart here. */
export type ModelFamilyName =
  | 'llama3.1'
  | 'llama3-instruct'
  | 'llama3-base'
  | 'llama2-chat'
  | 'llama2-base'
  | 'mistral-instruct'
  | 'mistral-instruct-v3'
  | 'mistral-base'
  | 'qwen2.5-instruct'
  | 'qwen2'
  | 'qwen3'
  | 'phi3'
  | 'unknown';

/** How prompts of one family are tokenized and templated. */
export interface ModelFamily {
  readonly name: ModelFamilyName;
  readonly tokenizerKind: TokenizerKind;
  /** True when `tokenizerKind` is the family's own tokenizer, so counts match vLLM exactly. */
  readonly exact: boolean;
  readonly chatTemplate: ChatTemplateName;
  /**
   * The BOS token the tokenizer prepends to a /v1/completions prompt (vLLM encodes those with
   * `add_special_tokens=True`), or null for tokenizers that add none (Qwen, Phi-3).
   */
  readonly bosToken: string | null;
  /**
   * Strings the model's tokenizer encodes as one token wherever they appear in the text. Chat
   * markers missing from this list (ChatML on a Llama base model) are tokenized as plain text, as
   * vLLM would with such a template passed by `--chat-template`.
   */
  readonly specialTokens: readonly string[];
}

const LLAMA3_SPECIAL_TOKENS = [
  '<|begin_of_text|>',
  '<|end_of_text|>',
  '<|start_header_id|>',
  '<|end_header_id|>',
  '<|eot_id|>',
  '<|eom_id|>',
  '<|python_tag|>',
];
const SENTENCEPIECE_SPECIAL_TOKENS = ['<s>', '</s>', '<unk>'];
const MISTRAL_V3_SPECIAL_TOKENS = [
  ...SENTENCEPIECE_SPECIAL_TOKENS,
  '[INST]',
  '[/INST]',
  '[TOOL_CALLS]',
  '[AVAILABLE_TOOLS]',
  '[/AVAILABLE_TOOLS]',
  '[TOOL_RESULTS]',
  '[/TOOL_RESULTS]',
];
const CHATML_SPECIAL_TOKENS = ['<|im_start|>', '<|im_end|>', '<|endoftext|>'];
const QWEN2_SPECIAL_TOKENS = [...CHATML_SPECIAL_TOKENS, '<tool_call>', '</tool_call>'];
const QWEN3_SPECIAL_TOKENS = [
  ...QWEN2_SPECIAL_TOKENS,
  '<tool_response>',
  '</tool_response>',
  '<think>',
  '</think>',
];
const PHI3_SPECIAL_TOKENS = [
  ...SENTENCEPIECE_SPECIAL_TOKENS,
  '<|endoftext|>',
  '<|system|>',
  '<|user|>',
  '<|assistant|>',
  '<|end|>',
];

/** Every family's settings. Only the Llama 3 families have their own tokenizer here. */
export const MODEL_FAMILIES: Readonly<Record<ModelFamilyName, ModelFamily>> = {
  'llama3.1': {
    name: 'llama3.1',
    tokenizerKind: 'llama3',
    exact: true,
    chatTemplate: 'llama3.1',
    bosToken: '<|begin_of_text|>',
    specialTokens: LLAMA3_SPECIAL_TOKENS,
  },
  'llama3-instruct': {
    name: 'llama3-instruct',
    tokenizerKind: 'llama3',
    exact: true,
    chatTemplate: 'llama3',
    bosToken: '<|begin_of_text|>',
    specialTokens: LLAMA3_SPECIAL_TOKENS,
  },
  'llama3-base': {
    name: 'llama3-base',
    tokenizerKind: 'llama3',
    exact: true,
    chatTemplate: 'chatml',
    bosToken: '<|begin_of_text|>',
    specialTokens: LLAMA3_SPECIAL_TOKENS,
  },
  'llama2-chat': {
    name: 'llama2-chat',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'llama2',
    bosToken: '<s>',
    specialTokens: SENTENCEPIECE_SPECIAL_TOKENS,
  },
  'llama2-base': {
    name: 'llama2-base',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'chatml',
    bosToken: '<s>',
    specialTokens: SENTENCEPIECE_SPECIAL_TOKENS,
  },
  'mistral-instruct': {
    name: 'mistral-instruct',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'mistral',
    bosToken: '<s>',
    specialTokens: SENTENCEPIECE_SPECIAL_TOKENS,
  },
  'mistral-instruct-v3': {
    name: 'mistral-instruct-v3',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'mistral-v3',
    bosToken: '<s>',
    specialTokens: MISTRAL_V3_SPECIAL_TOKENS,
  },
  'mistral-base': {
    name: 'mistral-base',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'chatml',
    bosToken: '<s>',
    specialTokens: SENTENCEPIECE_SPECIAL_TOKENS,
  },
  'qwen2.5-instruct': {
    name: 'qwen2.5-instruct',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'chatml-qwen2.5',
    bosToken: null,
    specialTokens: QWEN2_SPECIAL_TOKENS,
  },
  qwen2: {
    name: 'qwen2',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'chatml-qwen2',
    bosToken: null,
    specialTokens: QWEN2_SPECIAL_TOKENS,
  },
  qwen3: {
    name: 'qwen3',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'chatml-qwen3',
    bosToken: null,
    specialTokens: QWEN3_SPECIAL_TOKENS,
  },
  phi3: {
    name: 'phi3',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'phi3',
    bosToken: null,
    specialTokens: PHI3_SPECIAL_TOKENS,
  },
  unknown: {
    name: 'unknown',
    tokenizerKind: 'cl100k_base',
    exact: false,
    chatTemplate: 'chatml',
    bosToken: null,
    specialTokens: CHATML_SPECIAL_TOKENS,
  },
};

/** A chat-tuned variant by name (`-Instruct`, `-chat-hf`), as opposed to a base model. */
function isChatTuned(lowerId: string): boolean {
  return lowerId.includes('instruct') || lowerId.includes('chat');
}

function familyFromId(modelId: string): ModelFamilyName | undefined {
  const id = modelId.toLowerCase();
  const chatTuned = isChatTuned(id);
  // Llama 3.1 and 3.3 share one template; the 3.1 base models get it too (they share the
  // tokenizer, and the alternative, ChatML, is foreign to them). Meta-Llama-3 base models have no
  // template of their own, so they fall back to generic ChatML.
  if (/llama-?3\.[13](?!\d)/.test(id)) return 'llama3.1';
  if (/llama-?3(?![.\d])/.test(id)) return chatTuned ? 'llama3-instruct' : 'llama3-base';
  if (/llama-?2(?![.\d])/.test(id)) return chatTuned ? 'llama2-chat' : 'llama2-base';
  if (/mi[sx]tral/.test(id)) {
    if (!chatTuned) return 'mistral-base';
    // v0.1/v0.2 and Mixtral spell [INST] as text; the catalog's bare "mistral-7b-instruct" alias
    // names v0.3, the version with control tokens.
    return /mixtral|instruct-v0\.[12](?!\d)/.test(id) ? 'mistral-instruct' : 'mistral-instruct-v3';
  }
  if (/qwen-?3(?![.\d])/.test(id)) return 'qwen3';
  // The Qwen2.5 base models' template defaults to Qwen2's shorter system prompt, not to the
  // "You are Qwen, created by Alibaba Cloud" one of the Instruct models.
  if (/qwen-?2\.5(?!\d)/.test(id)) return chatTuned ? 'qwen2.5-instruct' : 'qwen2';
  if (/qwen-?2(?![.\d])/.test(id)) return 'qwen2';
  if (/phi-(?:mini|tiny)-moe|phi-3/.test(id)) return 'phi3';
  return undefined;
}

/**
 * `model_type` values and architecture names (lower case) that identify a family even when the
 * id is a path that names nothing. `llama` is absent on purpose: Llama 2 and Llama 3 share it
 * but not their tokenizer.
 */
const FAMILY_BY_MODEL_TYPE: ReadonlyMap<string, ModelFamilyName> = new Map([
  ['qwen3', 'qwen3'],
  ['qwen3_moe', 'qwen3'],
  ['qwen3forcausallm', 'qwen3'],
  ['qwen3moeforcausallm', 'qwen3'],
  ['qwen2', 'qwen2'],
  ['qwen2_moe', 'qwen2'],
  ['qwen2forcausallm', 'qwen2'],
  ['qwen2moeforcausallm', 'qwen2'],
  ['mistral', 'mistral-instruct'],
  ['mixtral', 'mistral-instruct'],
  ['mistralforcausallm', 'mistral-instruct'],
  ['mixtralforcausallm', 'mistral-instruct'],
  ['phimoe', 'phi3'],
  ['phi3', 'phi3'],
  ['phimoeforcausallm', 'phi3'],
  ['phi3forcausallm', 'phi3'],
]);

/**
 * The family of a served model. The id decides when it names a known family; otherwise
 * `modelType` (a config.json `model_type` such as `qwen3_moe`, or an `architectures` entry such as
 * `Qwen3MoeForCausalLM`) may; otherwise the family is `unknown` (cl100k estimate, generic ChatML).
 */
export function resolveModelFamily(modelId: string, modelType?: string): ModelFamily {
  const fromId = familyFromId(modelId);
  if (fromId !== undefined) return MODEL_FAMILIES[fromId];
  const fromType =
    modelType === undefined ? undefined : FAMILY_BY_MODEL_TYPE.get(modelType.toLowerCase());
  return MODEL_FAMILIES[fromType ?? 'unknown'];
}
