/**
 * @module `llmservingsim validate`: runs the shipped validation suite (published measurements and
 * real vLLM runs) and prints measured against predicted values with their errors, as a table or
 * one JSON document; optionally writes a scatter plot as SVG.
 */

import { type Command, Option } from 'commander';
import { writeScatterSvg } from '../validation/svg-scatter.js';
import { formatValidationReport } from '../validation/text-report.js';
import { runValidation, type ValidationReport } from '../validation/validation-runner.js';
import type { CliIo } from './cli-io.js';
import { parseIntegerFlag } from './number-flags.js';
import { collectRepeated } from './simulate-command.js';

/** Flags of `validate` as commander hands them over. */
export interface ValidateFlags {
  readonly costModel: 'auto' | 'analytical' | 'profile';
  readonly category?: string[];
  readonly id?: string[];
  readonly svg?: string;
  readonly seed?: number;
  readonly json?: boolean;
}

/** Adds the flags of `validate`. */
export function addValidateFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--cost-model <kind>', 'step-time model to validate')
        .choices(['auto', 'analytical', 'profile'])
        .default('auto'),
    )
    .option(
      '--category <name>',
      'only rows of this category (trace-replay, max-throughput, latency-at-load, batch-1); ' +
        'repeatable',
      collectRepeated,
    )
    .option('--id <row>', 'only this row (e.g. P-063); repeatable', collectRepeated)
    .option('--svg <file>', 'write a measured-vs-predicted scatter plot (SVG) to this file')
    .option('--seed <n>', 'seed of the synthetic workloads (default 0)', parseIntegerFlag)
    .option('--json', 'print the report, per-tick series included, as one JSON document');
}

/** Runs `validate` and returns the report it printed. */
export function runValidateCommand(flags: ValidateFlags, io: CliIo): ValidationReport {
  const report = runValidation({
    costModel: flags.costModel,
    seed: flags.seed ?? 0,
    categories: flags.category ?? [],
    ids: flags.id ?? [],
  });
  if (flags.svg !== undefined) writeScatterSvg(flags.svg, report);
  io.stdout(
    flags.json ? `${JSON.stringify(report, jsonNumbers, 2)}\n` : formatValidationReport(report),
  );
  return report;
}

/** JSON has no NaN: unknown values are written as null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
