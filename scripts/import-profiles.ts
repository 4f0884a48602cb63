/**
 * @module Developer tool, never run by the product or its tests: regenerates the shipped profiles
 * in src/catalog/profiles/ from the project's shared measurement data (the LLMServingSim and Vidur
 * profiling folders), keeping only GPUs and models the catalog has.
 *
 *   npx tsx scripts/import-profiles.ts [SHARED_DATA_DIR]   (default: ../shared/data)
 *
 * Every run rewrites every profile JSON under src/catalog/profiles/ (README.md stays).
 */

import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveHardware } from '../src/catalog/hardware-catalog.js';
import { resolveModel } from '../src/catalog/model-catalog.js';
import {
  type ImportLayout,
  importProfiles,
  type SourceCitation,
  writeImportedProfiles,
} from '../src/io/profile-import/import-profiles.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(REPOSITORY_ROOT, 'src/catalog/profiles');
const DATA = resolve(process.argv[2] ?? join(REPOSITORY_ROOT, '../shared/data'));

const LLMSERVINGSIM = {
  dataset: 'LLMServingSim (casys-kaist/LLMServingSim @ 5daddb2)',
  licence: 'MIT, Copyright (c) 2024 CASYS Lab at KAIST',
};
const VIDUR = {
  dataset: 'Vidur profiling data (microsoft/vidur @ 7d47513363ec447a741ac5e47241580b47724fbf)',
  licence: 'MIT, Copyright (c) Microsoft Corporation',
};

/** Vidur GPU folders → catalog names; GPUs without a catalog file are skipped. */
const VIDUR_GPUS: Readonly<Record<string, string>> = {
  a100: 'A100-80GB',
  h100: 'H100',
  a40: 'A40',
};

function subfolders(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => statSync(join(folder, name)).isDirectory())
    .sort();
}

function inCatalog(resolveName: () => unknown): boolean {
  try {
    resolveName();
    return true;
  } catch {
    return false;
  }
}

const written = new Set<string>();
const skipped: string[] = [];

function run(
  layout: ImportLayout,
  sourcePath: string,
  citation: SourceCitation,
  names: { hardware: string; model?: string },
): void {
  const label = relative(DATA, sourcePath);
  if (!inCatalog(() => resolveHardware(names.hardware))) {
    skipped.push(`${label} (hardware ${names.hardware} not in the catalog)`);
    return;
  }
  const model = names.model;
  if (model !== undefined && !inCatalog(() => resolveModel(model))) {
    skipped.push(`${label} (model ${model} not in the catalog)`);
    return;
  }
  const result = importProfiles({
    layout,
    sourcePath,
    citation,
    hardware: names.hardware,
    model,
  });
  for (const path of writeImportedProfiles(result, OUT)) {
    if (written.has(path)) throw new Error(`two sources write ${path}`);
    written.add(path);
  }
}

function removeGeneratedFiles(folder: string): void {
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) rmSync(path, { recursive: true });
    else if (name.endsWith('.json')) rmSync(path);
  }
}

removeGeneratedFiles(OUT);

// LLMServingSim profiles-vllm019: <HW>/<org>/<model>/<dtype>/ with tp<N>/ folders.
const vllm019 = join(DATA, 'llmservingsim/profiles-vllm019');
for (const hardware of subfolders(vllm019)) {
  for (const org of subfolders(join(vllm019, hardware))) {
    for (const model of subfolders(join(vllm019, hardware, org))) {
      for (const dtype of subfolders(join(vllm019, hardware, org, model))) {
        run(
          'vllm019',
          join(vllm019, hardware, org, model, dtype),
          { ...LLMSERVINGSIM, root: vllm019, pathPrefix: 'profiler/perf/' },
          { hardware, model: `${org}/${model}` },
        );
      }
    }
  }
}

// LLMServingSim profiles-v0: <HW>/<org>/<model>/tp<N>/.
const v0 = join(DATA, 'llmservingsim/profiles-v0');
for (const hardware of subfolders(v0)) {
  for (const org of subfolders(join(v0, hardware))) {
    for (const model of subfolders(join(v0, hardware, org))) {
      run(
        'v0',
        join(v0, hardware, org, model),
        { ...LLMSERVINGSIM, root: v0, pathPrefix: 'profiler/v0/perf_models/' },
        { hardware, model: `${org}/${model}` },
      );
    }
  }
}

// Vidur compute: <gpu>/<org>/<model>/mlp.csv.
const compute = join(DATA, 'vidur-profiling/compute');
for (const gpu of subfolders(compute)) {
  for (const org of subfolders(join(compute, gpu))) {
    for (const model of subfolders(join(compute, gpu, org))) {
      run(
        'vidur-compute',
        join(compute, gpu, org, model, 'mlp.csv'),
        { ...VIDUR, root: compute, pathPrefix: 'data/profiling/compute/' },
        { hardware: VIDUR_GPUS[gpu] ?? gpu, model: `${org}/${model}` },
      );
    }
  }
}

// Vidur network: <gpu>_<topology>/{all_reduce,send_recv}.csv.
const network = join(DATA, 'vidur-profiling/network');
for (const node of subfolders(network)) {
  const gpu = node.slice(0, node.indexOf('_'));
  run(
    'vidur-network',
    join(network, node),
    { ...VIDUR, root: network, pathPrefix: 'data/profiling/network/' },
    { hardware: VIDUR_GPUS[gpu] ?? gpu },
  );
}

let totalBytes = 0;
for (const path of [...written].sort()) {
  const bytes = statSync(path).size;
  totalBytes += bytes;
  console.log(`${relative(REPOSITORY_ROOT, path)}  ${(bytes / 1024).toFixed(0)} KiB`);
}
for (const line of skipped) console.log(`skipped ${line}`);
console.log(`${written.size} files, ${(totalBytes / 2 ** 20).toFixed(2)} MiB in total`);
