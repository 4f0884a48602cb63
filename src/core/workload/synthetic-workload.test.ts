import { describe, expect, it } from 'vitest';
import { createLengthSampler, meanOfLengthDistribution } from './length-distribution.js';
import { createRandomStream } from './random.js';
import { generateSyntheticWorkload } from './synthetic-workload.js';

describe('random streams', () => {
  it('repeat for the same seed and name, and differ across seeds and names', () => {
    const draw = (seed: number, name: string) => {
      const random = createRandomStream(seed, name);
      return Array.from({ length: 5 }, () => random());
    };
    expect(draw(0, 'a')).toEqual(draw(0, 'a'));
    expect(draw(0, 'a')).not.toEqual(draw(1, 'a'));
    expect(draw(0, 'a')).not.toEqual(draw(0, 'b'));
  });

  it('give well-spread first draws for small seeds and a uniform mean', () => {
    const firsts = Array.from({ length: 10 }, (_, seed) => createRandomStream(seed, 'x')());
    expect(Math.max(...firsts)).toBeLessThan(0.999);
    const random = createRandomStream(42, 'uniform');
    let sum = 0;
    for (let index = 0; index < 100_000; index++) {
      const value = random();
      expect(value >= 0 && value < 1).toBe(true);
      sum += value;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });
});

describe('length distributions', () => {
  const sampleMean = (sampler: () => number, count: number) => {
    let sum = 0;
    for (let index = 0; index < count; index++) sum += sampler();
    return sum / count;
  };

  it('draw integers within uniform bounds', () => {
    const sampler = createLengthSampler(
      { kind: 'uniform', minTokens: 10, maxTokens: 12 },
      createRandomStream(1, 'u'),
    );
    const seen = new Set<number>();
    for (let index = 0; index < 1000; index++) seen.add(sampler());
    expect([...seen].sort()).toEqual([10, 11, 12]);
  });

  it('hit the requested log-normal mean', () => {
    const distribution = { kind: 'lognormal', meanTokens: 300, sigma: 0.8 } as const;
    const mean = sampleMean(createLengthSampler(distribution, createRandomStream(2, 'l')), 200_000);
    expect(mean / 300).toBeGreaterThan(0.98);
    expect(mean / 300).toBeLessThan(1.02);
    expect(meanOfLengthDistribution(distribution)).toBe(300);
  });

  it('follow an empirical inverse CDF', () => {
    const distribution = {
      kind: 'empirical',
      name: 'two-point',
      quantiles: [0, 0.5, 1],
      tokens: [100, 100, 300],
    } as const;
    const sampler = createLengthSampler(distribution, createRandomStream(3, 'e'));
    const mean = sampleMean(sampler, 100_000);
    expect(meanOfLengthDistribution(distribution)).toBe(150);
    expect(mean).toBeGreaterThan(147);
    expect(mean).toBeLessThan(153);
  });
});

describe('synthetic workload', () => {
  const base = {
    numRequests: 4000,
    requestRatePerS: 20,
    burstiness: 1,
    inputLength: { kind: 'fixed', tokens: 100 },
    outputLength: { kind: 'uniform', minTokens: 1, maxTokens: 200 },
    seed: 9,
  } as const;

  it('starts at t = 0 with gaps averaging 1/rate, in arrival order', () => {
    const requests = [...generateSyntheticWorkload(base)];
    expect(requests).toHaveLength(4000);
    expect(requests[0]?.arrivalS).toBe(0);
    for (let index = 1; index < requests.length; index++) {
      expect(requests[index]?.arrivalS).toBeGreaterThanOrEqual(
        requests[index - 1]?.arrivalS as number,
      );
    }
    const meanGap = (requests.at(-1)?.arrivalS as number) / 3999;
    expect(meanGap).toBeGreaterThan(0.95 / 20);
    expect(meanGap).toBeLessThan(1.05 / 20);
  });

  it('makes gaps burstier for a gamma shape below 1', () => {
    const gaps = (burstiness: number) => {
      const requests = [...generateSyntheticWorkload({ ...base, burstiness })];
      return requests
        .slice(1)
        .map((request, index) => request.arrivalS - (requests[index]?.arrivalS as number));
    };
    const coefficientOfVariation = (values: number[]) => {
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
      return Math.sqrt(variance) / mean;
    };
    // A gamma with shape k has CV 1/√k: 1 for Poisson, 2 for k = 0.25.
    expect(coefficientOfVariation(gaps(1))).toBeCloseTo(1, 1);
    expect(coefficientOfVariation(gaps(0.25))).toBeGreaterThan(1.8);
  });

  it('puts every arrival at t = 0 for an infinite rate', () => {
    const requests = [
      ...generateSyntheticWorkload({ ...base, requestRatePerS: Number.POSITIVE_INFINITY }),
    ];
    expect(requests.every((request) => request.arrivalS === 0)).toBe(true);
  });

  it('redraws pairs over the total-token cap', () => {
    const requests = [
      ...generateSyntheticWorkload({
        ...base,
        inputLength: { kind: 'uniform', minTokens: 1, maxTokens: 1000 },
        outputLength: { kind: 'uniform', minTokens: 1, maxTokens: 1000 },
        maxTotalTokens: 1000,
      }),
    ];
    expect(requests.every((request) => request.inputTokens + request.outputTokens <= 1000)).toBe(
      true,
    );
  });

  it('is a pure function of its options', () => {
    expect([...generateSyntheticWorkload(base)]).toEqual([...generateSyntheticWorkload(base)]);
    expect([...generateSyntheticWorkload(base)]).not.toEqual([
      ...generateSyntheticWorkload({ ...base, seed: 10 }),
    ]);
  });
});
