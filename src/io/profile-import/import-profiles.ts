/**
 * @module `profile import`: reads a measurement folder or file in one of the known layouts, works
 * out which GPU, model and TP degree it describes (from its path, meta.yaml, or the caller), and
 * converts it to format /1 profiles; then writes them as one file or as a catalog-shaped tree.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { resolveHardware } from '../../catalog/hardware-catalog.js';
import { resolveModel } from '../../catalog/model-catalog.js';
import {
  validateCollectiveProfile,
  validateOperatorProfile,
} from '../../catalog/profile-catalog.js';
import type {
  CollectiveProfile,
  OperatorProfile,
  ProfileSource,
} from '../../core/perf/operator-profile.js';
import {
  FileAccessError,
  HardwareNotFoundError,
  InvalidConfigError,
  ModelNotFoundError,
} from '../../errors.js';
import { CsvTable } from './csv-table.js';
import type { ProfileHeader } from './profile-header.js';
import { formatCollectiveProfile, formatOperatorProfile } from './profile-json.js';
import { convertV0, V0_NOTE } from './v0-layout.js';
import { convertVidurCompute, VIDUR_COMPUTE_NOTE } from './vidur-compute-layout.js';
import { convertVidurNetwork, VIDUR_NETWORK_NOTE } from './vidur-network-layout.js';
import {
  convertVllm019,
  parseVllm019Meta,
  VLLM019_NOTE,
  type Vllm019Meta,
  vllm019Framework,
} from './vllm019-layout.js';

export const IMPORT_LAYOUTS = ['vllm019', 'v0', 'vidur-compute', 'vidur-network'] as const;
export type ImportLayout = (typeof IMPORT_LAYOUTS)[number];

/** How the written profiles cite their origin. */
export interface SourceCitation {
  readonly dataset: string;
  readonly licence: string;
  /** Files are cited relative to this folder, after `pathPrefix`; otherwise as found. */
  readonly root?: string;
  readonly pathPrefix?: string;
}

export interface ImportOptions {
  readonly layout: ImportLayout;
  /** The measurement folder or file. */
  readonly sourcePath: string;
  /** Overrides the hardware the path names (catalog name, alias, or a name of your own). */
  readonly hardware?: string | undefined;
  /** Overrides the model the path names (catalog id or alias, or an id of your own). */
  readonly model?: string | undefined;
  readonly citation?: SourceCitation | undefined;
}

export interface ImportResult {
  readonly operatorProfiles: readonly OperatorProfile[];
  readonly collectiveProfiles: readonly CollectiveProfile[];
}

/** Framework strings of the layouts whose files do not say. */
const V0_FRAMEWORK = 'Hugging Face transformers (eager PyTorch), LLMServingSim profiler v0';
const VIDUR_FRAMEWORK = 'Vidur profiler (PyTorch, sarathi-serve layers)';

/** Vidur's GPU folder names and the catalog names they mean. */
const VIDUR_GPUS: Readonly<Record<string, string>> = {
  a100: 'A100-80GB',
  h100: 'H100',
  a40: 'A40',
};

/** Vidur's node types other than `<gpu>_dgx`: their topology names. */
const VIDUR_TOPOLOGIES: Readonly<Record<string, string>> = {
  dgx: 'dgx-nvswitch',
  pairwise_nvlink: 'pairwise-nvlink',
};

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new FileAccessError(path, `cannot read file (${reason})`, { cause: error });
  }
}

function readTable(path: string): CsvTable {
  return new CsvTable(readText(path), path);
}

function readOptionalTable(path: string): CsvTable | undefined {
  return existsSync(path) ? readTable(path) : undefined;
}

/** The folder itself if it holds `marker`, the file's folder for a file, else its tp<N> folders. */
function tpFolders(sourcePath: string, marker: string): string[] {
  if (!existsSync(sourcePath)) throw new FileAccessError(sourcePath, 'no such file or folder');
  const folder = isDirectory(sourcePath) ? sourcePath : dirname(sourcePath);
  if (existsSync(join(folder, marker))) return [folder];
  const children = readdirSync(folder)
    .filter((name) => /^tp\d+$/.test(name) && existsSync(join(folder, name, marker)))
    .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
  if (children.length === 0) {
    throw new FileAccessError(folder, `no ${marker} here or in tp<N> folders below`);
  }
  return children.map((name) => join(folder, name));
}

function tpOf(folder: string): number {
  const match = /^tp(\d+)$/.exec(basename(folder));
  if (!match) {
    throw new InvalidConfigError(
      `cannot tell the TP degree of ${folder}: name the folder tp<N> (e.g. tp1)`,
    );
  }
  return Number(match[1]);
}

/** `levels` folders up from `path` (1 = its parent). */
function ancestor(path: string, levels: number): string {
  let current = resolve(path);
  for (let level = 0; level < levels; level++) current = dirname(current);
  return current;
}

