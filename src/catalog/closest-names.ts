/**
 * @module Suggestions for a mistyped catalog name: the known names closest by edit distance.
 */

/** Levenshtein distance between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(
        Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The `limit` names closest to `query` (case-insensitive). A name containing the query, or the
 * part after a `/`, counts as closest, so `llama-3.1` finds every Llama 3.1 variant.
 */
export function closestNames(query: string, names: readonly string[], limit = 3): string[] {
  const needle = query.toLowerCase();
  const scored = names.map((name) => {
    const lower = name.toLowerCase();
    const tail = lower.slice(lower.lastIndexOf('/') + 1);
    const contains = lower.includes(needle) || needle.includes(tail);
    const distance = Math.min(editDistance(needle, lower), editDistance(needle, tail));
    return { name, score: contains ? distance / 100 : distance };
  });
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return [...new Set(scored.map((entry) => entry.name))].slice(0, limit);
}

/** Catalog entries looked up by any of their names, case-insensitively. */
export class NameIndex<T> {
  private readonly byName = new Map<string, T>();
  private readonly names: string[] = [];
  private readonly canonicalOf: (entry: T) => string;

  constructor(
    entries: readonly T[],
    namesOf: (entry: T) => readonly string[],
    canonicalOf: (entry: T) => string,
  ) {
    this.canonicalOf = canonicalOf;
    for (const entry of entries) {
      for (const name of namesOf(entry)) {
        this.byName.set(name.toLowerCase(), entry);
        this.names.push(name);
      }
    }
  }

  get(name: string): T | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Canonical names of the entries closest to `query`, without repeats. */
  suggest(query: string, limit: number): string[] {
    const canonical = closestNames(query, this.names, limit * 2).map((name) =>
      this.canonicalOf(this.get(name) as T),
    );
    return [...new Set(canonical)].slice(0, limit);
  }
}
