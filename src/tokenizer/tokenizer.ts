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
 * The pre-tokenizer pattern of Llama 3's `tokenizer.json` (its `(?i:'s|…)` group spelled out for
 * JavaScript). BPE never merges across these pieces, so each piece encodes on its own.
 */
const LLAMA3_PRETOKEN_PATTERN =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
/** Pieces remembered before the cache starts over (a few MB). */
const PRETOKEN_CACHE_LIMIT = 200_000;

/**
 * Llama 3 vocabulary (128,000 BPE ranks plus 256 special tokens). Its encode splits out the
 * special-token strings it finds in the text (`<|eot_id|>` → 128009), as the Hugging Face
 * tokenizer vLLM uses does, so counts match vLLM even for text that spells a special token.
 *
 * The package re-encodes every piece of every call. Natural text repeats its pieces (words with
 * their leading space, numbers, punctuation), so the ids of each piece are remembered across
 * calls: prompts encode about ten times faster, with the same ids (a test compares them).
 */
async function loadLlama3Tokenizer(): Promise<Tokenizer> {
  // The package builds its tables from a 3 MB bundle at import time (about 0.2 s), which is why
  // it is imported only when a Llama 3 model first needs counting.
  const module = await import('llama3-tokenizer-js');
  const llama3 = module.default;
  // Without an options object the package adds BOS and EOS to every call.
  const withoutSpecialTokens = { bos: false, eos: false };
  const idsByPiece = new Map<string, readonly number[]>();
  const encodePiece = (piece: string, output: number[]): void => {
    let ids = idsByPiece.get(piece);
    if (ids === undefined) {
      ids = llama3.encode(piece, withoutSpecialTokens);
      if (idsByPiece.size >= PRETOKEN_CACHE_LIMIT) idsByPiece.clear();
      idsByPiece.set(piece, ids);
    }
    for (const id of ids) output.push(id);
  };
  return {
    name: 'llama3',
    encode: (text) => {
      // Text that may spell a special token goes to the package, which maps those to their ids.
      if (text.includes('<|')) return llama3.encode(text, withoutSpecialTokens);
      const output: number[] = [];
      let previousEnd = 0;
      for (const match of text.matchAll(LLAMA3_PRETOKEN_PATTERN)) {
        if (match.index > previousEnd) encodePiece(text.slice(previousEnd, match.index), output);
        encodePiece(match[0], output);
        previousEnd = match.index + match[0].length;
      }
      if (previousEnd < text.length) encodePiece(text.slice(previousEnd), output);
      return output;
    },
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