/** `<org>/<model>` from the two folders ending at `modelFolder`. */
function modelIdFromPath(modelFolder: string): string {
  return `${basename(dirname(modelFolder))}/${basename(modelFolder)}`;
}

/** The catalog name of a hardware name; a name the caller gave may be one of their own. */
function hardwareName(name: string, givenByCaller: boolean): string {
  try {
    return resolveHardware(name).file.name;
  } catch (error) {
    if (!(error instanceof HardwareNotFoundError)) throw error;
    if (givenByCaller) return name;
    throw new InvalidConfigError(
      `hardware '${name}' (from the source path) is not in the hardware catalog; pass --hardware NAME`,
    );
  }
}

/** The catalog id of a model id or alias; an id the caller gave may be one of their own. */
function modelId(id: string, givenByCaller: boolean): string {
  try {
    return resolveModel(id).id;
  } catch (error) {
    if (!(error instanceof ModelNotFoundError)) throw error;
    if (givenByCaller) return id;
    throw new InvalidConfigError(
      `model '${id}' (from the source path) is not in the model catalog; pass --model ID`,
    );
  }
}

function pickHardware(options: ImportOptions, fromSource: string): string {
  return options.hardware === undefined
    ? hardwareName(fromSource, false)
    : hardwareName(options.hardware, true);
}

function pickModel(options: ImportOptions, fromSource: string): string {
  return options.model === undefined ? modelId(fromSource, false) : modelId(options.model, true);
}

/** `folder/{a,b}.csv`-style citation of the files read, relative to the citation root. */
function citePaths(files: readonly string[], citation: SourceCitation | undefined): string {
  const cited = files.map((file) => {
    const path = citation?.root === undefined ? file : relative(citation.root, resolve(file));
    return `${citation?.pathPrefix ?? ''}${path.split(sep).join('/')}`;
  });
  const folders = new Set(cited.map((path) => path.slice(0, path.lastIndexOf('/') + 1)));
  if (cited.length <= 1 || folders.size !== 1) return cited.join(', ');
  const [folder = ''] = folders;
  const names = cited.map((path) => path.slice(folder.length).replace(/\.csv$/, ''));
  return `${folder}{${names.join(',')}}.csv`;
}

function sourceOf(options: ImportOptions, files: readonly string[], note: string): ProfileSource {
  const citation = options.citation;
  return {
    dataset:
      citation?.dataset ??
      `user measurements (llmservingsim profile import --layout ${options.layout})`,
    path: citePaths(files, citation),
    licence: citation?.licence ?? 'not stated',
    note,
  };
}

function importVllm019(options: ImportOptions): OperatorProfile[] {
  return tpFolders(options.sourcePath, 'dense.csv').map((folder) => {
    const metaPath = join(dirname(folder), 'meta.yaml');
    const meta: Vllm019Meta = existsSync(metaPath) ? parseVllm019Meta(readText(metaPath)) : {};
    const dtype = meta.dtype ?? basename(dirname(folder));
    if (dtype !== 'bf16' && dtype !== 'fp16' && dtype !== 'fp8') {
      throw new InvalidConfigError(
        `cannot tell the dtype of ${folder}: expected a bf16, fp16 or fp8 folder above tp<N>`,
      );
    }
    const files = ['dense.csv', 'per_sequence.csv', 'attention.csv', 'moe.csv']
      .map((name) => join(folder, name))
      .filter((path, index) => index < 2 || existsSync(path));
    const header: ProfileHeader = {
      hardware: pickHardware(options, meta.hardware ?? basename(ancestor(folder, 4))),
      model: pickModel(options, meta.model ?? modelIdFromPath(ancestor(folder, 2))),
      dtype,
      tp: tpOf(folder),
      framework: vllm019Framework(meta),
      source: sourceOf(options, files, VLLM019_NOTE),
    };
    return convertVllm019(
      {
        dense: readTable(join(folder, 'dense.csv')),
        perSequence: readTable(join(folder, 'per_sequence.csv')),
        attention: readOptionalTable(join(folder, 'attention.csv')),
        moe: readOptionalTable(join(folder, 'moe.csv')),
      },
      header,
    );
  });
}

function importV0(options: ImportOptions): OperatorProfile[] {
  return tpFolders(options.sourcePath, 'layers.csv').map((folder) => {
    const files = [join(folder, 'layers.csv'), join(folder, 'attention.csv')].filter(existsSync);
    const header: ProfileHeader = {
      hardware: pickHardware(options, basename(ancestor(folder, 3))),
      model: pickModel(options, modelIdFromPath(ancestor(folder, 1))),
      // The v0 profiler casts the model to torch.float16.
      dtype: 'fp16',
      tp: tpOf(folder),
      framework: V0_FRAMEWORK,
      source: sourceOf(options, files, V0_NOTE),
    };
    return convertV0(
      {
        layers: readTable(join(folder, 'layers.csv')),
        attention: readOptionalTable(join(folder, 'attention.csv')),
      },
      header,
    );
  });
}

