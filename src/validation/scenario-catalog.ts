/**
 * @module Loads the shipped validation scenarios (`catalog/validation/*.json`), checks every row
 * against its schema, resolves each row's source code, and refuses duplicate row ids.
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCatalogFile } from '../catalog/read-json-file.js';
import { FileAccessError, InvalidCatalogFileError } from '../errors.js';
import {
  rowSchemaFor,
  type ScenarioRow,
  type Source,
  scenarioFileSchema,
} from './scenario-schema.js';

/** The folder of the shipped scenarios (next to this module's `catalog/`, in src and in dist). */
export const SCENARIO_DIRECTORY = fileURLToPath(new URL('../catalog/validation/', import.meta.url));

/** A row with where it came from. */
export interface LoadedRow {
  readonly row: ScenarioRow;
  readonly source: Source & { readonly code: string };
  /** The scenario file's path. */
  readonly file: string;
  /** Folder that relative paths of the row (trace runs) are resolved against. */
  readonly directory: string;
}

/** Every row of every `*.json` file in `directory`, files in name order. */
export function loadScenarios(directory: string = SCENARIO_DIRECTORY): LoadedRow[] {
  let names: string[];
  try {
    names = readdirSync(directory)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (error) {
    throw new FileAccessError(directory, 'cannot list validation scenarios', { cause: error });
  }
  const loaded: LoadedRow[] = [];
  const fileById = new Map<string, string>();
  for (const name of names) {
    const file = join(directory, name);
    for (const entry of loadScenarioFile(file, directory)) {
      const previous = fileById.get(entry.row.id);
      if (previous !== undefined) {
        throw new InvalidCatalogFileError(file, `row ${entry.row.id} is also in ${previous}`);
      }
      fileById.set(entry.row.id, name);
      loaded.push(entry);
    }
  }
  return loaded;
}

/** The rows of one scenario file. */
export function loadScenarioFile(file: string, directory: string): LoadedRow[] {
  const data = readCatalogFile(file, scenarioFileSchema, 'not a validation scenario file');
  return data.rows.map((raw, index) => {
    const parsed = rowSchemaFor(raw).safeParse(raw);
    const label = `rows[${index}]${typeof raw.id === 'string' ? ` (${raw.id})` : ''}`;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.length ? `.${issue.path.join('.')}` : '';
      throw new InvalidCatalogFileError(file, `${label}${path}: ${issue?.message}`);
    }
    const row: ScenarioRow = parsed.data;
    const source = data.sources[row.source];
    if (source === undefined) {
      throw new InvalidCatalogFileError(file, `${label}: source ${row.source} is not listed`);
    }
    return { row, source: { code: row.source, ...source }, file, directory };
  });
}
