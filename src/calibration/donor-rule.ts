/**
 * @module Which fitted GPUs stand in for a GPU that has no measurements of some constant: GPUs
 * with the same chip, else the same architecture generation, else every GPU fitted; the constant
 * is then the median of theirs. Efficiencies are fractions of each GPU's own peaks, so they carry
 * over between GPUs far better than absolute times do.
 */

export type DonorRule = 'same-chip' | 'same-generation' | 'all-fitted';

export interface DonorChoice {
  readonly rule: DonorRule;
  /** Hardware names, sorted. */
  readonly donors: readonly string[];
}

/** A GPU as the rule sees it: its catalog name and its `architecture` field, e.g. `Hopper (GH100)`. */
export interface GpuIdentity {
  readonly name: string;
  readonly architecture: string;
}

/** The chip of an architecture string: the part in parentheses (`GH100`), else the whole string. */
export function chipOf(architecture: string): string {
  const match = /\(([^)]+)\)/.exec(architecture);
  return (match?.[1] ?? architecture).trim().toLowerCase();
}

/** The generation of an architecture string: its first word (`Hopper`, `Ampere`, `Ada`). */
export function generationOf(architecture: string): string {
  return (architecture.trim().split(/\s+/)[0] ?? '').toLowerCase();
}

/**
 * The donors for `gpu` among `fitted` (GPUs that measured the constant), or undefined when none
 * measured it. `gpu` itself is never its own donor.
 */
export function chooseDonors(
  gpu: GpuIdentity,
  fitted: readonly GpuIdentity[],
): DonorChoice | undefined {
  const others = fitted.filter((candidate) => candidate.name !== gpu.name);
  if (others.length === 0) return undefined;
  const named = (list: readonly GpuIdentity[]) => list.map((entry) => entry.name).sort();
  if (gpu.architecture !== '') {
    const chip = chipOf(gpu.architecture);
    const sameChip = others.filter((candidate) => chipOf(candidate.architecture) === chip);
    if (sameChip.length > 0) return { rule: 'same-chip', donors: named(sameChip) };
    const generation = generationOf(gpu.architecture);
    const sameGeneration = others.filter(
      (candidate) => generationOf(candidate.architecture) === generation,
    );
    if (sameGeneration.length > 0)
      return { rule: 'same-generation', donors: named(sameGeneration) };
  }
  return { rule: 'all-fitted', donors: named(others) };
}

/** Median of `values` (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
