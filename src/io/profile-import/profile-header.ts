/**
 * @module What every converter needs besides the measurements: which GPU, model, TP degree and
 * dtype the files describe, what ran them, and where they came from.
 */

import type { OperatorProfile } from '../../core/perf/operator-profile.js';

/** The non-measurement fields of an operator profile. */
export type ProfileHeader = Pick<
  OperatorProfile,
  'hardware' | 'model' | 'dtype' | 'tp' | 'framework' | 'source'
>;

/** Appends sentences to the source note (skipped operators, thinning applied, …). */
export function withNote(header: ProfileHeader, sentences: readonly string[]): ProfileHeader {
  const extra = sentences.filter((sentence) => sentence.length > 0).join(' ');
  if (extra.length === 0) return header;
  const note = header.source.note.length > 0 ? `${header.source.note} ${extra}` : extra;
  return { ...header, source: { ...header.source, note } };
}
