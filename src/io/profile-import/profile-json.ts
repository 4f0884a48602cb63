/**
 * @module Writing profiles as JSON that stays small and diffs well: header fields one per line,
 * one operator curve per line pair, one attention or MoE sample per line (not indented: there are
 * tens of thousands), no spaces in arrays.
 */

import type {
  CollectiveProfile,
  OperatorProfile,
  ProfileSource,
  TimingCurve,
} from '../../core/perf/operator-profile.js';

const json = (value: unknown) => JSON.stringify(value);

function sourceBlock(source: ProfileSource): string {
  const fields = (['dataset', 'path', 'licence', 'note'] as const).map(
    (key) => `    ${json(key)}: ${json(source[key])}`,
  );
  return `{\n${fields.join(',\n')}\n  }`;
}

/** `"points": […],\n "timesUs": […]` at the given indent. */
function curveFields(curve: TimingCurve, indent: string): string {
  return `${indent}"points": ${json(curve.points)},\n${indent}"timesUs": ${json(curve.timesUs)}`;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? '[]' : `[\n${items.join(',\n')}\n  ]`;
}

/** The file text of an operator profile (ends with a newline). */
export function formatOperatorProfile(profile: OperatorProfile): string {
  const tokenOperators = profile.tokenOperators.map(
    (operator) =>
      `    {\n      "name": ${json(operator.name)}, "scope": ${json(operator.scope)}, "count": ${operator.count},\n${curveFields(operator, '      ')}\n    }`,
  );
  const sequenceOperators = profile.sequenceOperators.map(
    (operator) =>
      `    {\n      "name": ${json(operator.name)},\n${curveFields(operator, '      ')}\n    }`,
  );
  const lines = [
    `  "format": ${json(profile.format)}`,
    `  "hardware": ${json(profile.hardware)}`,
    `  "model": ${json(profile.model)}`,
    `  "dtype": ${json(profile.dtype)}`,
    `  "tp": ${profile.tp}`,
    `  "framework": ${json(profile.framework)}`,
    `  "source": ${sourceBlock(profile.source)}`,
    `  "tokenOperators": ${list(tokenOperators)}`,
    `  "sequenceOperators": ${list(sequenceOperators)}`,
  ];
  if (profile.attention) {
    lines.push(`  "attention": ${list(profile.attention.map((sample) => json(sample)))}`);
  }
  if (profile.moe) {
    lines.push(`  "moe": ${list(profile.moe.map((sample) => json(sample)))}`);
  }
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** The file text of a collective profile (ends with a newline). */
export function formatCollectiveProfile(profile: CollectiveProfile): string {
  const curves = (entries: CollectiveProfile['allReduce']) =>
    list(
      entries.map(
        (curve) => `    {\n      "gpus": ${curve.gpus},\n${curveFields(curve, '      ')}\n    }`,
      ),
    );
  const lines = [
    `  "format": ${json(profile.format)}`,
    `  "hardware": ${json(profile.hardware)}`,
    `  "topology": ${json(profile.topology)}`,
    `  "source": ${sourceBlock(profile.source)}`,
    `  "allReduce": ${curves(profile.allReduce)}`,
    `  "sendRecv": ${curves(profile.sendRecv)}`,
  ];
  return `{\n${lines.join(',\n')}\n}\n`;
}
