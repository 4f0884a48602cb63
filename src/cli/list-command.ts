/**
 * @module `llmservingsim list hardware|models`: prints the catalog as a table.
 */

import { listHardware } from '../catalog/hardware-catalog.js';
import { listModels, resolveModel } from '../catalog/model-catalog.js';
import { countParameters } from '../core/perf/model-spec.js';
import { InvalidConfigError } from '../errors.js';
import type { CliIo } from './cli-io.js';
import { textTable } from './text-table.js';

function hardwareTable(): string {
  const rows = listHardware().map(({ file }) => [
    file.name,
    `${file.memoryGiB}`,
    `${file.memoryBandwidthGBps}`,
    `${file.peakTflops.bf16}`,
    file.peakTflops.fp8 === null ? '-' : `${file.peakTflops.fp8}`,
    `${file.interconnect.kind} ${file.interconnect.bandwidthGBps}`,
    file.aliases.join(', '),
  ]);
  return textTable(
    ['name', 'mem GiB', 'mem GB/s', 'bf16 TFLOPS', 'fp8 TFLOPS', 'link GB/s', 'aliases'],
    rows,
  );
}

function modelsTable(): string {
  const rows = listModels().map((entry) => {
    const spec = resolveModel(entry.id).spec;
    const parameters = countParameters(spec);
    const size = `${(parameters.total / 1e9).toFixed(1)}B${spec.moe ? ` (${(parameters.activePerToken / 1e9).toFixed(1)}B active)` : ''}`;
    return [
      entry.id,
      size,
      `${spec.numLayers}`,
      `${spec.maxPositionEmbeddings}`,
      entry.aliases.join(', '),
    ];
  });
  return textTable(['id', 'parameters', 'layers', 'context', 'aliases'], rows);
}

/** Prints the hardware or model catalog. */
export function runListCommand(what: string, io: CliIo): void {
  switch (what) {
    case 'hardware':
    case 'gpus':
      io.stdout(hardwareTable());
      return;
    case 'models':
      io.stdout(modelsTable());
      return;
    default:
      throw new InvalidConfigError(`cannot list '${what}': choose hardware or models`);
  }
}
