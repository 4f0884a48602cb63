import { describe, expect, it } from 'vitest';
import { minimize } from './nelder-mead.js';

describe('minimize (Nelder–Mead)', () => {
  it('finds the minimum of a shifted quadratic bowl', () => {
    const result = minimize(([x = 0, y = 0]) => (x - 3) ** 2 + 10 * (y + 1) ** 2, [0, 0]);
    expect(result.x[0]).toBeCloseTo(3, 4);
    expect(result.x[1]).toBeCloseTo(-1, 4);
    expect(result.value).toBeLessThan(1e-8);
  });

  it('follows the curved valley of the Rosenbrock function', () => {
    const rosenbrock = ([x = 0, y = 0]: readonly number[]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    const result = minimize(rosenbrock, [-1.2, 1], { maxIterations: 5000 });
    expect(result.x[0]).toBeCloseTo(1, 3);
    expect(result.x[1]).toBeCloseTo(1, 3);
  });

  it('is deterministic: the same start gives the same bits', () => {
    const objective = ([a = 0, b = 0, c = 0]: readonly number[]) =>
      Math.abs(a - 1) + (b - 2) ** 2 + Math.cos(c);
    expect(minimize(objective, [0.3, 0.1, 0.2])).toEqual(minimize(objective, [0.3, 0.1, 0.2]));
  });

  it('treats NaN as worse than anything', () => {
    const result = minimize(([x = 0]) => (x < 0 ? Number.NaN : (x - 2) ** 2), [1]);
    expect(result.x[0]).toBeCloseTo(2, 4);
  });
});
