/**
 * @module Numeric formats of weights, activations and the KV cache, and their sizes.
 */

/** Weight storage format. `int4` is weight-only (W4A16); `fp8` is W8A8 where the GPU has FP8. */
export type WeightDtype = 'fp32' | 'bf16' | 'fp16' | 'fp8' | 'int4';

/** KV-cache storage format (`auto` is resolved to the activation dtype before it reaches here). */
export type KvCacheDtype = 'fp32' | 'bf16' | 'fp16' | 'fp8';

/** Bytes per element. */
export function bytesPerElement(dtype: WeightDtype | KvCacheDtype): number {
  switch (dtype) {
    case 'fp32':
      return 4;
    case 'bf16':
    case 'fp16':
      return 2;
    case 'fp8':
      return 1;
    case 'int4':
      return 0.5;
  }
}

/** Precision settings of one deployment. */
export interface PrecisionConfig {
  readonly weightDtype: WeightDtype;
  /** Activations and attention math: the checkpoint's 16-bit type (fp32 checkpoints run in bf16). */
  readonly activationDtype: 'bf16' | 'fp16';
  readonly kvCacheDtype: KvCacheDtype;
}