function importVidurCompute(options: ImportOptions): OperatorProfile[] {
  const file = isDirectory(options.sourcePath)
    ? join(options.sourcePath, 'mlp.csv')
    : options.sourcePath;
  if (!existsSync(file)) throw new FileAccessError(file, 'no such file');
  const modelFolder = dirname(resolve(file));
  const gpuFolder = basename(ancestor(modelFolder, 2));
  return convertVidurCompute(readTable(file), {
    hardware: pickHardware(options, VIDUR_GPUS[gpuFolder] ?? gpuFolder),
    model: pickModel(options, modelIdFromPath(modelFolder)),
    // Vidur's MLP profiler casts the model to torch.float16.
    dtype: 'fp16',
    framework: VIDUR_FRAMEWORK,
    source: sourceOf(options, [file], VIDUR_COMPUTE_NOTE),
  });
}

function importVidurNetwork(options: ImportOptions): CollectiveProfile {
  const folder = isDirectory(options.sourcePath) ? options.sourcePath : dirname(options.sourcePath);
  const node = basename(resolve(folder));
  const separator = node.indexOf('_');
  const gpu = separator === -1 ? node : node.slice(0, separator);
  const kind = separator === -1 ? '' : node.slice(separator + 1);
  const topology = VIDUR_TOPOLOGIES[kind] ?? (kind.replaceAll('_', '-') || 'unknown');
  const files = [join(folder, 'all_reduce.csv'), join(folder, 'send_recv.csv')].filter(existsSync);
  if (files.length === 0) throw new FileAccessError(folder, 'no all_reduce.csv or send_recv.csv');
  return convertVidurNetwork(
    {
      allReduce: readOptionalTable(join(folder, 'all_reduce.csv')),
      sendRecv: readOptionalTable(join(folder, 'send_recv.csv')),
    },
    {
      hardware: pickHardware(options, VIDUR_GPUS[gpu] ?? gpu),
      topology,
      source: sourceOf(options, files, VIDUR_NETWORK_NOTE),
    },
  );
}

/** Converts the measurements at `options.sourcePath`; every profile is validated before return. */
export function importProfiles(options: ImportOptions): ImportResult {
  const origin = `profile imported from ${options.sourcePath}`;
  switch (options.layout) {
    case 'vidur-network':
      return {
        operatorProfiles: [],
        collectiveProfiles: [validateCollectiveProfile(importVidurNetwork(options), origin)],
      };
    case 'vllm019':
    case 'v0':
    case 'vidur-compute': {
      const importer = {
        vllm019: importVllm019,
        v0: importV0,
        'vidur-compute': importVidurCompute,
      }[options.layout];
      return {
        operatorProfiles: importer(options).map((profile) =>
          validateOperatorProfile(profile, origin),
        ),
        collectiveProfiles: [],
      };
    }
  }
}

/** Where a profile goes in a catalog-shaped tree (`<HW>/<org>/<model>/<dtype>/tp<N>.json`). */
export function catalogPathOf(profile: OperatorProfile): string {
  return join(profile.hardware, ...profile.model.split('/'), profile.dtype, `tp${profile.tp}.json`);
}

/** Where a collective profile goes in a catalog-shaped tree. */
export function collectiveCatalogPathOf(profile: CollectiveProfile): string {
  return join(profile.hardware, `collectives-${profile.topology}.json`);
}

/**
 * Writes the profiles: to `out` itself when it ends in `.json` and there is exactly one profile,
 * otherwise into the folder `out` in the catalog's layout. Returns the paths written.
 */
export function writeImportedProfiles(result: ImportResult, out: string): string[] {
  const files: [path: string, text: string][] = [
    ...result.operatorProfiles.map(
      (profile) => [catalogPathOf(profile), formatOperatorProfile(profile)] as [string, string],
    ),
    ...result.collectiveProfiles.map(
      (profile) =>
        [collectiveCatalogPathOf(profile), formatCollectiveProfile(profile)] as [string, string],
    ),
  ];
  if (out.endsWith('.json')) {
    if (files.length !== 1) {
      throw new InvalidConfigError(
        `the source holds ${files.length} profiles: pass a folder to --out, not a .json file`,
      );
    }
    const [[, text]] = files as [[string, string]];
    writeFile(out, text);
    return [out];
  }
  return files.map(([path, text]) => {
    const target = join(out, path);
    writeFile(target, text);
    return target;
  });
}

function writeFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unwritable';
    throw new FileAccessError(path, `cannot write file (${reason})`, { cause: error });
  }
}
