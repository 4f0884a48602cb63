/**
 * @module What a completion will contain, decided when the request arrives: how many tokens each
 * choice generates, their text pieces (one per token), why it stops, and synthetic logprobs. The
 * engine then only decides *when* each token appears. vLLM's rules: `max_tokens` defaults to the
 * rest of the context, `ignore_eos` runs to the cap, `min_tokens` defers EOS and stop strings,
 * a stop string ends the text before it, and `finish_reason` is `length` only at the cap.
 */

import {
  createLengthSampler,
  type LengthDistribution,
} from '../core/workload/length-distribution.js';
import type { RandomSource } from '../core/workload/random.js';
import { contextLengthExceeded, invalidRequest } from './api-error.js';
import type { TextSource } from './synthetic-text.js';

export type FinishReason = 'stop' | 'length';

/** One token's synthetic logprob and its alternatives (the chosen token first). */
export interface TokenLogprob {
  readonly token: string;
  /** Characters of the completion text before this token (completions' `text_offset`). */
  readonly textOffset: number;
  readonly logprob: number;
  readonly top: readonly { readonly token: string; readonly logprob: number }[];
}

/** The planned output of one choice. */
export interface PlannedChoice {
  readonly index: number;
  /** Text sent before the first token (the prompt, with `echo`), else ''. */
  readonly echo: string;
  /** The visible text of each generated token, in order; its length is `completion_tokens`. */
  readonly pieces: readonly string[];
  readonly finishReason: FinishReason;
  /** The stop string that ended the choice, if one did (vLLM's `stop_reason`). */
  readonly stopReason: string | null;
  /** Present when the request asked for logprobs; one entry per piece. */
  readonly logprobs: readonly TokenLogprob[] | undefined;
}

/** Limits a request puts on its output, as parsed from the body. */
export interface OutputLimits {
  readonly promptTokens: number;
  readonly maxModelLen: number;
  /** `max_completion_tokens` ?? `max_tokens`, when given. */
  readonly maxTokens: number | undefined;
  /** The field `maxTokens` came from, for error messages. */
  readonly maxTokensParam: string;
  readonly minTokens: number;
  readonly ignoreEos: boolean;
}

/**
 * The most tokens a choice may generate: `maxTokens`, or the rest of the context window as vLLM
 * defaults. Throws OpenAI's `context_length_exceeded` when prompt + output cannot fit.
 */
export function completionBudget(limits: OutputLimits, promptParam: string): number {
  const { promptTokens, maxModelLen, maxTokens } = limits;
  if (promptTokens >= maxModelLen) {
    throw contextLengthExceeded({
      maxModelLen,
      promptTokens,
      completionTokens: maxTokens,
      param: promptParam,
    });
  }
  if (maxTokens !== undefined && promptTokens + maxTokens > maxModelLen) {
    throw contextLengthExceeded({
      maxModelLen,
      promptTokens,
      completionTokens: maxTokens,
      param: limits.maxTokensParam,
    });
  }
  const budget = maxTokens ?? maxModelLen - promptTokens;
  if (limits.minTokens > budget) {
    throw invalidRequest(
      `min_tokens (${limits.minTokens}) must be less than or equal to ${limits.maxTokensParam} ` +
        `(${budget})`,
      'min_tokens',
    );
  }
  return budget;
}

/** Everything `planChoice` needs for one choice. */
export interface ChoicePlanOptions {
  readonly index: number;
  readonly budget: number;
  readonly minTokens: number;
  readonly ignoreEos: boolean;
  readonly stop: readonly string[];
  /** Lengths the model "wants" to generate before EOS. */
  readonly outputLength: LengthDistribution;
  readonly random: RandomSource;
  readonly text: TextSource;
  /** Entries of each token's top list when logprobs are requested (the chosen token first). */
  readonly topLogprobs: number | undefined;
  /** Text to send before the first token (`echo`). */
  readonly echo: string;
}

/** Plans one choice; deterministic for a given random stream. */
export function planChoice(options: ChoicePlanOptions): PlannedChoice {
  const { budget, minTokens, stop } = options;
  const natural = createLengthSampler(options.outputLength, options.random)();
  const wanted = options.ignoreEos ? budget : Math.max(natural, minTokens);
  const tokens = Math.min(wanted, budget);
  let pieces = options.text.pieces(tokens, options.random);
  let finishReason: FinishReason = tokens < wanted || options.ignoreEos ? 'length' : 'stop';
  let stopReason: string | null = null;
  const stopHit = findStop(pieces, stop, minTokens);
  if (stopHit !== undefined) {
    pieces = stopHit.pieces;
    finishReason = 'stop';
    stopReason = stopHit.stop;
  }
  const logprobs =
    options.topLogprobs === undefined
      ? undefined
      : syntheticLogprobs(pieces, options.topLogprobs, options.text, options.random);
  return { index: options.index, echo: options.echo, pieces, finishReason, stopReason, logprobs };
}

/**
 * The first stop string completed by a token at or after `minTokens`: the output keeps that
 * token (it was generated) but its text, and any text after the match start, is cut.
 */
function findStop(
  pieces: readonly string[],
  stop: readonly string[],
  minTokens: number,
): { pieces: string[]; stop: string } | undefined {
  if (stop.length === 0) return undefined;
  const longest = Math.max(...stop.map((candidate) => candidate.length));
  let text = '';
  const starts: number[] = [];
  for (let index = 0; index < pieces.length; index++) {
    starts.push(text.length);
    const windowStart = Math.max(0, text.length - longest + 1);
    text += pieces[index];
    if (index + 1 < minTokens) continue;
    let matchStart = Number.POSITIVE_INFINITY;
    let matched = '';
    for (const candidate of stop) {
      if (candidate === '') continue;
      const at = text.indexOf(candidate, windowStart);
      if (at >= 0 && at < matchStart) {
        matchStart = at;
        matched = candidate;
      }
    }
    if (matched === '') continue;
    const kept = pieces.slice(0, index + 1).map((piece, position) => {
      const start = starts[position] as number;
      return piece.slice(0, Math.max(0, matchStart - start));
    });
    return { pieces: kept, stop: matched };
  }
  return undefined;
}

function syntheticLogprobs(
  pieces: readonly string[],
  topCount: number,
  text: TextSource,
  random: RandomSource,
): TokenLogprob[] {
  let textOffset = 0;
  return pieces.map((piece) => {
    const offset = textOffset;
    textOffset += piece.length;
    // A confident model: the chosen token carries most of the mass, alternatives share the rest.
    const chosen = Math.log(0.55 + 0.45 * random());
    const top = topCount > 0 ? [{ token: piece, logprob: chosen }] : [];
    let remaining = 1 - Math.exp(chosen);
    for (let rank = 1; rank < topCount; rank++) {
      const share = remaining * (0.3 + 0.4 * random());
      remaining -= share;
      top.push({ token: text.alternative(random), logprob: Math.log(share) });
    }
    return { token: piece, textOffset: offset, logprob: chosen, top };
  });
}
