/**
 * @module Tests of the hardware catalog: every shipped file validates and converts to SI units,
 * the required devices resolve by name and alias, unknown names get suggestions, and user files
 * (good, malformed, not JSON) are read from a path.
 */

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { HardwareNotFoundError, InvalidCatalogFileError } from '../errors.js';
import {
  hardwareFileSchema,
  listHardware,
  loadHardwareFile,
  resolveHardware,
} from './hardware-catalog.js';
import { readJsonFile } from './read-json-file.js';

const HARDWARE_DIRECTORY = fileURLToPath(new URL('./hardware/', import.meta.url));
const GIB = 2 ** 30;

const REQUIRED_DEVICES = [
  'RTX3090',
  'RTX4090',
  'A6000',
  'L40S',
  'A100-40GB',
  'A100-80GB',
  'H100',
  'H100-PCIe',
  'H200',
  'B200',
  'MI300X',
  'RTXPRO6000',
] as const;

const temporaryDirectory = mkdtempSync(join(tmpdir(), 'llmsim-hardware-'));
afterAll(() => rmSync(temporaryDirectory, { recursive: true, force: true }));

function writeUserFile(name: string, content: string): string {
  const path = join(temporaryDirectory, name);
  writeFileSync(path, content);
  return path;
}

const USER_GPU = {
  name: 'MyGPU',
  description: 'a made-up accelerator',
  aliases: ['my-gpu'],
  memoryGiB: 32,
  memoryBandwidthGBps: 1000,
  peakTflops: { bf16: 200, fp16: 200, fp8: null },
  interconnect: { kind: 'pcie', bandwidthGBps: 64, latencyUs: 3 },
  source: 'test fixture',
};

describe('shipped hardware files', () => {
  const fileNames = readdirSync(HARDWARE_DIRECTORY).filter((name) => name.endsWith('.json'));

  it('lists one entry per file', () => {
    const entries = listHardware();
    expect(fileNames.length).toBeGreaterThanOrEqual(REQUIRED_DEVICES.length);
    expect(entries.map((entry) => `${entry.file.name}.json`).sort()).toEqual([...fileNames].sort());
  });

  it.each(fileNames)('%s validates against the schema and names itself after the file', (name) => {
    const raw = readJsonFile(join(HARDWARE_DIRECTORY, name));
    const parsed = hardwareFileSchema.safeParse(raw);
    expect(parsed.success).toBe(true);
    expect(parsed.data?.name).toBe(basename(name, '.json'));
  });

  it.each(fileNames)('%s has a non-empty source note in the file itself', (name) => {
    const raw = readJsonFile(join(HARDWARE_DIRECTORY, name)) as { source?: unknown };
    expect(typeof raw.source).toBe('string');
    expect((raw.source as string).trim().length).toBeGreaterThan(0);
  });

  it.each(fileNames)('%s converts to SI units', (name) => {
    const { file, spec } = loadHardwareFile(join(HARDWARE_DIRECTORY, name));
    expect(spec.name).toBe(file.name);
    expect(spec.memoryBytes).toBe(file.memoryGiB * GIB);
    expect(spec.memoryBandwidthBytesPerS).toBeCloseTo(file.memoryBandwidthGBps * 1e9, 0);
    expect(spec.peakFlopsPerS.bf16).toBeCloseTo(file.peakTflops.bf16 * 1e12, -3);
    expect(spec.peakFlopsPerS.fp16).toBeCloseTo(file.peakTflops.fp16 * 1e12, -3);
    if (file.peakTflops.fp8 === null) {
      expect(spec.peakFlopsPerS.fp8).toBeNull();
    } else {
      expect(spec.peakFlopsPerS.fp8).toBeCloseTo(file.peakTflops.fp8 * 1e12, -3);
    }
    expect(spec.interconnect.kind).toBe(file.interconnect.kind);
    expect(spec.interconnect.bandwidthBytesPerSPerDirection).toBeCloseTo(
      (file.interconnect.bandwidthGBps * 1e9) / 2,
      0,
    );
    expect(spec.interconnect.latencyS).toBeCloseTo(file.interconnect.latencyUs * 1e-6, 12);
  });

  it('gives the H100 the datasheet figures', () => {
    const { spec } = resolveHardware('H100');
    expect(spec.memoryBytes).toBe(85_899_345_920);
    expect(spec.memoryBandwidthBytesPerS).toBe(3.35e12);
    expect(spec.peakFlopsPerS.bf16).toBeCloseTo(989.4e12, -6);
    expect(spec.interconnect.bandwidthBytesPerSPerDirection).toBe(450e9);
  });

  it('has aliases that are unique across files and never another entry’s name', () => {
    const owners = new Map<string, string>();
    for (const { file } of listHardware()) {
      for (const key of [file.name, ...file.aliases].map((value) => value.toLowerCase())) {
        expect(owners.get(key), `${key} is claimed twice`).toBeUndefined();
        owners.set(key, file.name);
      }
    }
  });
});

