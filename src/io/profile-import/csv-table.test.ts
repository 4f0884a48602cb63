/**
 * @module Tests of the CSV reader: cells by column, numbers checked, errors naming file and line.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/support/thrown.js';
import { InvalidCatalogFileError } from '../../errors.js';
import { CsvTable } from './csv-table.js';

describe('CsvTable', () => {
  it('reads cells by column name, skipping blank lines and CRLF endings', () => {
    const table = new CsvTable('a,b\r\n1,x\r\n\r\n2.5,\r\n', 'f.csv');
    expect(table.rowCount).toBe(2);
    expect(table.map((row) => table.number(row, 'a'))).toEqual([1, 2.5]);
    expect(table.text(0, 'b')).toBe('x');
    expect(table.optionalNumber(1, 'b')).toBeUndefined();
    expect(table.hasColumn('c')).toBe(false);
  });

  it('names the file and line of a bad cell, a short row or a missing column', () => {
    const table = new CsvTable('a,b\n1,x\n', 'f.csv');
    expect(thrown(() => table.number(0, 'b')).message).toBe(
      "f.csv: line 2: column 'b' is not a number ('x')",
    );
    expect(thrown(() => table.requireColumns(['a', 'c', 'd'])).message).toBe(
      "f.csv: missing columns 'c', 'd'",
    );
    const error = thrown(() => new CsvTable('a,b\n1\n', 'f.csv'));
    expect(error).toBeInstanceOf(InvalidCatalogFileError);
    expect(error.message).toBe('f.csv: line 2: 1 fields, the header has 2');
    expect(thrown(() => new CsvTable('', 'f.csv')).message).toBe('f.csv: the CSV file is empty');
  });
});
