/**
 * @module Number handling shared by the importers: rounding to significant digits and merging
 * repeated measurements of one point.
 */

/** Rounds to `digits` significant digits (shipped profiles use 4: well below measurement noise). */
export function roundSignificant(value: number, digits = 4): number {
  return value === 0 ? 0 : Number(value.toPrecision(digits));
}

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Groups samples by their coordinates (all but the last value) and keeps one sample per group
 * whose time (the last value) is the median of the group's: some sources measured a point twice.
 * The result is sorted by coordinates.
 */
export function mergeRepeatedSamples(samples: readonly (readonly number[])[]): number[][] {
  const groups = new Map<string, { coordinates: number[]; times: number[] }>();
  for (const sample of samples) {
    const coordinates = sample.slice(0, -1);
    const key = coordinates.join(',');
    const group = groups.get(key) ?? { coordinates, times: [] };
    group.times.push(sample[sample.length - 1] as number);
    groups.set(key, group);
  }
  const merged = [...groups.values()].map((group) => [...group.coordinates, median(group.times)]);
  return merged.sort((a, b) => {
    for (let index = 0; index < a.length - 1; index++) {
      const difference = (a[index] as number) - (b[index] as number);
      if (difference !== 0) return difference;
    }
    return 0;
  });
}