describe('resolveHardware', () => {
  it.each(REQUIRED_DEVICES)('resolves the required device %s by its name', (name) => {
    expect(resolveHardware(name).file.name).toBe(name);
  });

  it.each(REQUIRED_DEVICES)('resolves %s case-insensitively by name and by an alias', (name) => {
    expect(resolveHardware(name.toLowerCase()).file.name).toBe(name);
    const { aliases } = resolveHardware(name).file;
    expect(aliases.length).toBeGreaterThan(0);
    const alias = aliases[0] as string;
    expect(resolveHardware(alias.toUpperCase()).file.name).toBe(name);
    expect(resolveHardware(alias.toLowerCase()).file.name).toBe(name);
  });

  it('maps the documented short aliases to the documented parts', () => {
    expect(resolveHardware('a100').file.name).toBe('A100-80GB');
    expect(resolveHardware('mi300').file.name).toBe('MI300X');
    expect(resolveHardware('h100-sxm').file.name).toBe('H100');
  });

  it('fails on an unknown name with the closest known names', () => {
    const error = thrown(() => resolveHardware('H10'));
    expect(error).toBeInstanceOf(HardwareNotFoundError);
    expect((error as HardwareNotFoundError).code).toBe('LLMSIM_ERR_HARDWARE_NOT_FOUND');
    expect((error as HardwareNotFoundError).suggestions).toContain('H100');
    expect(error.message).toContain("'H10'");
    expect(error.message).toContain('H100');
    expect(error.message).not.toContain('\n');
  });

  it('suggests canonical names, not aliases, for a near miss', () => {
    const error = thrown(() => resolveHardware('RTX4080')) as HardwareNotFoundError;
    expect(error).toBeInstanceOf(HardwareNotFoundError);
    expect(error.suggestions).toContain('RTX4090');
    const canonical = new Set(listHardware().map((entry) => entry.file.name));
    for (const suggestion of error.suggestions) expect(canonical.has(suggestion)).toBe(true);
  });

  it('reads a user file given by path', () => {
    const path = writeUserFile('my-gpu.json', JSON.stringify(USER_GPU));
    const entry = resolveHardware(path);
    expect(entry.path).toBe(path);
    expect(entry.file.name).toBe('MyGPU');
    expect(entry.spec.memoryBytes).toBe(32 * GIB);
    expect(entry.spec.peakFlopsPerS.fp8).toBeNull();
    expect(entry.spec.interconnect.bandwidthBytesPerSPerDirection).toBe(32e9);
  });

  it('rejects a malformed user file, naming the path and the field', () => {
    const path = writeUserFile(
      'bad-gpu.json',
      JSON.stringify({ ...USER_GPU, memoryGiB: -4, name: 'BadGPU' }),
    );
    const error = thrown(() => resolveHardware(path));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect((error as InvalidCatalogFileError).code).toBe('LLMSIM_ERR_INVALID_CATALOG_FILE');
    expect(error.message).toContain(path);
    expect(error.message).toContain('memoryGiB');
  });

  it('names the nested field of a user file that lacks one', () => {
    const { interconnect, ...rest } = USER_GPU;
    const withoutLatency = { ...rest, interconnect: { ...interconnect, latencyUs: undefined } };
    const path = writeUserFile('no-latency.json', JSON.stringify(withoutLatency));
    const error = thrown(() => resolveHardware(path));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toContain(path);
    expect(error.message).toContain('interconnect.latencyUs');
  });

  it('rejects a user file that is not JSON, naming the path', () => {
    const path = writeUserFile('not-json.json', '{ "name": "Broken", ');
    const error = thrown(() => resolveHardware(path));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toContain(path);
    expect(error.message).toContain('not valid JSON');
  });
});
