/**
 * @module The iteration cost model interface: how long one engine step takes for a batch shape on a
 * parallel layout. The analytical model implements it now; a profile-backed model can sit beside it.
 */

/** What one engine step computes, aggregated over its sequences. */
export interface BatchShape {
  /** Prompt (or recomputed-context) tokens processed this step. */
  readonly prefillTokens: number;
  /** Sequences contributing prefill tokens. */
  readonly prefillSequences: number;
  /** Σ chunk·(prior context + (chunk + 1)/2): query–key pairs per head of causal prefill attention. */
  readonly prefillAttentionPairs: number;
  /** Σ (prior context + chunk): KV tokens prefill attention reads. */
  readonly prefillKvTokens: number;
  /** Sequences decoding one token each. */
  readonly decodeSequences: number;
  /** Σ context length over decode sequences: KV tokens decode attention reads. */
  readonly decodeKvTokens: number;
  /** Sequences that sample a token at the end of the step (decodes and final prefill chunks). */
  readonly sampledSequences: number;
}

/** Tensor × pipeline parallel layout of one model instance. */
export interface ParallelConfig {
  readonly tp: number;
  readonly pp: number;
}

/** A step's predicted duration. */
export interface StepCostPrediction {
  /** Latency of the step through the whole pipeline when nothing else is in flight. */
  readonly seconds: number;
  /** Time the batch occupies one pipeline stage (GPU work of a stage plus the hand-off). */
  readonly stageSeconds: number;
  /** CPU-side time before the first stage starts (scheduling, input preparation, launch). */
  readonly overheadSeconds: number;
  /** Seconds by component, summed over layers and stages; adds up to `seconds` when pp = 1. */
  readonly breakdown: Readonly<Record<string, number>>;
}

/** Predicts engine-step durations. */
export interface CostModel {
  /** Which implementation this is, e.g. `analytical`. */
  readonly kind: string;
  predict(batch: BatchShape, parallel: ParallelConfig): StepCostPrediction;
}

/** One sequence's part of a step, in the terms of DESIGN.md. */
export interface ScheduledSequence {
  /** Tokens this sequence processes in the step (1 for a decode). */
  readonly newTokens: number;
  /** Tokens already in its KV cache before the step. */
  readonly priorTokens: number;
  /** Whether it is a decode (one generated token fed back) rather than a prompt chunk. */
  readonly isDecode: boolean;
  /** Whether it samples a token at the end of the step. */
  readonly samples: boolean;
}

/** Mutable accumulator the engine fills while it schedules, then hands over as a `BatchShape`. */
export class BatchShapeBuilder implements BatchShape {
  prefillTokens = 0;
  prefillSequences = 0;
  prefillAttentionPairs = 0;
  prefillKvTokens = 0;
  decodeSequences = 0;
  decodeKvTokens = 0;
  sampledSequences = 0;

  add(sequence: ScheduledSequence): void {
    const { newTokens, priorTokens } = sequence;
    if (sequence.isDecode) {
      this.decodeSequences++;
      this.decodeKvTokens += priorTokens + 1;
    } else {
      this.prefillTokens += newTokens;
      this.prefillSequences++;
      this.prefillAttentionPairs += newTokens * (priorTokens + (newTokens + 1) / 2);
      this.prefillKvTokens += priorTokens + newTokens;
    }
    if (sequence.samples) this.sampledSequences++;
  }

  snapshot(): BatchShape {
    return {
      prefillTokens: this.prefillTokens,
      prefillSequences: this.prefillSequences,
      prefillAttentionPairs: this.prefillAttentionPairs,
      prefillKvTokens: this.prefillKvTokens,
      decodeSequences: this.decodeSequences,
      decodeKvTokens: this.decodeKvTokens,
      sampledSequences: this.sampledSequences,
    };
  }
}

/** The batch shape of a list of sequences. */
export function batchShapeOf(sequences: readonly ScheduledSequence[]): BatchShape {
  const builder = new BatchShapeBuilder();
  for (const sequence of sequences) builder.add(sequence);
  return builder.snapshot();
}
