/**
 * @module CPU time an engine spends per scheduled sequence in every step, on top of a cost model.
 * Engines whose scheduling, input preparation and output processing run in Python between GPU
 * steps (vLLM's V0 engine) pay it serially, so a full batch of short steps is CPU-bound.
 */

import type { BatchShape, CostModel, ParallelConfig, StepCostPrediction } from './cost-model.js';

/** `inner` with `perSequenceS` of CPU time per scheduled sequence added to every step. */
export class SequenceOverheadCostModel implements CostModel {
  readonly kind: string;

  constructor(
    private readonly inner: CostModel,
    private readonly perSequenceS: number,
  ) {
    this.kind = inner.kind;
  }

  predict(batch: BatchShape, parallel: ParallelConfig): StepCostPrediction {
    const base = this.inner.predict(batch, parallel);
    const extra = this.perSequenceS * (batch.prefillSequences + batch.decodeSequences);
    if (extra === 0) return base;
    return {
      seconds: base.seconds + extra,
      stageSeconds: base.stageSeconds,
      overheadSeconds: base.overheadSeconds + extra,
      breakdown: { ...base.breakdown, overhead: (base.breakdown.overhead ?? 0) + extra },
    };
  }
}
