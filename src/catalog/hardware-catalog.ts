/**
 * @module The hardware catalog: one JSON file per accelerator in `hardware/`, resolved by name,
 * alias (case-insensitive) or the path of a user's own file in the same format.
 */

import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { HardwareSpec } from '../core/perf/hardware-spec.js';
import { HardwareNotFoundError } from '../errors.js';
import { NameIndex } from './closest-names.js';
import { looksLikePath, readCatalogFile } from './read-json-file.js';

const HARDWARE_DIRECTORY = fileURLToPath(new URL('./hardware/', import.meta.url));
const GIB = 2 ** 30;

/** The on-disk format of a hardware file (see `src/catalog/README.md`). */
export const hardwareFileSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  aliases: z.array(z.string()).default([]),
  vendor: z.string().optional(),
  architecture: z.string().optional(),
  memoryGiB: z.number().positive(),
  memoryBandwidthGBps: z.number().positive(),
  peakTflops: z.object({
    bf16: z.number().positive(),
    fp16: z.number().positive(),
    fp8: z.number().positive().nullable(),
  }),
  interconnect: z.object({
    kind: z.enum(['nvlink', 'pcie', 'infinity-fabric']),
    bandwidthGBps: z.number().positive(),
    latencyUs: z.number().nonnegative(),
  }),
  source: z.string().default(''),
});

export type HardwareFile = z.infer<typeof hardwareFileSchema>;

/** A catalog entry: the file as written plus the spec in SI units. */
export interface HardwareEntry {
  readonly file: HardwareFile;
  readonly spec: HardwareSpec;
  /** Where it was read from. */
  readonly path: string;
}

/** Converts a validated hardware file to the core's units. */
export function hardwareSpecFromFile(file: HardwareFile): HardwareSpec {
  return {
    name: file.name,
    description: file.description,
    memoryBytes: file.memoryGiB * GIB,
    memoryBandwidthBytesPerS: file.memoryBandwidthGBps * 1e9,
    peakFlopsPerS: {
      bf16: file.peakTflops.bf16 * 1e12,
      fp16: file.peakTflops.fp16 * 1e12,
      fp8: file.peakTflops.fp8 === null ? null : file.peakTflops.fp8 * 1e12,
    },
    interconnect: {
      kind: file.interconnect.kind,
      // Vendors quote both directions combined; collectives use one direction's share.
      bandwidthBytesPerSPerDirection: (file.interconnect.bandwidthGBps * 1e9) / 2,
      latencyS: file.interconnect.latencyUs * 1e-6,
    },
  };
}

/** Reads and validates one hardware file. */
export function loadHardwareFile(path: string): HardwareEntry {
  const file = readCatalogFile(path, hardwareFileSchema);
  return { file, spec: hardwareSpecFromFile(file), path };
}

let shippedHardware: NameIndex<HardwareEntry> | undefined;
let shippedHardwareList: readonly HardwareEntry[] = [];

function hardwareIndex(): NameIndex<HardwareEntry> {
  if (!shippedHardware) {
    shippedHardwareList = readdirSync(HARDWARE_DIRECTORY)
      .filter((name) => name.endsWith('.json'))
      .map((name) => loadHardwareFile(`${HARDWARE_DIRECTORY}${name}`))
      .sort((a, b) => a.file.name.localeCompare(b.file.name));
    shippedHardware = new NameIndex(
      shippedHardwareList,
      (entry) => [entry.file.name, ...entry.file.aliases],
      (entry) => entry.file.name,
    );
  }
  return shippedHardware;
}

/** Every shipped hardware entry, sorted by name. */
export function listHardware(): readonly HardwareEntry[] {
  hardwareIndex();
  return shippedHardwareList;
}

/** Resolves a name, alias or file path; unknown names fail with the closest known ones. */
export function resolveHardware(nameOrPath: string): HardwareEntry {
  const index = hardwareIndex();
  const match = index.get(nameOrPath);
  if (match) return match;
  if (looksLikePath(nameOrPath) || existsSync(nameOrPath)) return loadHardwareFile(nameOrPath);
  throw new HardwareNotFoundError(nameOrPath, index.suggest(nameOrPath, 3));
}
