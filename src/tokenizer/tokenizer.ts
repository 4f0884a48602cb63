/**
 * @module Text tokenizers (no special tokens added) and their lazy, cached loading: the Llama 3
 * tokenizer (exact for the Llama 3 family) and OpenAI's cl100k_base (the estimator for every
 * other family).
 */

/** A text tokenizer without special tokens. */
export interface Tokenizer {
  /** e.g. 'llama3', 'cl100k_base' */
  readonly name: string;
  encode(text: string): number[];
  decode(tokenIds: readonly number[]): string;
}

/** The tokenizers this module can load. */
export type TokenizerKind = 'llama3' | 'cl100k_base';

/** Every loadable kind, for tables and tests. */
export const TOKENIZER_KINDS: readonly TokenizerKind[] = ['llama3', 'cl100k_base'];

/**
 * Llama 3 vocabulary (128,000 BPE ranks plus 256 special tokens). Its encode splits out the
 * special-token strings it finds in the text (`<|eot_id|>` → 128009), as the Hugging Face
 * tokenizer vLLM uses does, so counts match vLLM even for text that spells a special token.
 */
async function loadLlama3Tokenizer(): Promise<Tokenizer> {
  // The package builds its tables from a 3 MB bundle at import time (about 0.2 s), which is why
  // it is imported only when a Llama 3 model first needs counting.
  const module = await import('llama3-tokenizer-js');
  const llama3 = module.default;
  // Without an options object the package adds BOS and EOS to every call.
  const withoutSpecialTokens = { bos: false, eos: false };
  return {
    name: 'llama3',
    encode: (text) => llama3.encode(text, withoutSpecialTokens),
    // The package's decode is typed to take a mutable array although it only reads it.
    decode: (tokenIds) => llama3.decode(tokenIds as number[]),
  };
}

/**
 * OpenAI cl100k_base. Special-token strings in the text are encoded as ordinary text: the
 * package's default throws on them, and an estimator has no business failing a request.
 */
async function loadCl100kTokenizer(): Promise<Tokenizer> {
  const cl100k = await import('gpt-tokenizer/encoding/cl100k_base');
  const specialTokensAsText = { disallowedSpecial: new Set<string>() };
  return {
    name: 'cl100k_base',
    encode: (text) => cl100k.encode(text, specialTokensAsText),
    decode: (tokenIds) => cl100k.decode(tokenIds),
  };
}

const LOADERS: Readonly<Record<TokenizerKind, () => Promise<Tokenizer>>> = {
  llama3: loadLlama3Tokenizer,
  cl100k_base: loadCl100kTokenizer,
};

const loadedTokenizers = new Map<TokenizerKind, Promise<Tokenizer>>();

/**
 * The tokenizer of `kind`, loaded on first use (0.1–0.3 s) and shared afterwards: every call
 * for one kind returns the same promise. A failed load is forgotten so that a later call retries.
 */
export function loadTokenizer(kind: TokenizerKind): Promise<Tokenizer> {
  const cached = loadedTokenizers.get(kind);
  if (cached !== undefined) return cached;
  const loading = LOADERS[kind]();
  loadedTokenizers.set(kind, loading);
  loading.catch(() => loadedTokenizers.delete(kind));
  return loading;
}
