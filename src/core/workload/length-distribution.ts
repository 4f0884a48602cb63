/**
 * @module Token-length distributions for synthetic workloads, and their seeded samplers.
 * The CLI parses user specs (`128`, `uniform:64:512`, `lognormal:200:0.8`, `sharegpt`) into these.
 */

import { randomLogNormal } from 'd3-random';
import type { RandomSource } from './random.js';

/** A distribution of token counts; every sample is an integer ≥ 1. */
export type LengthDistribution =
  | { readonly kind: 'fixed'; readonly tokens: number }
  | { readonly kind: 'uniform'; readonly minTokens: number; readonly maxTokens: number }
  /** Log-normal with the given arithmetic mean (tokens) and log-space standard deviation. */
  | { readonly kind: 'lognormal'; readonly meanTokens: number; readonly sigma: number }
  /** Inverse CDF given as points (quantile → tokens), interpolated linearly. */
  | {
      readonly kind: 'empirical';
      readonly name: string;
      readonly quantiles: readonly number[];
      readonly tokens: readonly number[];
    };

/** Draws one length per call. */
export type LengthSampler = () => number;

/** Builds a sampler for a distribution over a random stream. */
export function createLengthSampler(
  distribution: LengthDistribution,
  random: RandomSource,
): LengthSampler {
  switch (distribution.kind) {
    case 'fixed': {
      const tokens = distribution.tokens;
      return () => tokens;
    }
    case 'uniform': {
      const { minTokens, maxTokens } = distribution;
      const span = maxTokens - minTokens + 1;
      return () => minTokens + Math.floor(random() * span);
    }
    case 'lognormal': {
      const { meanTokens, sigma } = distribution;
      // mean = exp(mu + sigma²/2) for a log-normal, so mu follows from the requested mean.
      const draw = randomLogNormal.source(random)(
        Math.log(meanTokens) - (sigma * sigma) / 2,
        sigma,
      );
      return () => Math.max(1, Math.round(draw()));
    }
    case 'empirical': {
      const { quantiles, tokens } = distribution;
      return () => Math.max(1, Math.round(interpolateInverseCdf(quantiles, tokens, random())));
    }
  }
}

/** Linear interpolation of an inverse CDF given as sorted quantile points. */
export function interpolateInverseCdf(
  quantiles: readonly number[],
  values: readonly number[],
  probability: number,
): number {
  let low = 0;
  let high = quantiles.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if ((quantiles[middle] as number) <= probability) low = middle;
    else high = middle;
  }
  const q0 = quantiles[low] as number;
  const q1 = quantiles[high] as number;
  const v0 = values[low] as number;
  const v1 = values[high] as number;
  if (q1 === q0) return v1;
  return v0 + ((probability - q0) / (q1 - q0)) * (v1 - v0);
}

/** Mean of a distribution in tokens (exact for fixed/uniform/lognormal, by quadrature otherwise). */
export function meanOfLengthDistribution(distribution: LengthDistribution): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.tokens;
    case 'uniform':
      return (distribution.minTokens + distribution.maxTokens) / 2;
    case 'lognormal':
      return distribution.meanTokens;
    case 'empirical': {
      const { quantiles, tokens } = distribution;
      let mean = 0;
      for (let index = 1; index < quantiles.length; index++) {
        const width = (quantiles[index] as number) - (quantiles[index - 1] as number);
        mean += (width * ((tokens[index] as number) + (tokens[index - 1] as number))) / 2;
      }
      return mean;
    }
  }
}
