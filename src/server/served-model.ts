/**
 * @module A model the server answers for: its deployment, the live engine simulating it, the
 * names clients may use, its tokenizer, and the synthetic vocabulary its replies are made of.
 */

import type { Deployment } from '../config/deployment.js';
import { loadModelTokenizer, type ModelTokenizer } from '../tokenizer/model-tokenizer.js';
import { LOREM_CANDIDATE_WORDS, singleTokenWords } from '../tokenizer/single-token-words.js';
import { LiveEngine } from './live-engine.js';
import type { SimulationClock } from './simulation-clock.js';
import { loremText, type TextSource } from './synthetic-text.js';

/** Capitalised openers tried as the first word of a reply. */
const STARTER_CANDIDATES = ['The', 'In', 'It', 'This', 'We', 'Lorem', 'A', 'As', 'For', 'When'];

/** One served model instance. */
export interface ServedModel {
  /** Names clients may send as `model`; the first is the one responses report. */
  readonly names: readonly string[];
  readonly deployment: Deployment;
  readonly engine: LiveEngine;
  readonly tokenizer: ModelTokenizer;
  readonly lorem: TextSource;
  /** Unix seconds at which the server started serving it (`/v1/models` `created`). */
  readonly createdUnixS: number;
}

/** Builds a served model: loads its tokenizer (0.1–1 s) and starts its engine on `clock`. */
export async function createServedModel(options: {
  readonly deployment: Deployment;
  readonly names: readonly string[];
  readonly clock: SimulationClock;
}): Promise<ServedModel> {
  const { deployment } = options;
  const tokenizer = await loadModelTokenizer(deployment.model.id, deployment.model.modelType);
  const words = singleTokenWords(tokenizer.tokenizer, LOREM_CANDIDATE_WORDS);
  const starters = STARTER_CANDIDATES.filter((word) => tokenizer.encode(word).length === 1);
  const sentenceStarters = singleTokenWords(tokenizer.tokenizer, STARTER_CANDIDATES);
  return {
    names: options.names.length > 0 ? options.names : [deployment.model.id],
    deployment,
    engine: new LiveEngine(deployment, options.clock),
    tokenizer,
    lorem: loremText({ words, starters, sentenceStarters }),
    createdUnixS: Math.floor(Date.now() / 1000),
  };
}
