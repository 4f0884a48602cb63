import { describe, expect, it } from 'vitest';
import { arrivalScheduleS } from './arrival-schedule.js';

function gapsOf(arrivals: readonly number[]): number[] {
  return arrivals.slice(1).map((time, index) => time - (arrivals[index] as number));
}

function coefficientOfVariation(values: readonly number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}

describe('arrivalScheduleS', () => {
  const base = { numRequests: 5000, requestRatePerS: 25, burstiness: 1, seed: 3 };

  it('is seeded: the same seed repeats, another seed differs', () => {
    expect(arrivalScheduleS(base)).toEqual(arrivalScheduleS(base));
    expect(arrivalScheduleS(base)).not.toEqual(arrivalScheduleS({ ...base, seed: 4 }));
  });

  it('starts at 0 and has gaps averaging 1 / rate', () => {
    const arrivals = arrivalScheduleS(base);
    expect(arrivals[0]).toBe(0);
    const gaps = gapsOf(arrivals);
    expect(gaps.every((gap) => gap >= 0)).toBe(true);
    const meanGap = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    expect(meanGap * 25).toBeGreaterThan(0.95);
    expect(meanGap * 25).toBeLessThan(1.05);
  });

  it('shapes the gaps by burstiness: CV 1/√k of a gamma with shape k, same mean', () => {
    for (const burstiness of [0.25, 1, 4]) {
      const gaps = gapsOf(arrivalScheduleS({ ...base, burstiness }));
      const meanGap = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
      expect(meanGap * 25).toBeGreaterThan(0.93);
      expect(meanGap * 25).toBeLessThan(1.07);
      // Within 10 %: the sample CV of 5000 heavy-tailed (k = 0.25) gaps scatters by a few %.
      const ratio = coefficientOfVariation(gaps) * Math.sqrt(burstiness);
      expect(ratio).toBeGreaterThan(0.9);
      expect(ratio).toBeLessThan(1.1);
    }
  });

  it('puts every request at t = 0 for rate inf', () => {
    const arrivals = arrivalScheduleS({ ...base, numRequests: 50, requestRatePerS: Infinity });
    expect(arrivals).toHaveLength(50);
    expect(arrivals.every((time) => time === 0)).toBe(true);
  });
});
