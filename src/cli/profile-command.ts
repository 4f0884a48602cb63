/**
 * @module `llmservingsim profile import|list`: converts measurement folders into format /1
 * profiles (docs/PROFILES.md) and prints the shipped ones.
 */

import { type Command, Option } from 'commander';
import {
  listCollectiveProfiles,
  listProfiles,
  loadCollectiveProfileFile,
  loadProfileFile,
} from '../catalog/profile-catalog.js';
import type { CollectiveProfile, OperatorProfile } from '../core/perf/operator-profile.js';
import {
  IMPORT_LAYOUTS,
  type ImportLayout,
  importProfiles,
  writeImportedProfiles,
} from '../io/profile-import/import-profiles.js';
import type { CliIo } from './cli-io.js';
import { textTable } from './text-table.js';

export interface ProfileImportFlags {
  readonly layout: ImportLayout;
  readonly out: string;
  readonly hardware?: string;
  readonly model?: string;
}

const count = (value: number, noun: string) => `${value} ${noun}${value === 1 ? '' : 's'}`;

function describeOperatorProfile(profile: OperatorProfile): string {
  const tables = [
    count(profile.tokenOperators.length, 'token operator'),
    count(profile.sequenceOperators.length, 'sequence operator'),
    count(profile.attention?.length ?? 0, 'attention row'),
    ...(profile.moe ? [count(profile.moe.length, 'MoE row')] : []),
  ];
  return `${profile.hardware} ${profile.model} ${profile.dtype} tp${profile.tp} (${tables.join(', ')})`;
}

function describeCollectiveProfile(profile: CollectiveProfile): string {
  const gpus = profile.allReduce.map((curve) => curve.gpus).join(', ');
  const parts = [
    ...(gpus.length > 0 ? [`all-reduce on ${gpus} GPUs`] : []),
    ...(profile.sendRecv.length > 0 ? ['send/recv'] : []),
  ];
  return `${profile.hardware} ${profile.topology} (${parts.join('; ')})`;
}

/** Imports the measurements at `source` and writes them; prints one line per file written. */
export function runProfileImportCommand(
  source: string,
  flags: ProfileImportFlags,
  io: CliIo,
): void {
  const result = importProfiles({
    layout: flags.layout,
    sourcePath: source,
    hardware: flags.hardware,
    model: flags.model,
  });
  const paths = writeImportedProfiles(result, flags.out);
  const descriptions = [
    ...result.operatorProfiles.map(describeOperatorProfile),
    ...result.collectiveProfiles.map(describeCollectiveProfile),
  ];
  paths.forEach((path, index) => {
    io.stdout(`wrote ${path}: ${descriptions[index] ?? ''}\n`);
  });
}

/** Prints the shipped operator and collective profiles. */
export function runProfileListCommand(io: CliIo): void {
  const operatorRows = listProfiles().map((entry) => {
    const profile = loadProfileFile(entry.path);
    const tables = [
      `token(${profile.tokenOperators.length})`,
      ...(profile.sequenceOperators.length > 0
        ? [`sequence(${profile.sequenceOperators.length})`]
        : []),
      ...(profile.attention ? ['attention'] : []),
      ...(profile.moe ? ['moe'] : []),
    ];
    return [
      profile.hardware,
      profile.model,
      `${profile.tp}`,
      profile.dtype,
      tables.join(' '),
      `${profile.attention?.length ?? 0}`,
      `${profile.moe?.length ?? 0}`,
      profile.framework,
      profile.source.dataset,
    ];
  });
  io.stdout(
    textTable(
      [
        'hardware',
        'model',
        'tp',
        'dtype',
        'tables',
        'attention rows',
        'moe rows',
        'framework',
        'source',
      ],
      operatorRows,
    ),
  );
  const collectiveRows = listCollectiveProfiles().map((entry) => {
    const profile = loadCollectiveProfileFile(entry.path);
    return [
      profile.hardware,
      profile.topology,
      profile.allReduce.map((curve) => curve.gpus).join(',') || '-',
      profile.sendRecv.map((curve) => curve.gpus).join(',') || '-',
      profile.source.dataset,
    ];
  });
  io.stdout('\n');
  io.stdout(
    textTable(
      ['hardware', 'topology', 'all-reduce GPUs', 'send/recv GPUs', 'source'],
      collectiveRows,
    ),
  );
}

/** Registers `profile import` and `profile list` on the program. */
export function addProfileCommand(program: Command, io: CliIo): Command {
  const profile = program
    .command('profile')
    .description('measured operator profiles: import your own, list the shipped ones');
  profile
    .command('import')
    .description('convert a profiling folder or file into llmservingsim-profile/1 JSON')
    .argument('<source>', 'the measurement folder or file')
    .addOption(
      new Option('--layout <layout>', 'how the source is laid out')
        .choices(IMPORT_LAYOUTS)
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--out <path>',
      'a .json file (one profile) or a folder (written in the catalog layout)',
    )
    .option('--hardware <name>', 'the GPU, when the source path does not name a catalog GPU')
    .option('--model <id>', 'the model, when the source path does not name a catalog model')
    .action((source: string, flags: ProfileImportFlags) => {
      runProfileImportCommand(source, flags, io);
    });
  profile
    .command('list')
    .description('print the shipped profiles')
    .action(() => {
      runProfileListCommand(io);
    });
  return profile;
}
