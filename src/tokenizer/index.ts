/**
 * @module Public surface of the tokenizer folder: prompt token counting per served model, the
 * raw tokenizers, and single-token words for synthetic output.
 */

export { type ChatTemplateName, renderChatPrompt } from './chat-template.js';
export {
  MODEL_FAMILIES,
  type ModelFamily,
  type ModelFamilyName,
  resolveModelFamily,
} from './model-family.js';
export {
  type ChatMessageText,
  createModelTokenizer,
  loadModelTokenizer,
  type ModelTokenizer,
} from './model-tokenizer.js';
export { LOREM_CANDIDATE_WORDS, singleTokenWords } from './single-token-words.js';
export { loadTokenizer, TOKENIZER_KINDS, type Tokenizer, type TokenizerKind } from './tokenizer.js';
