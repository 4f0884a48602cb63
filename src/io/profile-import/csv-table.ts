/**
 * @module A small reader for the profiling CSV files: a header line, then comma-separated rows
 * without quoting (every layout the importer reads is written that way). Errors name the file
 * and line.
 */

import { InvalidCatalogFileError } from '../../errors.js';

/** One parsed CSV file: cells read by column name, numbers checked. */
export class CsvTable {
  readonly origin: string;
  readonly columns: readonly string[];
  private readonly rows: readonly (readonly string[])[];
  private readonly columnIndex: ReadonlyMap<string, number>;

  /** `origin` names the file in error messages. */
  constructor(text: string, origin: string) {
    this.origin = origin;
    const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
    const header = lines[0];
    if (header === undefined) throw new InvalidCatalogFileError(origin, 'the CSV file is empty');
    if (text.includes('"')) {
      throw new InvalidCatalogFileError(origin, 'quoted CSV fields are not supported');
    }
    this.columns = header.split(',').map((cell) => cell.trim());
    this.columnIndex = new Map(this.columns.map((name, index) => [name, index]));
    this.rows = lines.slice(1).map((line, index) => {
      const cells = line.split(',');
      if (cells.length !== this.columns.length) {
        throw new InvalidCatalogFileError(
          origin,
          `line ${index + 2}: ${cells.length} fields, the header has ${this.columns.length}`,
        );
      }
      return cells.map((cell) => cell.trim());
    });
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** Reads every data row with `read(row)`. */
  map<T>(read: (row: number) => T): T[] {
    return Array.from({ length: this.rows.length }, (_, row) => read(row));
  }

  hasColumn(name: string): boolean {
    return this.columnIndex.has(name);
  }

  /** Fails unless every named column is present. */
  requireColumns(names: readonly string[]): void {
    const missing = names.filter((name) => !this.columnIndex.has(name));
    if (missing.length > 0) {
      throw new InvalidCatalogFileError(
        this.origin,
        `missing column${missing.length > 1 ? 's' : ''} ${missing.map((name) => `'${name}'`).join(', ')}`,
      );
    }
  }

  /** The raw text of a cell (`row` counts data rows from 0). */
  text(row: number, column: string): string {
    const index = this.columnIndex.get(column);
    if (index === undefined) this.requireColumns([column]);
    return (this.rows[row] as readonly string[])[index as number] as string;
  }

  /** A cell that must hold a finite number. */
  number(row: number, column: string): number {
    const cell = this.text(row, column);
    const value = Number(cell);
    if (cell === '' || !Number.isFinite(value)) {
      throw new InvalidCatalogFileError(
        this.origin,
        `line ${row + 2}: column '${column}' is not a number ('${cell}')`,
      );
    }
    return value;
  }

  /** A cell that must hold a Python-style boolean (`True`/`False`, any case of the first letter). */
  boolean(row: number, column: string): boolean {
    const cell = this.text(row, column);
    if (cell === 'True' || cell === 'true') return true;
    if (cell === 'False' || cell === 'false') return false;
    throw new InvalidCatalogFileError(
      this.origin,
      `line ${row + 2}: column '${column}' is not True or False ('${cell}')`,
    );
  }

  /** A cell that may be empty (undefined) or a finite number. */
  optionalNumber(row: number, column: string): number | undefined {
    return this.text(row, column) === '' ? undefined : this.number(row, column);
  }
}
